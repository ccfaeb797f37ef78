/**
 * Fan-out manifests (`itemsS3Uri`): a JSON array of items, JSON Lines (one item per line) or CSV with
 * a header row (each column a parameter, each row a child). Pure parsing: every refusal names the
 * line (or the column) at fault, so a bad manifest fails the step before any child starts.
 */
import { InvalidInputError } from '../core/errors';
import { JsonNumber, JsonTextError, parseJsonText } from '../core/json-text';
import { fieldName } from '../lambda-step/input-errors';
import { MAX_INPUT_DEPTH } from '../lambda-step/inputs';
import { MAX_PARAMETER_NAME_LENGTH, MAX_PARAMETER_VALUE_LENGTH, MAX_PARAMETERS } from './parameters';
import type { FanOutItem } from './request';

export type ManifestFormat = 'json' | 'jsonl' | 'csv';

/**
 * Largest manifest read (bytes): 10,000 rows of about 800 bytes (ids, dates, S3 URIs), parsed and
 * planned in about 80 MB (measured), within fanOutCallback's 256 MB. Larger values belong in S3, named by the manifest.
 */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

const FIELD = 'itemsS3Uri';
const PARAMETER_NAME = /^[A-Za-z0-9\-_]+$/;
/** Keys that would reach an object's prototype if a consumer assigned them: refused, never passed on. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__']);

const refuse = (where: string, why: string) => new InvalidInputError(`${FIELD}: ${where}: ${why}`, [FIELD]);
const short = (s: string) => (s.length > 40 ? `${s.slice(0, 39)}…` : s);

/**
 * The format of a manifest from its key's extension (`.json`, `.jsonl`/`.ndjson`, `.csv`, any case,
 * before a `.gz`-less end), else from its first non-blank character: `[` is a JSON array, `{` JSON Lines.
 */
export function manifestFormat(key: string, text: string): ManifestFormat {
  const extension = /\.([a-z]+)$/i.exec(key)?.[1]?.toLowerCase();
  if (extension === 'csv') return 'csv';
  if (extension === 'jsonl' || extension === 'ndjson') return 'jsonl';
  if (extension === 'json') return 'json';
  const first = /\S/.exec(text)?.[0];
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  throw refuse(key.slice(-60), 'unknown manifest format: name it .json (a JSON array), .jsonl (JSON Lines) or .csv (with a header row)');
}

/** One manifest item and the line it starts on (1-based), for error messages. */
export interface ManifestItem {
  item: FanOutItem;
  line: number;
}

export interface ManifestLimits {
  /** Most items the manifest may hold (the fan-out's child limit divided by its pipelines). */
  maxItems: number;
  /** Why the limit is what it is, said in the error. */
  reason?: string;
}

/** Parses a manifest in `format`; throws an InvalidInputError naming the line or column at fault. */
export function parseManifest(text: string, format: ManifestFormat, limits: ManifestLimits): ManifestItem[] {
  return parseManifestWithColumns(text, format, limits).items;
}

/**
 * parseManifest, with every parameter name the manifest uses: a CSV header's columns (a column whose
 * values are all empty included), else the JSON items' keys in first-seen order.
 */
export function parseManifestWithColumns(text: string, format: ManifestFormat, limits: ManifestLimits): { items: ManifestItem[]; columns: string[] } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const read = format === 'csv' ? parseCsv(body, limits) : { items: format === 'jsonl' ? parseJsonLines(body, limits) : parseJsonArray(body, limits) };
  if (read.items.length === 0) throw refuse('manifest', 'no items (expected at least one)');
  return { items: read.items, columns: 'columns' in read ? read.columns : manifestColumns(read.items) };
}

const tooManyWhy = (limits: ManifestLimits) => `more than ${limits.maxItems} items (the fan-out's limit${limits.reason ? `: ${limits.reason}` : ''})`;
const tooMany = (limits: ManifestLimits, line: number) => refuse(`line ${line}`, tooManyWhy(limits));

/** Checks one JSON item as the inline `items` are checked, naming `where`. */
function checkJsonItem(value: unknown, where: string): FanOutItem {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  // A number a JavaScript number would change is passed as written (a parameter is text).
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refuse(where, `${value} is not a finite number`);
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw refuse(where, `expected a string, number, boolean or object (got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value})`);
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_PARAMETERS) throw refuse(where, `${entries.length} parameters (a pipeline execution takes at most ${MAX_PARAMETERS})`);
  for (const [key, v] of entries) {
    if (FORBIDDEN_KEYS.has(key)) throw refuse(`${where}, key "${key}"`, 'not a parameter name this function accepts');
    if (v === null) throw refuse(`${where}, key "${short(key)}"`, "null is not a parameter value (leave the key out to use the pipeline's default)");
  }
  return value as Record<string, unknown>;
}

/**
 * Parses JSON as written (lib/core/json-text.ts), with inline items' depth and key rules: `item(path)`
 * names where a refused key or nesting lies.
 */
function parseJson(text: string, options: { baseDepth: number; at: (e: JsonTextError) => string; item: (path: (string | number)[]) => string }): unknown {
  try {
    return parseJsonText(text, { maxDepth: MAX_INPUT_DEPTH, baseDepth: options.baseDepth });
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    if (error.kind === 'syntax') throw refuse(options.at(error), `not JSON: ${error.reason}`);
    throw refuse(options.item(error.path), `${error.reason} (${options.at(error)})`);
  }
}

/** `.Config[0]`: a path inside an item, as field names write it. */
const subPath = (path: readonly (string | number)[]) => (path.length === 0 ? '' : fieldName(['', ...path]));

