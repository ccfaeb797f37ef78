/**
 * A local S3 that answers ListObjectsV2 and GetObject (path-style, as the functions address S3 when an
 * endpoint is set) from files on disk, for running the fan-out's manifest samples offline:
 *   node --import tsx scripts/local-s3.ts s3://example-manifests/fan-out/=events/manifests [...]
 * maps each S3 prefix to a directory (key = prefix + the file's path under it), prints
 * AWS_ENDPOINT_URL_S3=http://127.0.0.1:<port>, then one line per request (`get s3://bucket/key <status>`,
 * `list s3://bucket/prefix <status>`). A key with no file is NoSuchKey, a bucket no mapping names
 * NoSuchBucket, as S3 answers them. Listings page as S3's do (doubles/fake-s3.ts).
 * Anything but GET is refused (501): the functions only read.
 */
import { listen } from '../doubles/aws-json-http';
import { FakeS3 } from '../doubles/fake-s3';
import { s3Listener } from '../doubles/fake-s3-http';
import { bodiesFromDirectories, loadS3Directories, parseS3Directory } from '../doubles/s3-directories';

async function main() {
  const mappings = process.argv.slice(2).map(parseS3Directory);
  if (mappings.length === 0) throw new Error('usage: local-s3.ts s3://bucket/prefix/=directory [...]');
  const fake = new FakeS3();
  loadS3Directories(fake, mappings);
  const server = await listen(
    s3Listener(fake, bodiesFromDirectories(mappings), (call) => console.log(`${call.operation === 'ListObjectsV2' ? 'list' : 'get'} ${call.uri} ${call.status}`)),
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
