/** A table's partition keys and Location, and the scan prefix a request asks for, validated. */
import type { GlueClient, Table } from '@aws-sdk/client-glue';
import { InvalidInputError } from '../core/errors';
import { fixedScanValues, type FoundPartition, type SkippedPath } from './discovery';
import { getTable } from './glue-catalog';
import { partitionTypeError } from './hive-types';
import { formatS3Uri, isAtOrUnder, parseS3Uri, type S3Location } from './s3-uri';
import { hasPartitionProjection, selfManagedFormat, selfManagedRefusal } from './table-kind';

export interface TableScope {
  table: Table;
  partitionKeys: { name: string; type?: string }[];
  location: S3Location;
  scan: S3Location;
  /** Values of the leading partition keys the scan prefix fixes (`s3Uri` = `.../year=2024/`: ['2024']). */
  fixedValues: string[];
  /** Athena partition projection is enabled: Athena ignores the catalog's partitions. */
  projection: boolean;
}

/**
 * Refuses tables whose partitions are not the catalog's to register: Iceberg, Delta Lake and Hudi
 * tables, and tables with no partition keys.
 */
export function assertRegistrable(table: Table, name: string): void {
  const format = selfManagedFormat(table);
  if (format !== undefined) throw new InvalidInputError(selfManagedRefusal(name, format), ['table']);
  if ((table.PartitionKeys ?? []).length === 0) {
    throw new InvalidInputError(`table: ${name} has no partition keys (PartitionKeys is empty): it has no partitions to register`, ['table']);
  }
}

/**
 * Reads the table and checks it is a registrable partitioned table (assertRegistrable), has an S3
 * Location, and that `s3Uri` lies under it.
 */
export async function resolveTableScope(glue: GlueClient, database: string, tableName: string, s3Uri?: string): Promise<TableScope> {
  // The input's syntax first: a malformed s3Uri fails before any AWS call.
  const requested = s3Uri === undefined ? undefined : parseS3Uri(s3Uri, 's3Uri');
  const table = await getTable(glue, database, tableName);
  assertRegistrable(table, `${database}.${tableName}`);
  const partitionKeys = (table.PartitionKeys ?? []).map((k) => ({ name: k.Name ?? '', type: k.Type }));
  const rawLocation = table.StorageDescriptor?.Location;
  if (!rawLocation) throw new InvalidInputError(`table: ${database}.${tableName} has no StorageDescriptor.Location`, ['table']);
  const location = parseS3Uri(rawLocation, `table ${database}.${tableName} Location`);
  const scan = requested ?? location;
  if (!isAtOrUnder(scan, location)) {
    throw new InvalidInputError(`s3Uri: ${formatS3Uri(scan).slice(0, 300)} is not under the table Location ${formatS3Uri(location).slice(0, 300)}`, ['s3Uri']);
  }
  const fixed = fixedScanValues(scan.prefix, location.prefix, partitionKeys.map((k) => k.name));
  if (!fixed.ok) throw new InvalidInputError(`s3Uri: folder "${fixed.component.slice(0, 100)}" does not fit the partition keys: ${fixed.reason}`, ['s3Uri']);
  return { table, partitionKeys, location, scan: { ...scan, scheme: location.scheme }, fixedValues: fixed.values, projection: hasPartitionProjection(table) };
}

/**
 * Splits found partitions into those whose values their keys' declared types accept and those they
 * reject (which would fail every Athena query touching the partition), the latter as skipped paths.
 */
export function splitByKeyTypes(scope: TableScope, partitions: readonly FoundPartition[]): { typed: FoundPartition[]; typeSkipped: SkippedPath[] } {
  const typed: FoundPartition[] = [];
  const typeSkipped: SkippedPath[] = [];
  for (const p of partitions) {
    const error = partitionTypeError(scope.partitionKeys, p.values);
    if (error === undefined) typed.push(p);
    else typeSkipped.push({ path: p.prefix.slice(scope.location.prefix.length), reason: error });
  }
  return { typed, typeSkipped };
}