function parseJsonArray(text: string, limits: ManifestLimits): ManifestItem[] {
  const parsed = parseJson(text, {
    baseDepth: 0,
    at: (e) => `line ${e.line}, column ${e.column}`,
    item: ([index, ...rest]) => (typeof index === 'number' ? `item ${index + 1}${subPath(rest)}` : 'manifest'),
  });
  if (!Array.isArray(parsed)) throw refuse('line 1', 'expected a JSON array of items (or name the file .jsonl for JSON Lines)');
  if (parsed.length > limits.maxItems) throw refuse(`item ${limits.maxItems + 1}`, tooManyWhy(limits));
  // Items are named by position (1-based), as the errors of later checks name them.
  return parsed.map((value: unknown, i) => ({ item: checkJsonItem(value, `item ${i + 1}`), line: i + 1 }));
}

function parseJsonLines(text: string, limits: ManifestLimits): ManifestItem[] {
  const items: ManifestItem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const line = i + 1;
    if (items.length >= limits.maxItems) throw tooMany(limits, line);
    // Each line is an item, as deep as an item of a list (baseDepth 1).
    const value = parseJson(raw, { baseDepth: 1, at: (e) => `line ${line}, column ${e.column}`, item: (path) => `line ${line}${subPath(path)}` });
    items.push({ item: checkJsonItem(value, `line ${line}`), line });
  }
  return items;
}

/** CSV records as RFC 4180 reads them: quoted fields may hold commas, quotes ("") and line breaks. */
interface CsvRecord {
  fields: { text: string; quoted: boolean }[];
  line: number;
}

function* csvRecords(text: string): Generator<CsvRecord> {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: CsvRecord['fields'] = [];
    for (;;) {
      let value = '';
      let quoted = false;
      if (text[i] === '"') {
        quoted = true;
        i += 1;
        for (;;) {
          if (i >= text.length) throw refuse(`line ${start}`, 'a quoted field is not closed');
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (c === '\n') line += 1;
          value += c;
          i += 1;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
          throw refuse(`line ${line}`, 'text after a closing quote (a quote inside a quoted field is written "")');
        }
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw refuse(`line ${line}`, 'a quote inside an unquoted field (quote the field and write the quote as "")');
          i += 1;
        }
        // One slice, not a string grown a character at a time: a 4 MiB manifest stays a few MB in memory.
        value = text.slice(start, i);
      }
      fields.push({ text: value, quoted });
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (text[i] === '\r') i += 1;
      if (text[i] === '\n') {
        i += 1;
        line += 1;
      }
      break;
    }
    yield { fields, line: start };
  }
}

const isBlank = (record: CsvRecord) => record.fields.length === 1 && record.fields[0]?.text === '' && !record.fields[0].quoted;

/**
 * CSV with a header row: each column a parameter, each row a child (values are strings). An empty
 * unquoted field leaves the parameter out (the pipeline's default applies); `""` passes an empty string.
 */
function parseCsv(text: string, limits: ManifestLimits): { items: ManifestItem[]; columns: string[] } {
  const records = csvRecords(text);
  let header: CsvRecord | undefined;
  // Read by hand: a for-of that breaks would close the generator before the rows.
  for (let next = records.next(); !next.done; next = records.next()) {
    if (!isBlank(next.value)) {
      header = next.value;
      break;
    }
  }
  if (!header) throw refuse('line 1', 'expected a header row naming the parameters');
  const columns = header.fields.map((f) => f.text.trim());
  if (columns.length > MAX_PARAMETERS) throw refuse(`line ${header.line}`, `${columns.length} columns (a pipeline execution takes at most ${MAX_PARAMETERS} parameters)`);
  columns.forEach((name, c) => {
    const where = `column ${c + 1}${name ? ` "${short(name)}"` : ''}`;
    if (FORBIDDEN_KEYS.has(name) || name.length > MAX_PARAMETER_NAME_LENGTH || !PARAMETER_NAME.test(name)) {
      throw refuse(where, `not a valid parameter name (1-${MAX_PARAMETER_NAME_LENGTH} letters, digits, - or _)`);
    }
    const first = columns.indexOf(name);
    if (first !== c) throw refuse(where, `the same parameter as column ${first + 1}`);
  });
  const items: ManifestItem[] = [];
  for (const record of records) {
    if (isBlank(record)) continue;
    if (items.length >= limits.maxItems) throw tooMany(limits, record.line);
    if (record.fields.length !== columns.length) {
      throw refuse(`line ${record.line}`, `${record.fields.length} fields, the header has ${columns.length} columns`);
    }
    const entries: [string, string][] = [];
    record.fields.forEach((field, c) => {
      if (field.text === '' && !field.quoted) return;
      if (field.text.length > MAX_PARAMETER_VALUE_LENGTH) {
        throw refuse(`line ${record.line}, column "${short(columns[c] ?? '')}"`, `value is ${field.text.length} characters (at most ${MAX_PARAMETER_VALUE_LENGTH})`);
      }
      entries.push([columns[c] ?? '', field.text]);
    });
    items.push({ item: Object.fromEntries(entries), line: record.line });
  }
  return { items, columns };
}

/** The CSV header's columns, or the keys of the JSON items: every parameter name the manifest uses, in first-seen order. */
export function manifestColumns(items: readonly ManifestItem[]): string[] {
  const names = new Set<string>();
  for (const { item } of items) if (typeof item === 'object') for (const key of Object.keys(item)) names.add(key);
  return [...names];
}
