/**
 * S3 prefixes mapped to local directories (`s3://bucket/prefix/=directory`): a file's key is the
 * prefix plus its path under the directory. Loads the keys into a FakeS3 (for listings) and reads
 * the bodies from disk (for GetObject).
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { FakeS3 } from './fake-s3';
import type { ObjectBodies } from './fake-s3-http';

export interface S3Directory {
  bucket: string;
  prefix: string;
  dir: string;
}

/** `s3://bucket/prefix/=directory` -> a mapping (the prefix may be empty). */
export function parseS3Directory(arg: string): S3Directory {
  const match = /^s3:\/\/([^/=]+)\/(.*?)=(.+)$/.exec(arg);
  if (!match?.[1] || match[2] === undefined || !match[3]) throw new Error(`expected s3://bucket/prefix/=directory (got "${arg}")`);
  return { bucket: match[1], prefix: match[2], dir: resolve(match[3]) };
}

/** Every file under `dir`, as paths relative to it with `/` separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Puts every mapped file's key into `fake` (each mapped bucket exists, even if empty). */
export function loadS3Directories(fake: FakeS3, mappings: readonly S3Directory[]): void {
  for (const m of mappings) fake.put(m.bucket, ...filesUnder(m.dir).map((file) => m.prefix + file));
}

/** Reads an object's body from the first mapping that holds its key. */
export function bodiesFromDirectories(mappings: readonly S3Directory[]): ObjectBodies {
  return async (bucket, key) => {
    for (const m of mappings.filter((x) => x.bucket === bucket && key.startsWith(x.prefix))) {
      const file = resolve(m.dir, key.slice(m.prefix.length));
      if (!file.startsWith(m.dir + sep)) continue;
      const body = await readFile(file).catch(() => undefined);
      if (body !== undefined) return new Uint8Array(body);
    }
    return undefined;
  };
}
