/**
 * A FakeS3 behind S3's REST protocol (path-style, as the functions address S3 when an endpoint is
 * set): ListObjectsV2 (`GET /bucket?list-type=2`, the XML S3 returns, `encoding-type=url` honoured)
 * and GetObject (`GET /bucket/key`, from a body lookup). Errors are S3's XML (`NoSuchBucket`,
 * `NoSuchKey`); anything else is refused with 501.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import type { FakeS3 } from './fake-s3';

export interface S3Call {
  operation: 'ListObjectsV2' | 'GetObject' | 'NotImplemented';
  uri: string;
  status: number;
  /** ListObjectsV2: keys and common prefixes returned. */
  keyCount?: number;
}

/** Finds an object's body: undefined when there is no such key. */
export type ObjectBodies = (bucket: string, key: string) => Promise<Uint8Array | undefined>;

// S3's entity forms (its "XML related object key constraints"): \r, \n and \t as character
// references, so that no XML parser normalises or trims them away.
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' };
const xml = (text: string) => text.replace(/[&<>"'\r\n\t]/g, (c) => XML_ESCAPES[c] ?? c);

function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xml(String(value))}</${name}>`;
}

/** ListObjectsV2's XML body, as S3 writes it (keys URL-encoded when `encoding-type=url` was asked). */
export function listObjectsV2Xml(out: ListObjectsV2CommandOutput, encodingType?: string): string {
  const encode = encodingType === 'url' ? (s: string | undefined) => (s === undefined ? undefined : encodeURIComponent(s).replace(/%2F/g, '/')) : (s: string | undefined) => s;
  const contents = (out.Contents ?? [])
    .map((o) => `<Contents>${element('Key', encode(o.Key))}<LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>"local"</ETag>${element('Size', o.Size ?? 0)}<StorageClass>STANDARD</StorageClass></Contents>`)
    .join('');
  const prefixes = (out.CommonPrefixes ?? []).map((p) => `<CommonPrefixes>${element('Prefix', encode(p.Prefix))}</CommonPrefixes>`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    element('Name', out.Name) +
    element('Prefix', encode(out.Prefix ?? '')) +
    element('Delimiter', encode(out.Delimiter)) +
    element('StartAfter', encode(out.StartAfter)) +
    element('ContinuationToken', out.ContinuationToken) +
    element('KeyCount', out.KeyCount) +
    element('MaxKeys', out.MaxKeys) +
    element('EncodingType', encodingType) +
    element('IsTruncated', out.IsTruncated) +
    contents +
    prefixes +
    element('NextContinuationToken', out.NextContinuationToken) +
    '</ListBucketResult>'
  );
}

function xmlError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error>`);
}

/** An HTTP listener serving `fake`'s listings and `bodies`' objects; `onCall` sees each request. */
export function s3Listener(fake: FakeS3, bodies: ObjectBodies, onCall: (call: S3Call) => void = () => undefined): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, bucket = '', ...rest] = url.pathname.split('/');
      let key: string;
      try {
        key = decodeURIComponent(rest.join('/'));
      } catch {
        onCall({ operation: 'GetObject', uri: `s3://${bucket}/${rest.join('/')}`, status: 400 });
        return xmlError(res, 400, 'InvalidURI', "Couldn't parse the specified URI.");
      }
      const query = url.searchParams;
      if (req.method !== 'GET') {
        onCall({ operation: 'NotImplemented', uri: `s3://${bucket}/${key}`, status: 501 });
        return xmlError(res, 501, 'NotImplemented', 'only ListObjectsV2 and GetObject are served here');
      }
      if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
        const maxKeys = query.get('max-keys');
        const uri = `s3://${bucket}/${query.get('prefix') ?? ''}`;
        try {
          const out = await fake.listObjectsV2({
            Bucket: bucket,
            Prefix: query.get('prefix') ?? undefined,
            Delimiter: query.get('delimiter') ?? undefined,
            MaxKeys: maxKeys === null ? undefined : Number(maxKeys),
            StartAfter: query.get('start-after') ?? undefined,
            ContinuationToken: query.get('continuation-token') ?? undefined,
          });
          onCall({ operation: 'ListObjectsV2', uri, status: 200, keyCount: out.KeyCount });
          res.writeHead(200, { 'content-type': 'application/xml' });
          return res.end(listObjectsV2Xml(out, query.get('encoding-type') ?? undefined));
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          const status = e.name === 'NoSuchBucket' ? 404 : 400;
          onCall({ operation: 'ListObjectsV2', uri, status });
          return xmlError(res, status, e.name, e.message);
        }
      }
      const uri = `s3://${bucket}/${key}`;
      const body = await bodies(bucket, key);
      if (body === undefined) {
        onCall({ operation: 'GetObject', uri, status: 404 });
        return fake.hasBucket(bucket)
          ? xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.')
          : xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      }
      onCall({ operation: 'GetObject', uri, status: 200 });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, etag: '"local"' });
      return res.end(body);
    })().catch((error: unknown) => xmlError(res, 500, 'InternalError', error instanceof Error ? error.message : String(error)));
  };
}
