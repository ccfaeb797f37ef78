/**
 * A local S3 that answers GetObject (path-style, as the functions address S3 when an endpoint is
 * set) from files on disk, for running the fan-out's manifest samples offline:
 *   node --import tsx scripts/local-s3.ts s3://example-manifests/fan-out/=events/manifests [...]
 * maps each S3 prefix to a directory (key = prefix + the file's path under it), prints
 * AWS_ENDPOINT_URL_S3=http://127.0.0.1:<port>, then one line per request (`get s3://bucket/key <status>`).
 * A key with no file is NoSuchKey, a bucket no mapping names NoSuchBucket, as S3 answers them.
 * Anything but GET is refused (501): the functions only read manifests.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';

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

async function main() {
  const mappings = process.argv.slice(2).map(parseMapping);
  if (mappings.length === 0) throw new Error('usage: local-s3.ts s3://bucket/prefix/=directory [...]');
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, bucket = '', ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const log = (status: number) => console.log(`get s3://${bucket}/${key} ${status}`);
      if (req.method !== 'GET') return xmlError(res, 501, 'NotImplemented', 'only GetObject is served here');
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
