/**
 * S3 objects for GetObject and PutObject, as S3 answers them: the body with its ContentLength, `NoSuchKey` for a
 * missing key, `NoSuchBucket` for a missing bucket, `AccessDenied` for a bucket marked denied; a put
 * with `If-None-Match: *` on a key that exists is `PreconditionFailed` (412) and writes nothing.
 * Wire it with `fake.attach(mockClient(S3Client))`.
 */
import { GetObjectCommand, PutObjectCommand, type GetObjectCommandInput, type GetObjectCommandOutput, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { awsError } from './aws-error';

export class FakeS3Objects {
  readonly gets: string[] = [];
  /** Objects written by PutObject (`s3://bucket/key`), one entry per write that S3 took. */
  readonly puts: string[] = [];
  private readonly objects = new Map<string, Map<string, Uint8Array>>();
  private readonly denied = new Set<string>();

  put(bucket: string, key: string, body: string | Uint8Array): this {
    const objects = this.objects.get(bucket) ?? new Map<string, Uint8Array>();
    objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
    this.objects.set(bucket, objects);
    return this;
  }

  deny(bucket: string): this {
    this.denied.add(bucket);
    return this;
  }

  async getObject(input: GetObjectCommandInput): Promise<Partial<GetObjectCommandOutput>> {
    const bucket = input.Bucket ?? '';
    const key = input.Key ?? '';
    this.gets.push(`s3://${bucket}/${key}`);
    if (this.denied.has(bucket)) throw awsError('AccessDenied', 'Access Denied');
    const objects = this.objects.get(bucket);
    if (!objects) throw awsError('NoSuchBucket', 'The specified bucket does not exist');
    const bytes = objects.get(key);
    if (!bytes) throw awsError('NoSuchKey', 'The specified key does not exist.');
    const body = {
      transformToByteArray: async () => bytes,
      transformToString: async () => new TextDecoder().decode(bytes),
    };
    return { ContentLength: bytes.length, Body: body as unknown as GetObjectCommandOutput['Body'] };
  }

  /** The text of an object (undefined when there is none). */
  text(bucket: string, key: string): string | undefined {
    const bytes = this.objects.get(bucket)?.get(key);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  async putObject(input: PutObjectCommandInput): Promise<{ ETag: string }> {
    const bucket = input.Bucket ?? '';
    const key = input.Key ?? '';
    if (this.denied.has(bucket)) throw awsError('AccessDenied', 'Access Denied');
    const objects = this.objects.get(bucket);
    if (!objects) throw awsError('NoSuchBucket', 'The specified bucket does not exist');
    if (input.IfNoneMatch === '*' && objects.has(key)) throw awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
    const body = input.Body;
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) throw new Error('FakeS3Objects.putObject takes a string or bytes body');
    this.put(bucket, key, body);
    this.puts.push(`s3://${bucket}/${key}`);
    return { ETag: '"fake"' };
  }

  /** A bucket with no objects (PutObject needs the bucket to exist). */
  bucket(name: string): this {
    if (!this.objects.has(name)) this.objects.set(name, new Map());
    return this;
  }

  attach(mock: AwsClientStub<S3Client>): this {
    mock.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => this.getObject(input));
    mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => this.putObject(input));
    return this;
  }
}
