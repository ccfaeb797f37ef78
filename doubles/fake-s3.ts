/**
 * An in-memory S3 bucket store answering ListObjectsV2 as S3 does: Prefix, Delimiter, StartAfter,
 * ContinuationToken, MaxKeys capped at 1,000 with CommonPrefixes counted toward it, keys in UTF-8
 * byte order. Wire it with `fake.attach(mockClient(s3))`.
 */
import { ListObjectsV2Command, type ListObjectsV2CommandInput, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { compareUtf8 } from '../lib/partitions/utf8-order';
import { awsError, CallLog } from './aws-error';

/**
 * A bucket's keys in S3 order, by index: an array, or a layout that computes its keys on demand
 * (a million keys without holding them in memory).
 */
export interface SortedKeys {
  readonly length: number;
  at(index: number): string | undefined;
}

/** First index in [lo, keys.length) where `pred` turns false (pred must be true-then-false). */
function firstFalse(keys: SortedKeys, lo: number, pred: (key: string) => boolean): number {
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(keys.at(mid) ?? '')) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class FakeS3 {
  readonly log: CallLog;
  private readonly buckets = new Map<string, string[]>();
  private readonly layouts = new Map<string, SortedKeys>();

  constructor(options: { latencyMs?: number } = {}) {
    this.log = new CallLog(options.latencyMs ?? 0);
  }

  /** Adds objects (any order). */
  put(bucket: string, ...keys: string[]): this {
    const list = this.buckets.get(bucket) ?? [];
    const all = new Set([...list, ...keys]);
    this.buckets.set(bucket, [...all].sort(compareUtf8));
    return this;
  }

  /** Adds many objects already in S3 order after the existing ones (fast path for large benchmarks). */
  appendSorted(bucket: string, keys: Iterable<string>): this {
    const list = this.buckets.get(bucket) ?? [];
    for (const key of keys) {
      const last = list[list.length - 1];
      if (last !== undefined && compareUtf8(last, key) >= 0) throw new Error(`appendSorted: ${key} is not after ${last}`);
      list.push(key);
    }
    this.buckets.set(bucket, list);
    return this;
  }

  /** Serves `bucket` from keys computed on demand (they must be in S3 order); put and delete do not apply to it. */
  putLayout(bucket: string, keys: SortedKeys): this {
    this.layouts.set(bucket, keys);
    return this;
  }

  delete(bucket: string, predicate: (key: string) => boolean): this {
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? []).filter((k) => !predicate(k)));
    return this;
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket) || this.layouts.has(bucket);
  }

  keys(bucket: string): readonly string[] {
    return this.buckets.get(bucket) ?? [];
  }

  async listObjectsV2(input: ListObjectsV2CommandInput): Promise<ListObjectsV2CommandOutput> {
    await this.log.enter('ListObjectsV2');
    const keys = input.Bucket === undefined ? undefined : (this.layouts.get(input.Bucket) ?? this.buckets.get(input.Bucket));
    if (!keys) throw awsError('NoSuchBucket', 'The specified bucket does not exist', 404);
    const prefix = input.Prefix ?? '';
    const delimiter = input.Delimiter;
    const requested = input.MaxKeys ?? 1000;
    if (requested < 0) throw awsError('InvalidArgument', 'MaxKeys must be >= 0');
    const maxKeys = Math.min(requested, 1000);

    // Position: after the token's key (or after every key of the token's common prefix), else after StartAfter.
    let start: number;
    if (input.ContinuationToken !== undefined) {
      const token = JSON.parse(Buffer.from(input.ContinuationToken, 'base64').toString('utf8')) as { after: string; prefix?: boolean };
      start = token.prefix
        ? firstFalse(keys, 0, (k) => compareUtf8(k, token.after) < 0 || k.startsWith(token.after))
        : firstFalse(keys, 0, (k) => compareUtf8(k, token.after) <= 0);
    } else {
      const after = input.StartAfter !== undefined && compareUtf8(input.StartAfter, prefix) > 0 ? input.StartAfter : undefined;
      start = after === undefined ? firstFalse(keys, 0, (k) => compareUtf8(k, prefix) < 0) : firstFalse(keys, 0, (k) => compareUtf8(k, after) <= 0);
    }

    const contents: { Key: string; Size: number }[] = [];
    const commonPrefixes: { Prefix: string }[] = [];
    let last: { after: string; prefix?: boolean } | undefined;
    let i = start;
    let truncated = false;
    while (i < keys.length) {
      const key = keys.at(i) ?? '';
      if (!key.startsWith(prefix)) break;
      if (contents.length + commonPrefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (delimiter && cut >= 0) {
        const common = key.slice(0, cut + delimiter.length);
        commonPrefixes.push({ Prefix: common });
        last = { after: common, prefix: true };
        i = firstFalse(keys, i, (k) => k.startsWith(common));
      } else {
        contents.push({ Key: key, Size: 1 });
        last = { after: key };
        i++;
      }
    }
    return {
      $metadata: { httpStatusCode: 200 },
      Name: input.Bucket,
      Prefix: input.Prefix,
      Delimiter: delimiter,
      MaxKeys: requested,
      StartAfter: input.StartAfter,
      ContinuationToken: input.ContinuationToken,
      KeyCount: contents.length + commonPrefixes.length,
      IsTruncated: truncated,
      Contents: contents.length > 0 ? contents : undefined,
      CommonPrefixes: commonPrefixes.length > 0 ? commonPrefixes : undefined,
      NextContinuationToken: truncated && last ? Buffer.from(JSON.stringify(last)).toString('base64') : undefined,
    } as ListObjectsV2CommandOutput;
  }

  /** Routes the mocked client's ListObjectsV2 to this fake. */
  attach(mock: AwsClientStub<S3Client>): this {
    mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => this.listObjectsV2(input));
    return this;
  }
}
