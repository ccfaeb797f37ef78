/**
 * A local S3 that answers ListObjectsV2 and GetObject (path-style, as the functions address S3 when an
 * endpoint is set) from files on disk, for running the fan-out's manifest samples offline:
 *   node --import tsx scripts/local-s3.ts s3://example-manifests/fan-out/=events/manifests [...]
 * maps each S3 prefix to a directory (key = prefix + the file's path under it), prints
 * AWS_ENDPOINT_URL_S3=http://127.0.0.1:<port>, then one line per request (`get s3://bucket/key <status>`,
 * `list s3://bucket/prefix <status>`). A key with no file is NoSuchKey, a bucket no mapping names
 * NoSuchBucket, as S3 answers them. Listings page as S3's do (doubles/fake-s3.ts). A PUT (a fan-out's
 * results object) writes the file under the mapping's directory and prints `put s3://bucket/key <status>`;
 * with `If-None-Match: *` on an existing file it is 412 PreconditionFailed and writes nothing, as S3
 * answers. Anything else is refused (501).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { dirname, resolve, sep } from 'node:path';
import { listen } from '../doubles/aws-json-http';
import { FakeS3 } from '../doubles/fake-s3';
import { s3Listener } from '../doubles/fake-s3-http';
import { bodiesFromDirectories, loadS3Directories, parseS3Directory, type S3Directory } from '../doubles/s3-directories';

const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
};

/** PutObject into the first mapping of the bucket whose prefix the key is under; other requests go to `next`. */
const withPuts =
  (mappings: readonly S3Directory[], next: RequestListener): RequestListener =>
  (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'PUT') return next(req, res);
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, bucket = '', ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const log = (status: number) => console.log(`put s3://${bucket}/${key} ${status}`);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const m = mappings.find((x) => x.bucket === bucket && key.startsWith(x.prefix));
      const file = m ? resolve(m.dir, key.slice(m.prefix.length)) : undefined;
      if (!m || !file || !file.startsWith(m.dir + sep)) {
        log(404);
        return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      }
      if (req.headers['if-none-match'] === '*' && (await readFile(file).catch(() => undefined)) !== undefined) {
        log(412);
        return xmlError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, Buffer.concat(chunks));
      log(200);
      res.writeHead(200, { etag: '"local"' });
      res.end();
    })();
  };

async function main() {
  const mappings = process.argv.slice(2).map(parseS3Directory);
  if (mappings.length === 0) throw new Error('usage: local-s3.ts s3://bucket/prefix/=directory [...]');
  const fake = new FakeS3();
  loadS3Directories(fake, mappings);
  const server = await listen(
    withPuts(
      mappings,
      s3Listener(fake, bodiesFromDirectories(mappings), (call) => console.log(`${call.operation === 'ListObjectsV2' ? 'list' : 'get'} ${call.uri} ${call.status}`)),
    ),
  );
  console.log(`AWS_ENDPOINT_URL_S3=${server.endpoint}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
