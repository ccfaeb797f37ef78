import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const EVENTS_DIR = join(__dirname, '..', '..', 'events');

/** A sample event from events/, the same file `sls invoke local --path` uses. */
export function sampleEvent<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')) as T;
}

/** The sample event files whose names start with `prefix` (e.g. every `concat*.json`). */
export function sampleEventFiles(prefix: string): string[] {
  return readdirSync(EVENTS_DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
}
