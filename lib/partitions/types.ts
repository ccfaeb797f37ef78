/**
 * The partition registration use cases' requests and results: the interface the LambdaStep handlers
 * and the post-processing of pipeline events (lib/post-processing) share.
 */

/** createPartitions: register partitions found in S3 under `s3Uri` (default: the table Location) through Glue. */
export interface CreatePartitionsRequest {
  database: string;
  table: string;
  /** A prefix at or under the table's Location; default the whole Location. */
  s3Uri?: string;
  dryRun?: boolean;
  removeMissing?: boolean;
  updateMoved?: boolean;
}

export interface CreatePartitionsResult {
  added: number;
  alreadyRegistered: number;
  moved: number;
  removed: number;
  skipped: number;
  dryRun: boolean;
  /** A JSON string of at most 1024 characters naming examples of each class. */
  summary: string;
}

/** repairTable: register partitions through Athena (MSCK REPAIR TABLE, or ALTER TABLE ADD built from S3 discovery). */
export interface RepairTableRequest {
  database: string;
  table: string;
  workGroup?: string;
  outputLocation?: string;
  mode?: 'msck' | 'add';
  /** mode `add` only: discover under this prefix (at or under the table's Location) instead of the whole Location. */
  s3Uri?: string;
  /** MSCK only: partitions found but not added fail the invocation unless this is true. */
  allowNotAdded?: boolean;
}

export interface RepairTableResult {
  /** The query's id (mode `add` with several statements: the ids joined with commas). */
  queryExecutionId: string;
  state: string;
  added: number;
  notAdded: number;
}
