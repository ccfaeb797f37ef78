/**
 * The sample world of `scripts/local-partitions.ts --sample`, built from what the samples already say:
 * - S3: every file under events/data/<bucket>/ (key = its path below the bucket folder);
 * - Glue: the tables the partition samples name (doubles/partitioned-table.ts, events/create-partitions*.json)
 *   and the tables config/post-processing.json routes, each with a StorageDescriptor and the
 *   partition keys its sample data is written with; the catalog already holds every partition but
 *   the newest (first-level folder), which is what the samples register;
 * - SageMaker: the execution of the post-processing samples, one succeeded processing step per
 *   route of its pipeline, each having written the newest folder of its table (the step event's job
 *   is that step's).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import rawConfig from '../config/post-processing.json';
import stepSucceeded from '../events/on-pipeline-execution-status-step-succeeded.json';
import succeeded from '../events/on-pipeline-execution-status-succeeded.json';
import { hiveUnescape } from '../lib/partitions/hive-escape';
import { parsePostProcessingConfig } from '../lib/post-processing/config';
import type { FakeGlue } from './fake-glue';
import type { FakeS3 } from './fake-s3';
import type { FakeSageMakerExecutions } from './fake-sagemaker-executions';
import { DATABASE, LOCATION, TABLE, tableDefinition } from './partitioned-table';
import { loadS3Directories, type S3Directory } from './s3-directories';

export const SAMPLE_DATA_DIR = join(__dirname, '..', 'events', 'data');

export interface SampleTable {
  database: string;
  table: string;
  location: string;
}

/** The tables the samples name: the partition functions' and every routed one. */
export function sampleTables(): SampleTable[] {
  const config = parsePostProcessingConfig(rawConfig);
  const routed = Object.values(config.pipelines).flatMap((p) => p.routes.map(({ database, table, location }) => ({ database, table, location })));
  return [{ database: DATABASE, table: TABLE, location: LOCATION }, ...routed];
}

/** events/data/<bucket>/ mapped to s3://<bucket>/. */
export function sampleDirectories(dir = SAMPLE_DATA_DIR): S3Directory[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ bucket: entry.name, prefix: '', dir: join(dir, entry.name) }));
}

const splitUri = (uri: string) => {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return { bucket: match?.[1] ?? '', prefix: (match?.[2] ?? '').replace(/([^/])$/, '$1/') };
};

/** The partition folders (`k=v/k2=v2`) holding data under a location, in S3 order. */
function partitionFolders(s3: FakeS3, location: string): { keys: string[]; folders: string[] } {
  const { bucket, prefix } = splitUri(location);
  const folders: string[] = [];
  let keys: string[] = [];
  for (const key of s3.keys(bucket)) {
    if (!key.startsWith(prefix)) continue;
    const parts = key.slice(prefix.length).split('/');
    const levels = parts.slice(0, -1);
    const name = parts[parts.length - 1] ?? '';
    if (levels.length === 0 || name.startsWith('_') || name.startsWith('.') || !levels.every((l) => /^[^=]+=.+$/.test(l))) continue;
    if (keys.length === 0) keys = levels.map((l) => l.slice(0, l.indexOf('=')));
    const folder = levels.slice(0, keys.length).join('/');
    if (levels.length >= keys.length && !folders.includes(folder)) folders.push(folder);
  }
  return { keys, folders };
}

const newestFirstLevel = (folders: string[]) => folders.map((f) => f.split('/')[0] ?? '').sort().at(-1);

/** Loads the sample world into the fakes. */
export function loadSample(fakes: { s3: FakeS3; glue: FakeGlue; sageMaker: FakeSageMakerExecutions }, dir = SAMPLE_DATA_DIR): void {
  loadS3Directories(fakes.s3, sampleDirectories(dir));
  const written = new Map<string, string>();
  for (const t of sampleTables()) {
    const { keys, folders } = partitionFolders(fakes.s3, t.location);
    if (keys.length === 0) continue;
    fakes.glue.addTable(t.database, { ...tableDefinition(t.location, keys), Name: t.table });
    const newest = newestFirstLevel(folders) ?? '';
    written.set(`${t.database}.${t.table}`, `${t.location.replace(/\/?$/, '/')}${newest}/`);
    const older = folders.filter((f) => (f.split('/')[0] ?? '') !== newest);
    fakes.glue.addPartitions(
      t.database,
      t.table,
      older.map((f) => ({ values: f.split('/').map((l) => hiveUnescape(l.slice(l.indexOf('=') + 1))), location: `${t.location.replace(/\/?$/, '/')}${f}/` })),
    );
  }
  const config = parsePostProcessingConfig(rawConfig);
  const arn = succeeded.detail.pipelineExecutionArn;
  const [, pipeline = '', id = ''] = /:pipeline\/([^/]+)\/execution\/([^/]+)$/.exec(arn) ?? [];
  const stepJob = /:processing-job\/(.+)$/.exec(stepSucceeded.detail.metadata.processingJob.arn)?.[1];
  const steps = (config.pipelines[pipeline]?.routes ?? []).flatMap((route) => {
    const output = written.get(`${route.database}.${route.table}`);
    if (output === undefined) return [];
    const name = route.steps?.[0] ?? `process-${route.table.replace(/_/g, '-')}`;
    return [{ name, outputs: [output], jobName: name === stepSucceeded.detail.stepName ? stepJob : undefined }];
  });
  fakes.sageMaker.addExecution(pipeline, id, steps);
}
