/**
 * Tables whose catalog partitions are not what Athena reads: partition projection (Athena computes
 * partitions from table properties and ignores registered ones) and table formats that keep their
 * own partition metadata (Iceberg, Delta Lake, Hudi), as their Glue table parameters declare them.
 */
import type { Table } from '@aws-sdk/client-glue';

const lower = (text: string | undefined) => (text ?? '').trim().toLowerCase();

/** True when the table's parameters enable Athena partition projection (`projection.enabled` = `true`). */
export function hasPartitionProjection(table: Table): boolean {
  return lower(table.Parameters?.['projection.enabled']) === 'true';
}

/**
 * The self-managing table format the table declares, or undefined for a plain Hive table:
 * Iceberg (`table_type` = ICEBERG), Delta Lake (`table_type` = DELTA, `spark.sql.sources.provider` =
 * delta, `classification` = delta), Hudi (`spark.sql.sources.provider` = hudi, an `org.apache.hudi`
 * or `com.uber.hoodie` InputFormat). Delta symlink-manifest tables are plain Hive tables.
 */
export function selfManagedFormat(table: Table): 'Iceberg' | 'Delta Lake' | 'Hudi' | undefined {
  const parameters = table.Parameters ?? {};
  const tableType = lower(parameters.table_type);
  const provider = lower(parameters['spark.sql.sources.provider']);
  const inputFormat = lower(table.StorageDescriptor?.InputFormat);
  if (tableType === 'iceberg' || provider === 'iceberg') return 'Iceberg';
  if (tableType === 'delta' || provider === 'delta' || lower(parameters.classification) === 'delta') return 'Delta Lake';
  if (tableType === 'hudi' || provider === 'hudi' || inputFormat.startsWith('org.apache.hudi.') || inputFormat.startsWith('com.uber.hoodie.')) return 'Hudi';
  return undefined;
}

/** The message refusing a table of a self-managing format, naming it and why. */
export const selfManagedRefusal = (name: string, format: string) =>
  `table: ${name} is ${/^[AEIOU]/.test(format) ? 'an' : 'a'} ${format} table: ${format} keeps its own partition metadata and Athena reads it, not catalog partitions; nothing to register`;

/** What a result says when projection made registration pointless. */
export const PROJECTION_NOTE =
  'partition projection is enabled (projection.enabled): Athena ignores registered partitions; nothing registered (registerDespiteProjection: true registers anyway)';
