/**
 * S3 listing for partition discovery (adapter: takes the S3 client). Three ways, all paging past
 * 1,000 entries: the skip listing (default), the plain flat listing, and the level-by-level
 * delimiter walk. See lib/partitions/discovery.ts for the choice.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { DiscoveryCollector, nextPageAfter, type DiscoveryResult, type ListingStrategy } from './discovery';
import { isDataObjectBelow } from './partition-paths';
import { settleAll } from './settle-all';

export interface ListRequest {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys?: number;
  startAfter?: string;
  continuationToken?: string;
}

export interface ListPage {
  keys: string[];
  folders: string[];
  nextToken?: string;
}

/** One ListObjectsV2 request. */
export async function listPage(s3: S3Client, request: ListRequest): Promise<ListPage> {
  const out = await s3.send(
    new ListObjectsV2Command({
      Bucket: request.bucket,
      Prefix: request.prefix,
      Delimiter: request.delimiter,
      MaxKeys: request.maxKeys,
      StartAfter: request.continuationToken ? undefined : request.startAfter,
      ContinuationToken: request.continuationToken,
    }),
  );
  return {
    keys: (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key])),
    folders: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix === undefined ? [] : [p.Prefix])),
    nextToken: out.IsTruncated ? out.NextContinuationToken : undefined,
  };
}

/**
 * Lists every key under `prefix` without a delimiter (after `startAfter` when given), handing each to
 * `onKey`. With `skip`, when a page ends inside a folder `onKey` reported as decided, the next request
 * starts after that folder. `stop`, asked after each page that is not the last, ends the listing
 * early: `stoppedAfter` is then the last key listed.
 */
export async function scanKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  onKey: (key: string) => string | undefined,
  options: { skip: boolean; stop?: () => boolean; startAfter?: string },
): Promise<{ requests: number; stoppedAfter?: string }> {
  let requests = 0;
  let request: ListRequest = { bucket, prefix, startAfter: options.startAfter };
  for (;;) {
    const page = await listPage(s3, request);
    requests++;
    let decided: string | undefined;
    for (const key of page.keys) decided = onKey(key);
    const lastKey = page.keys[page.keys.length - 1];
    if (page.nextToken === undefined) return { requests };
    if (options.stop?.()) return { requests, stoppedAfter: lastKey ?? request.startAfter };
    const next = options.skip && lastKey !== undefined ? nextPageAfter(prefix, lastKey, decided) : { done: false as const, continuation: true as const };
    if (next.done) return { requests };
    request = 'startAfter' in next ? { bucket, prefix, startAfter: next.startAfter } : { bucket, prefix, continuationToken: page.nextToken };
  }
}

/** True when at least one data object (not a marker, not under a hidden folder) lies under `prefix`. */
export async function prefixHoldsData(s3: S3Client, bucket: string, prefix: string): Promise<{ holdsData: boolean; requests: number }> {
  let holdsData = false;
  const { requests } = await scanKeys(
    s3,
    bucket,
    prefix,
    (key) => {
      if (isDataObjectBelow(key, prefix)) holdsData = true;
      return undefined;
    },
    { skip: false, stop: () => holdsData },
  );
  return { holdsData, requests };
}

export interface DiscoverRequest {
  bucket: string;
  /** The table Location's key prefix (directory form). */
  locationPrefix: string;
  /** Where to look: at or under the Location (directory form). */
  scanPrefix: string;
  partitionKeys: readonly string[];
  strategy?: ListingStrategy;
  /** Parallel requests of the walk. */
  concurrency?: number;
  /** skip and flat listings: list only the keys after this one (a previous run's resume point). */
  startAfter?: string;
  /** skip and flat listings: asked after each page with the partitions found so far; true ends the listing early. */
  stop?: (found: number) => boolean;
}

/** Finds the partitions holding data under the scan prefix, with every skipped path and its reason. */
export async function discoverPartitions(s3: S3Client, request: DiscoverRequest): Promise<DiscoveryResult> {
  const strategy = request.strategy ?? 'skip';
  const collector = new DiscoveryCollector(request.locationPrefix, request.partitionKeys);
  const onKey = (key: string) => collector.addKey(key).decidedPrefix;
  if (strategy !== 'walk') {
    const { stop } = request;
    const scan = await scanKeys(s3, request.bucket, request.scanPrefix, onKey, {
      skip: strategy === 'skip',
      startAfter: request.startAfter,
      stop: stop && (() => stop(collector.partitionCount)),
    });
    return { ...collector.result(scan.requests, strategy), ...(scan.stoppedAfter === undefined ? {} : { stoppedAfter: scan.stoppedAfter }) };
  }
  if (request.startAfter !== undefined) throw new Error('discoverPartitions: startAfter needs the skip or flat listing');
  return walk(s3, request, collector);
}

/** Delimiter walk: one listing per folder of each partition level, then one confirming listing per leaf. */
async function walk(s3: S3Client, request: DiscoverRequest, collector: DiscoveryCollector): Promise<DiscoveryResult> {
  const limit = pLimit(request.concurrency ?? 8);
  const depth = request.partitionKeys.length;
  const fixed = request.scanPrefix.slice(request.locationPrefix.length).split('/').length - 1;
  let requests = 0;
  let frontier = [request.scanPrefix];
  for (let level = fixed; level < depth; level++) {
    const next: string[][] = await settleAll(
      frontier.map((prefix) =>
        limit(async () => {
          const children: string[] = [];
          let token: string | undefined;
          do {
            const page = await listPage(s3, { bucket: request.bucket, prefix, delimiter: '/', continuationToken: token });
            requests++;
            for (const key of page.keys) collector.addKey(key);
            for (const folder of page.folders) if (collector.addFolder(folder, level).ok) children.push(folder);
            token = page.nextToken;
          } while (token !== undefined);
          return children;
        }),
      ),
    );
    frontier = next.flat();
  }
  // A leaf folder may hold only markers: confirm each with a listing that stops at its first data object.
  await settleAll(
    frontier.map((leaf) =>
      limit(async () => {
        const leafScan = await scanKeys(s3, request.bucket, leaf, (key) => collector.addKey(key).decidedPrefix, { skip: true });
        requests += leafScan.requests;
      }),
    ),
  );
  return collector.result(requests, 'walk');
}
