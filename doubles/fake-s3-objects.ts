/**
 * S3 objects for GetObject, as S3 answers it: the body with its ContentLength, `NoSuchKey` for a
 * missing key, `NoSuchBucket` for a missing bucket, `AccessDenied` for a bucket marked denied.
 * Wire it with `fake.attach(mockClient(S3Client))`.
 */
import { GetObjectCommand, type GetObjectCommandInput, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { awsError } from './aws-error';

export class FakeS3Objects {
  readonly gets: string[] = [];
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

  attach(mock: AwsClientStub<S3Client>): this {
    mock.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => this.getObject(input));
    return this;
  }
}
