/**
 * The two DDL statements the partition functions send, carried out by the fake Athena on a FakeGlue
 * from a FakeS3's keys, with the states and result rows Athena gives:
 * - `MSCK REPAIR TABLE db.tbl` lists the whole table Location and adds the partitions the catalog
 *   lacks; its rows are Hive's text (`Partitions not in metastore:\ttbl:k=v...`, then one
 *   `Repair: Added partition to metastore tbl:k=v` per partition added). Like Athena, it lists but
 *   does not add a folder whose key is not the column's lower-case name (camelCase) or whose value
 *   holds `:`, and skips folders and files starting with `_` or `.`.
 * - `ALTER TABLE db.tbl ADD [IF NOT EXISTS] PARTITION (k = 'v', ...) [LOCATION '...'] ...` adds each
 *   partition with the table's StorageDescriptor; an existing one fails the statement without
 *   `IF NOT EXISTS`.
 * Anything else succeeds with no rows; an unknown table fails the query as Athena does.
 */
import { hiveUnescape } from '../lib/partitions/hive-escape';
import type { QueryScript } from './fake-athena';
import type { FakeGlue } from './fake-glue';
import type { FakeS3 } from './fake-s3';

const NAME = '`?([A-Za-z0-9_-]+)`?';
const TABLE_NAME = new RegExp(`^${NAME}\\.${NAME}`);

const succeeded = (rows: string[][] = []): QueryScript => ({ states: ['QUEUED', 'RUNNING', 'SUCCEEDED'], rows });
const failed = (message: string): QueryScript => ({
  states: ['QUEUED', 'RUNNING', 'FAILED'],
  reason: message,
  athenaError: { ErrorCategory: 2, ErrorType: 1301, Retryable: false, ErrorMessage: message },
});

function tableOf(glue: FakeGlue, text: string) {
  const match = TABLE_NAME.exec(text.trim());
  if (!match?.[1] || !match[2]) return { error: `FAILED: SemanticException table name must be database.table: ${text.slice(0, 100)}` };
  const [database, name] = [match[1].toLowerCase(), match[2].toLowerCase()];
  try {
    const table = glue.table(database, name);
    const location = /^s3:\/\/([^/]+)\/?(.*)$/.exec(table.StorageDescriptor?.Location ?? '');
    if (!location?.[1]) return { error: `FAILED: table ${database}.${name} has no S3 Location` };
    const prefix = location[2] ? location[2].replace(/\/?$/, '/') : '';
    const keys = (table.PartitionKeys ?? []).map((k) => k.Name ?? '');
    return { database, name, bucket: location[1], prefix, keys, rest: text.trim().slice(match[0].length) };
  } catch {
    return { error: `FAILED: SemanticException [Error 10001]: Table not found ${database}.${name}` };
  }
}

const isKnown = (glue: FakeGlue, database: string, table: string, values: string[]) =>
  glue.partitions(database, table).some((p) => JSON.stringify(p.Values) === JSON.stringify(values));

function msck(glue: FakeGlue, s3: FakeS3, text: string): QueryScript {
  const t = tableOf(glue, text);
  if ('error' in t) return failed(t.error ?? '');
  const found = new Map<string, { folders: string[]; values: string[] }>();
  for (const key of s3.keys(t.bucket)) {
    if (!key.startsWith(t.prefix)) continue;
    const parts = key.slice(t.prefix.length).split('/');
    if (parts.length <= t.keys.length || parts.some((p) => p.startsWith('_') || p.startsWith('.')) || !parts[parts.length - 1]) continue;
    const folders = parts.slice(0, t.keys.length);
    const pairs = folders.map((f) => /^([^=]+)=(.+)$/.exec(f));
    if (pairs.some((m, i) => m?.[1]?.toLowerCase() !== t.keys[i]?.toLowerCase())) continue;
    found.set(folders.join('/'), { folders, values: pairs.map((m) => hiveUnescape(m?.[2] ?? '')) });
  }
  const missing = [...found].filter(([, p]) => !isKnown(glue, t.database, t.name, p.values));
  if (missing.length === 0) return succeeded();
  const rows: string[][] = [[`Partitions not in metastore:\t${missing.map(([path]) => `${t.name}:${path}`).join('\t')}`]];
  for (const [path, p] of missing) {
    const hiveWouldSkip = p.folders.some((f, i) => !f.startsWith(`${t.keys[i]}=`)) || p.values.some((v) => v.includes(':'));
    if (hiveWouldSkip) continue;
    glue.addPartitions(t.database, t.name, [{ values: p.values, location: `s3://${t.bucket}/${t.prefix}${path}/` }]);
    rows.push([`Repair: Added partition to metastore ${t.name}:${path}`]);
  }
  return succeeded(rows);
}

function addPartitions(glue: FakeGlue, text: string): QueryScript {
  const t = tableOf(glue, text);
  if ('error' in t) return failed(t.error ?? '');
  const head = /^\s*ADD\s+(IF\s+NOT\s+EXISTS\s+)?/i.exec(t.rest);
  if (!head) return failed(`FAILED: ParseException: expected ADD after ALTER TABLE ${t.database}.${t.name}`);
  const ifNotExists = Boolean(head[1]);
  const clauses = [...t.rest.slice(head[0].length).matchAll(/PARTITION\s*\(((?:[^')]|'[^']*')*)\)(?:\s*LOCATION\s+'([^']*)')?/gi)];
  if (clauses.length === 0) return failed('FAILED: ParseException: no PARTITION clause');
  const partitions = [];
  for (const [, spec = '', location] of clauses) {
    const given = new Map([...spec.matchAll(/`?([A-Za-z0-9_-]+)`?\s*=\s*'([^']*)'/g)].map((m) => [(m[1] ?? '').toLowerCase(), m[2] ?? '']));
    const values = t.keys.map((k) => given.get(k.toLowerCase()));
    if (values.some((v) => v === undefined) || given.size !== t.keys.length) {
      return failed(`FAILED: SemanticException partition spec (${spec}) does not match the partition keys (${t.keys.join(', ')})`);
    }
    const known = values as string[];
    if (isKnown(glue, t.database, t.name, known)) {
      if (!ifNotExists) return failed(`FAILED: AlreadyExistsException Partition already exists: (${spec})`);
      continue;
    }
    const path = t.keys.map((k, i) => `${k}=${known[i]}`).join('/');
    partitions.push({ values: known, location: location ?? `s3://${t.bucket}/${t.prefix}${path}/` });
  }
  glue.addPartitions(t.database, t.name, partitions);
  return succeeded();
}

/** The script of a statement, for `fakeAthena.on(() => true, hiveDdl(glue, s3))`. */
export function hiveDdl(glue: FakeGlue, s3: FakeS3): (sql: string) => QueryScript {
  return (sql) => {
    const msckMatch = /^\s*MSCK\s+REPAIR\s+TABLE\s+/i.exec(sql);
    if (msckMatch) return msck(glue, s3, sql.slice(msckMatch[0].length));
    const alter = /^\s*ALTER\s+TABLE\s+/i.exec(sql);
    if (alter) return addPartitions(glue, sql.slice(alter[0].length));
    return succeeded();
  };
}
