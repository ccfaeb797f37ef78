/** Reads a fan-out manifest from S3 (GetObject), refusing what no retry can fix with an error naming `itemsS3Uri`. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../core/errors';
import { MAX_MANIFEST_BYTES } from './manifest';

const FIELD = 'itemsS3Uri';
const S3_OBJECT_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;

export interface S3Object {
  bucket: string;
  key: string;
}

/** `s3://bucket/key` (the key may not be empty); throws an InvalidInputError naming `itemsS3Uri`. */
export function parseManifestUri(uri: string): S3Object {
  const match = S3_OBJECT_URI.exec(uri.trim());
  if (!match?.[1] || !match[2]) {
    throw new InvalidInputError(`${FIELD}: expected s3://bucket/key of a manifest object (got "${uri.slice(0, 200)}")`, [FIELD]);
  }
  return { bucket: match[1], key: match[2] };
}

/** S3 errors that mean the manifest cannot be read as named: a retry cannot fix them. */
const UNREADABLE = new Set(['NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'NotFound', 'InvalidObjectState', 'PermanentRedirect']);

/** The manifest's text (UTF-8), at most MAX_MANIFEST_BYTES; other S3 errors (throttling, 5xx) are thrown as they are, for a retry. */
export async function readManifestObject(s3: S3Client, uri: string, maxBytes = MAX_MANIFEST_BYTES): Promise<{ key: string; text: string }> {
  const { bucket, key } = parseManifestUri(uri);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
      throw new InvalidInputError(`${FIELD}: the manifest is ${out.ContentLength} bytes (at most ${maxBytes})`, [FIELD]);
    }
    const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    if (bytes.length > maxBytes) throw new InvalidInputError(`${FIELD}: the manifest is ${bytes.length} bytes (at most ${maxBytes})`, [FIELD]);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InvalidInputError(`${FIELD}: the manifest is not UTF-8 text`, [FIELD]);
    }
    return { key, text };
  } catch (error) {
    const name = (error as { name?: string })?.name ?? '';
    if (UNREADABLE.has(name)) {
      throw new InvalidInputError(`${FIELD}: s3://${bucket}/${key.slice(0, 120)} cannot be read (${name})`, [FIELD], { cause: error });
    }
    throw error;
  }
}
