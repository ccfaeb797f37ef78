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
  /** Register even when the table has Athena partition projection enabled (Athena then ignores them). */
  registerDespiteProjection?: boolean;
  /** Continue a run that ran out of time: the `resumeAfter` it returned (an S3 URI under the scanned prefix). */
  startAfter?: string;
}

export interface CreatePartitionsResult {
  added: number;
  alreadyRegistered: number;
  moved: number;
  removed: number;
  /** Paths not registered, with a reason in the summary: folders that do not fit the keys, values their key's type rejects. */
  skipped: number;
  dryRun: boolean;
  /** True when the run stopped before the invocation's time ran out, with partitions left to register. */
  incomplete: boolean;
  /** When incomplete: the `startAfter` to pass to continue (an S3 URI), else ''. */
  resumeAfter: string;
  /** Athena partition projection is enabled on the table (nothing is registered unless registerDespiteProjection). */
  partitionProjection: boolean;
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
  /** Register even when the table has Athena partition projection enabled (Athena then ignores them). */
  registerDespiteProjection?: boolean;
}

export interface RepairTableResult {
  /** The query's id (mode `add` with several statements: the ids joined with commas). */
  queryExecutionId: string;
  state: string;
  /** mode add: partitions in the statements that ran (all of them unless `incomplete`). */
  added: number;
  /** mode add: partitions found that the catalog already holds (no statement for them). */
  alreadyRegistered: number;
  notAdded: number;
  /** mode add: partitions whose values their key's type rejects, not added (examples in `summary`). */
  skipped: number;
  /** mode add: stopped before the invocation's time ran out with partitions left (`notRegisteredYet` in `summary`); a re-run adds the rest. */
  incomplete: boolean;
  /** Athena partition projection is enabled on the table (nothing is run unless registerDespiteProjection). */
  partitionProjection: boolean;
  /** A JSON string of at most 1024 characters: skipped partitions with reasons, or why nothing was run. */
  summary: string;
}
