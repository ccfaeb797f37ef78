/**
 * A local S3 that answers GetObject and PutObject (path-style, as the functions address S3 when an
 * endpoint is set) from and to files on disk, for running the fan-out's samples offline:
 *   node --import tsx scripts/local-s3.ts s3://example-manifests/fan-out/=events/manifests [...]
 * maps each S3 prefix to a directory (key = prefix + the file's path under it), prints
 * AWS_ENDPOINT_URL_S3=http://127.0.0.1:<port>, then one line per request (`get s3://bucket/key <status>`).
 * A key with no file is NoSuchKey, a bucket no mapping names NoSuchBucket, as S3 answers them. A PUT
 * (a fan-out's results object) writes the file under the mapping's directory and prints
 * `put s3://bucket/key <status>`; with `If-None-Match: *` on an existing file it is 412
 * PreconditionFailed and writes nothing, as S3 answers. Anything else is refused (501).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer, type ServerResponse } from 'node:http';
import { dirname, resolve, sep } from 'node:path';

interface Mapping {
  bucket: string;
  prefix: string;
  dir: string;
}

function parseMapping(arg: string): Mapping {
  const match = /^s3:\/\/([^/]+)\/(.*)=(.+)$/.exec(arg);
  if (!match?.[1] || match[2] === undefined || !match[3]) throw new Error(`expected s3://bucket/prefix/=directory (got "${arg}")`);
  return { bucket: match[1], prefix: match[2], dir: resolve(match[3]) };
}

const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
};

const bodyOf = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** PutObject into the first mapping of the bucket whose prefix the key is under. */
async function put(req: IncomingMessage, res: ServerResponse, mappings: Mapping[], bucket: string, key: string): Promise<void> {
  const log = (status: number) => console.log(`put s3://${bucket}/${key} ${status}`);
  const m = mappings.find((x) => x.bucket === bucket && key.startsWith(x.prefix));
  const file = m ? resolve(m.dir, key.slice(m.prefix.length)) : undefined;
  if (!m || !file || !file.startsWith(m.dir + sep)) {
    log(404);
    return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
  }
  const body = await bodyOf(req);
  const exists = (await readFile(file).catch(() => undefined)) !== undefined;
  if (req.headers['if-none-match'] === '*' && exists) {
    log(412);
    return xmlError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, body);
  log(200);
  res.writeHead(200, { etag: '"local"' });
  res.end();
}

async function main() {
  const mappings = process.argv.slice(2).map(parseMapping);
  if (mappings.length === 0) throw new Error('usage: local-s3.ts s3://bucket/prefix/=directory [...]');
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, bucket = '', ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const log = (status: number) => console.log(`get s3://${bucket}/${key} ${status}`);
      if (req.method === 'PUT') return put(req, res, mappings, bucket, key);
      if (req.method !== 'GET') return xmlError(res, 501, 'NotImplemented', 'only GetObject and PutObject are served here');
      const inBucket = mappings.filter((m) => m.bucket === bucket);
      if (inBucket.length === 0) {
        log(404);
        return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      }
      for (const m of inBucket.filter((x) => key.startsWith(x.prefix))) {
        const file = resolve(m.dir, key.slice(m.prefix.length));
        if (!file.startsWith(m.dir + sep)) continue;
        const body = await readFile(file).catch(() => undefined);
        if (body === undefined) continue;
        log(200);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, etag: '"local"' });
        return res.end(body);
      }
      log(404);
      return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  console.log(`AWS_ENDPOINT_URL_S3=http://127.0.0.1:${address.port}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
