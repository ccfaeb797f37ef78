/**
 * Athena statement text, built so that no input can change the statement: identifiers validated
 * and quoted with backticks, values quoted with `'`, and values Athena's DDL parser (Hive's) would
 * read differently refused: single quotes, backslashes, control characters. Plus MSCK result parsing.
 */
import { InvalidInputError } from '../core/errors';

/** Athena's query text limit. */
export const MAX_QUERY_BYTES = 262_144;

/** What quoteIdentifier accepts: letters, digits, _ and -, 1-255 characters. */
export const ATHENA_IDENTIFIER = /^[A-Za-z0-9_-]{1,255}$/;

/** Validates a database, table or column name and quotes it with backticks. */
export function quoteIdentifier(name: string, field: string): string {
  if (!ATHENA_IDENTIFIER.test(name)) {
    throw new InvalidInputError(`${field}: "${name.slice(0, 100)}" is not a valid Athena identifier (letters, digits, _ and -, at most 255)`, [field]);
  }
  return `\`${name}\``;
}

/** Why a value cannot be put in a statement, or undefined when it can. */
export function unsafeValueReason(value: string): string | undefined {
  // Hive's unescapeSQLString ends the literal at a quote and starts another at the next, dropping
  // both: 'it''s' registers "its". No quoting of `'` is portable, so such values are refused.
  if (value.includes("'")) return "contains a single quote, which Athena DDL would drop ('it''s' reads as its)";
  if (value.includes('\\')) return 'contains a backslash, which Athena DDL reads as an escape';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains a control character';
  return undefined;
}

/** Quotes a string literal. Throws on values unsafeValueReason refuses (a quote among them). */
export function quoteValue(value: string): string {
  const reason = unsafeValueReason(value);
  if (reason) throw new InvalidInputError(`value "${value.slice(0, 100)}" ${reason}`);
  return `'${value}'`;
}

export const msckStatement = (database: string, table: string): string =>
  `MSCK REPAIR TABLE ${quoteIdentifier(database, 'database')}.${quoteIdentifier(table, 'table')}`;

export interface PartitionToAdd {
  values: readonly string[];
  location: string;
}

/**
 * `ALTER TABLE db.t ADD IF NOT EXISTS PARTITION (...) LOCATION '...' ...` statements holding every
 * partition, each statement at most `maxBytes` of UTF-8.
 */
export function addPartitionStatements(
  database: string,
  table: string,
  partitionKeys: readonly string[],
  partitions: readonly PartitionToAdd[],
  maxBytes = MAX_QUERY_BYTES,
): string[] {
  const head = `ALTER TABLE ${quoteIdentifier(database, 'database')}.${quoteIdentifier(table, 'table')} ADD IF NOT EXISTS`;
  const keys = partitionKeys.map((k) => quoteIdentifier(k, 'partition key'));
  const statements: string[] = [];
  let current = head;
  let bytes = Buffer.byteLength(head);
  for (const partition of partitions) {
    const spec = keys.map((k, i) => `${k} = ${quoteValue(partition.values[i] ?? '')}`).join(', ');
    const clause = `\nPARTITION (${spec}) LOCATION ${quoteValue(partition.location)}`;
    const clauseBytes = Buffer.byteLength(clause);
    if (Buffer.byteLength(head) + clauseBytes > maxBytes) {
      throw new InvalidInputError(`partition at ${partition.location.slice(0, 200)} does not fit in one Athena statement`);
    }
    if (bytes + clauseBytes > maxBytes) {
      statements.push(current);
      current = head;
      bytes = Buffer.byteLength(head);
    }
    current += clause;
    bytes += clauseBytes;
  }
  if (current !== head) statements.push(current);
  return statements;
}

export interface MsckOutcome {
  /** `tbl:k=v/k2=v2` entries Hive listed as not in the metastore. */
  notInMetastore: string[];
  /** Entries Hive says it added. */
  added: string[];
  /** Found but not added: listed as not in metastore with no matching `Repair: Added` line. */
  notAdded: string[];
}

// Entries are `table:partition` (Hive escapes ':' in partition names); older Hive writes the Repair
// lines with the table as the statement named it (`db.table`), the other lines with the bare name.
const partitionOf = (entry: string) => entry.slice(entry.indexOf(':') + 1);

const NOT_IN_METASTORE = 'Partitions not in metastore:';
const ADDED = 'Repair: Added partition to metastore';

/** Parses MSCK REPAIR TABLE result rows (each cell a line or part of one, tab-separated). */
export function parseMsckResult(rows: readonly (readonly string[])[]): MsckOutcome {
  const notInMetastore = new Set<string>();
  const added = new Set<string>();
  const lines = rows.flatMap((row) => row.join('\t').split(/\r?\n/));
  for (const line of lines) {
    const text = line.trim();
    if (text.startsWith(NOT_IN_METASTORE)) {
      for (const entry of text.slice(NOT_IN_METASTORE.length).split('\t')) if (entry.trim()) notInMetastore.add(entry.trim());
    } else if (text.startsWith(ADDED)) {
      const entry = text.slice(ADDED.length).trim();
      if (entry) added.add(entry);
    }
  }
  const addedPartitions = new Set([...added].map(partitionOf));
  return {
    notInMetastore: [...notInMetastore],
    added: [...added],
    notAdded: [...notInMetastore].filter((entry) => !addedPartitions.has(partitionOf(entry))),
  };
}
