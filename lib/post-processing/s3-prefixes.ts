/** Pure S3 prefix arithmetic for scope `outputs`: which processing outputs lie under a table Location. */

/** `s3://b/p` -> `s3://b/p/`: prefixes are compared folder-wise, so `s3://b/out2/` is not under `s3://b/out/`. */
export function asFolder(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/**
 * The prefix of `location` that an output covers: the output itself when it lies at or under the
 * Location, the Location when the output is above it (the job wrote a parent folder, which holds the
 * table), and undefined when they are unrelated.
 */
export function scopeOutput(location: string, output: string): string | undefined {
  const loc = asFolder(location);
  const out = asFolder(output);
  if (out.startsWith(loc)) return out;
  if (loc.startsWith(out)) return loc;
  return undefined;
}

/**
 * The smallest set of prefixes under `location` that covers every related output: duplicates and
 * prefixes nested in another are dropped, so no folder is scanned twice.
 */
export function scopeOutputs(location: string, outputs: readonly string[]): string[] {
  const scoped = [...new Set(outputs.map((o) => scopeOutput(location, o)).filter((p): p is string => p !== undefined))].sort();
  const kept: string[] = [];
  // Sorted order puts a parent right before its children.
  for (const prefix of scoped) {
    if (!kept.some((parent) => prefix.startsWith(parent))) kept.push(prefix);
  }
  return kept;
}
