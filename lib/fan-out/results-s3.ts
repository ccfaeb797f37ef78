/** Writes the fan-out's results object to S3, once: If-None-Match makes a second write a no-op. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../partitions/s3-uri';
import type { ChildRecord } from './fan-in-state';
import { resultLines } from './results';
import { errorName } from './sagemaker';

/** S3 errors no retry can fix: the bucket is gone or the role may not write there. */
export const isPermanentS3WriteError = (error: unknown): boolean => ['AccessDenied', 'NoSuchBucket', 'PermanentRedirect', 'InvalidBucketName'].includes(errorName(error) ?? '');

/** PutObject of `body` at `uri` unless an object is there already (412 PreconditionFailed: written before). */
export async function writeResultsObject(s3: S3Client, uri: string, body: string): Promise<'written' | 'existed'> {
  const { bucket, prefix } = parseS3Uri(uri, 'resultsS3Uri');
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: prefix.replace(/\/$/, ''), Body: body, ContentType: 'application/x-ndjson', IfNoneMatch: '*' }),
    );
    return 'written';
  } catch (error) {
    // 409 ConditionalRequestConflict: a concurrent write of the same key; either one holds the same lines.
    if (['PreconditionFailed', 'ConditionalRequestConflict'].includes(errorName(error) ?? '')) return 'existed';
    throw error;
  }
}

/** The fan-in's results writer over a client made only when a fan-out asks for results (`s3` is called then). */
export const resultsWriter =
  (s3: () => S3Client) =>
  async (uri: string, children: readonly ChildRecord[]): Promise<void> => {
    await writeResultsObject(s3(), uri, resultLines(children));
  };
