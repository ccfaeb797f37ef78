/**
 * Benchmark of partition registration (npm run bench:partitions). In-process fakes of S3 and Glue
 * with the real limits and a fixed latency per call.
 * 1. Backfill: the first run over a table with history, 100,000 partitions of 10 files (1,000,000
 *    objects, generated on demand) and nothing registered, whole-table scope, 20 ms per call
 *    (BENCH_BACKFILL_LATENCY_MS): calls by operation, wall time, the process's peak memory.
 * 2. A table of 10,000 registered partitions and 100 new ones under one prefix. Compares
 *    (a) createPartitions scoped to that prefix, (b) createPartitions over the whole table, (c) the
 *    naive way (list every object, GetPartitions everything, CreatePartition one at a time); once
 *    with 1 file per partition, once with 300. BENCH_ONLY=backfill or BENCH_ONLY=layouts runs one part.
 */
import { CreatePartitionCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client, type ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createPartitions } from '../lib/partitions/create-partitions';
import { DiscoveryCollector } from '../lib/partitions/discovery';
import { getPartitions, getTable } from '../lib/partitions/glue-catalog';
import { valuesKey } from '../lib/partitions/partition-paths';
import { discoverPartitions, scanKeys } from '../lib/partitions/s3-listing';
import { FakeGlue } from '../doubles/fake-glue';
import { FakeS3, type SortedKeys } from '../doubles/fake-s3';
import { tableDefinition } from '../doubles/partitioned-table';
import { loadBound, scaled, scaleNote } from './scale';

// The SDK's Node-version notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 5);
const BUCKET = 'bench-bucket';
const PREFIX = 'warehouse/events/';
const LOCATION = `s3://${BUCKET}/${PREFIX}`;
const DATABASE = 'bench_db';
const TABLE = 'orders';
const KEYS = ['process_date', 'shard'];
const EXISTING_DATES = scaled(100, 10);
const SHARDS = 100;
const NEW_DATE = '2021-12-15';
const NEW_PREFIX = `${PREFIX}process_date=${NEW_DATE}/`;
const OPERATIONS = ['GetTable', 'ListObjectsV2', 'BatchGetPartition', 'BatchCreatePartition', 'GetPartitions', 'CreatePartition'] as const;

const dates = Array.from({ length: EXISTING_DATES }, (_, i) => new Date(Date.UTC(2021, 11, 15) - (EXISTING_DATES - i) * 86_400_000).toISOString().slice(0, 10));
const shard = (i: number) => String(i).padStart(3, '0');

/** Every object of the layout, in S3 order: `_SUCCESS` then `part-NNNNN.csv` in each partition. */
function* layoutKeys(filesPerPartition: number, withExisting: boolean): Generator<string> {
  for (const date of [...(withExisting ? dates : []), NEW_DATE]) {
    for (let s = 0; s < SHARDS; s++) {
      const partition = `${PREFIX}process_date=${date}/shard=${shard(s)}/`;
      yield `${partition}_SUCCESS`;
      for (let f = 0; f < filesPerPartition; f++) yield `${partition}part-${String(f).padStart(5, '0')}.csv`;
    }
  }
}

function makeS3(filesPerPartition: number, withExisting: boolean) {
  const client = new S3Client({ region: 'us-east-1' });
  const fake = new FakeS3({ latencyMs: LATENCY_MS }).attach(mockClient(client));
  fake.appendSorted(BUCKET, layoutKeys(filesPerPartition, withExisting));
  return { client, fake };
}

function makeGlue(withExisting: boolean, latencyMs = LATENCY_MS) {
  const client = new GlueClient({ region: 'us-east-1' });
  const fake = new FakeGlue({ latencyMs }).attach(mockClient(client));
  fake.addTable(DATABASE, tableDefinition(LOCATION, KEYS));
  if (withExisting) {
    fake.addPartitions(
      DATABASE,
      TABLE,
      dates.flatMap((date) => Array.from({ length: SHARDS }, (_, s) => ({ values: [date, shard(s)], location: `${LOCATION}process_date=${date}/shard=${shard(s)}/` }))),
    );
  }
  return { client, fake };
}

/** The naive way: list every object, read every registered partition, create the missing ones one by one. */
async function naive(s3: S3Client, glue: GlueClient): Promise<number> {
  await getTable(glue, DATABASE, TABLE);
  const collector = new DiscoveryCollector(PREFIX, KEYS);
  await scanKeys(s3, BUCKET, PREFIX, (key) => collector.addKey(key).decidedPrefix, { skip: false });
  const registered = new Set((await getPartitions(glue, DATABASE, TABLE)).map((p) => valuesKey(p.Values ?? [])));
  let created = 0;
  for (const partition of collector.result(0, 'flat').partitions) {
    if (registered.has(valuesKey(partition.values))) continue;
    const { StorageDescriptor } = tableDefinition(LOCATION, KEYS);
    await glue.send(
      new CreatePartitionCommand({
        DatabaseName: DATABASE,
        TableName: TABLE,
        PartitionInput: { Values: partition.values, StorageDescriptor: { ...StorageDescriptor, Location: `s3://${BUCKET}/${partition.prefix}` } },
      }),
    );
    created++;
  }
  return created;
}

interface Row {
  name: string;
  calls: Record<string, number>;
  total: number;
  ms: number;
  added: number;
}

async function measure(name: string, s3: FakeS3, glue: FakeGlue, run: () => Promise<number>): Promise<Row> {
  s3.log.reset();
  glue.log.reset();
  const start = performance.now();
  const added = await run();
  const ms = performance.now() - start;
  const calls = { ...s3.log.calls, ...glue.log.calls };
  return { name, calls, total: s3.log.total() + glue.log.total(), ms, added };
}

const pad = (text: string | number, n: number) => String(text).padStart(n);

function printTable(rows: Row[]): void {
  const head = ['scenario'.padEnd(36), ...OPERATIONS.map((op) => pad(op, op.length)), pad('total', 6), pad('wall ms', 9), pad('added', 6)];
  console.log(head.join(' | '));
  console.log(head.map((h) => '-'.repeat(h.length)).join('-|-'));
  for (const row of rows) {
    console.log(
      [row.name.padEnd(36), ...OPERATIONS.map((op) => pad(row.calls[op] ?? 0, op.length)), pad(row.total, 6), pad(row.ms.toFixed(0), 9), pad(row.added, 6)].join(' | '),
    );
  }
}

async function layout(filesPerPartition: number): Promise<boolean> {
  console.log(`\n## ${SHARDS} new partitions of ${filesPerPartition} file(s) (+ _SUCCESS) under ${NEW_PREFIX}; ${EXISTING_DATES * SHARDS} registered; ${LATENCY_MS} ms per call`);
  const s3 = makeS3(filesPerPartition, true);
  const scoped = { s3Uri: `s3://${BUCKET}/${NEW_PREFIX}`, database: DATABASE, table: TABLE };

  // Reference listing costs for the new prefix: the plain flat listing and the delimiter walk.
  const reference = async (strategy: 'flat' | 'walk') =>
    (await discoverPartitions(s3.client, { bucket: BUCKET, locationPrefix: PREFIX, scanPrefix: NEW_PREFIX, partitionKeys: KEYS, strategy })).listRequests;
  const flat = await reference('flat');
  const walk = await reference('walk');

  const rows: Row[] = [];
  let glue = makeGlue(true);
  rows.push(await measure('(a) createPartitions, s3Uri = prefix', s3.fake, glue.fake, async () => (await createPartitions({ s3: s3.client, glue: glue.client }, scoped)).added));
  glue = makeGlue(true);
  rows.push(await measure('(b) createPartitions, whole table', s3.fake, glue.fake, async () => (await createPartitions({ s3: s3.client, glue: glue.client }, { database: DATABASE, table: TABLE })).added));
  glue = makeGlue(true);
  rows.push(await measure('(c) naive', s3.fake, glue.fake, () => naive(s3.client, glue.client)));

  // (a) again on a table holding only the new data and no registered partition: its calls must not change.
  const bare = makeS3(filesPerPartition, false);
  const bareGlue = makeGlue(false);
  const aBare = await measure('(a) on an empty table (control)', bare.fake, bareGlue.fake, async () => (await createPartitions({ s3: bare.client, glue: bareGlue.client }, scoped)).added);
  rows.push(aBare);
  printTable(rows);

  const [a, b, c] = rows as [Row, Row, Row];
  const k = SHARDS;
  const minimum = 1 + Math.min(flat, walk) + Math.ceil(k / 1000) + Math.ceil(k / 100);
  const independent = OPERATIONS.every((op) => (a.calls[op] ?? 0) === (aBare.calls[op] ?? 0));
  const ratio = c.ms / a.ms;
  console.log(`\nlisting the prefix: flat ${flat} requests, delimiter walk ${walk}; (a) listed with ${a.calls.ListObjectsV2 ?? 0}`);
  console.log(`minimum for the layout = GetTable 1 + min(flat ${flat}, walk ${walk}) + BatchGetPartition ${Math.ceil(k / 1000)} + BatchCreatePartition ${Math.ceil(k / 100)} = ${minimum}`);
  console.log(`ratios: calls (b)/(a) ${(b.total / a.total).toFixed(1)}x, (c)/(a) ${(c.total / a.total).toFixed(1)}x; wall (b)/(a) ${(b.ms / a.ms).toFixed(1)}x, (c)/(a) ${ratio.toFixed(1)}x`);
  const targets = [
    [`(a) makes no call that grows with the ${EXISTING_DATES * SHARDS} existing partitions (same calls as on an empty table)`, independent],
    [`(a) calls ${a.total} within 2 of the minimum ${minimum}`, a.total <= minimum + 2],
    loadBound(`(a) at least 20x faster than (c): ${ratio.toFixed(1)}x`, ratio >= 20),
    [`every run added the ${k} new partitions`, rows.every((r) => r.added === k)],
  ] as const;
  for (const [text, met] of targets) console.log(`${met ? 'MET    ' : 'NOT MET'} ${text}`);
  return targets.every(([, met]) => met);
}

const BACKFILL_LATENCY_MS = Number(process.env.BENCH_BACKFILL_LATENCY_MS ?? 20);
const BACKFILL_DATES = scaled(1000, 10);
const BACKFILL_SHARDS = 100;
const BACKFILL_FILES = 10;
/** The function's settings in serverless.yml (createPartitions): the run must fit them. */
const FUNCTION_MEMORY_MB = 1024;
const FUNCTION_TIMEOUT_S = 120;

/** The backfill layout's keys by index, in S3 order, computed on demand: partition i / 10, file i % 10. */
function backfillLayout(): SortedKeys {
  const day0 = Date.UTC(2019, 0, 1);
  const dates = Array.from({ length: BACKFILL_DATES }, (_, d) => new Date(day0 + d * 86_400_000).toISOString().slice(0, 10));
  const length = BACKFILL_DATES * BACKFILL_SHARDS * BACKFILL_FILES;
  return {
    length,
    at(index: number): string | undefined {
      if (index < 0 || index >= length) return undefined;
      const partition = Math.floor(index / BACKFILL_FILES);
      const date = dates[Math.floor(partition / BACKFILL_SHARDS)] ?? '';
      return `${PREFIX}process_date=${date}/shard=${shard(partition % BACKFILL_SHARDS)}/part-${String(index % BACKFILL_FILES).padStart(5, '0')}.csv`;
    },
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/**
 * The first run over a table with history. The mocks' call history (aws-sdk-client-mock keeps every
 * input and output) is cleared as the run goes: it is the test double's memory, not the function's.
 */
async function backfill(): Promise<boolean> {
  const k = BACKFILL_DATES * BACKFILL_SHARDS;
  const objects = k * BACKFILL_FILES;
  console.log(`## Backfill: ${k} partitions of ${BACKFILL_FILES} files (${objects} objects), nothing registered, whole table; ${BACKFILL_LATENCY_MS} ms per call`);
  const layoutKeys = backfillLayout();

  const s3 = new S3Client({ region: 'us-east-1' });
  const s3Mock = mockClient(s3);
  const fakeS3 = new FakeS3({ latencyMs: BACKFILL_LATENCY_MS }).putLayout(BUCKET, layoutKeys);
  let listed = 0;
  s3Mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    if (++listed % 50 === 0) setImmediate(() => s3Mock.resetHistory());
    return fakeS3.listObjectsV2(input);
  });
  const glue = makeGlue(false, BACKFILL_LATENCY_MS);

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const deadline = Date.now() + FUNCTION_TIMEOUT_S * 1000;
  const start = performance.now();
  const result = await createPartitions({ s3, glue: glue.client, remainingTimeMs: () => deadline - Date.now() }, { database: DATABASE, table: TABLE });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const maxRss = process.resourceUsage().maxRSS * 1024;

  // The reference listings' request counts do not depend on latency: measured without it, after the run (not in its peak).
  const reference = new S3Client({ region: 'us-east-1' });
  const referenceMock = mockClient(reference);
  new FakeS3().attach(referenceMock).putLayout(BUCKET, layoutKeys);
  const flat = (await discoverPartitions(reference, { bucket: BUCKET, locationPrefix: PREFIX, scanPrefix: PREFIX, partitionKeys: KEYS, strategy: 'flat' })).listRequests;
  referenceMock.restore();
  // The delimiter walk: one listing of the date level, one per date, one confirming listing per leaf.
  const walk = 1 + BACKFILL_DATES + k;

  const calls: Record<string, number> = { ...fakeS3.log.calls, ...glue.fake.log.calls };
  const total = fakeS3.log.total() + glue.fake.log.total();
  const minimum = 1 + Math.min(flat, walk) + Math.ceil(k / 1000) + Math.ceil(k / 100);
  console.log(`calls: ${Object.entries(calls).map(([op, n]) => `${op} ${n}`).join(', ')}; total ${total}`);
  console.log(`minimum for the layout = GetTable 1 + min(flat ${flat}, walk ${walk}) + BatchGetPartition ${Math.ceil(k / 1000)} + BatchCreatePartition ${Math.ceil(k / 100)} = ${minimum}`);
  console.log(`wall ${seconds.toFixed(1)} s; peak RSS ${mb(Math.max(peakRss, maxRss))} (process maxRSS ${mb(maxRss)}, ${mb(rssBefore)} before the run, fakes included)`);
  console.log(`result: added ${result.added}, incomplete ${result.incomplete}`);
  const resumed = result.incomplete ? await resume(s3, glue, fakeS3, result.resumeAfter) : undefined;
  const targets = [
    [`calls ${total} within 2% of the minimum ${minimum} (+${(((total - minimum) / minimum) * 100).toFixed(2)}%)`, total <= minimum * 1.02],
    loadBound(`wall ${seconds.toFixed(1)} s under 2 minutes (function timeout ${FUNCTION_TIMEOUT_S} s)`, seconds < 120 && seconds < FUNCTION_TIMEOUT_S),
    [`peak memory ${mb(maxRss)} under 1 GB (function memorySize ${FUNCTION_MEMORY_MB} MB)`, maxRss < 1024 ** 3 && maxRss < FUNCTION_MEMORY_MB * 1024 * 1024],
    [`added all ${k} partitions, complete`, result.added === k && !result.incomplete],
    ...(resumed === undefined
      ? []
      : ([[`the run resumed with startAfter added the other ${k - result.added}, creating none twice`, result.added + resumed.added === k && !resumed.incomplete && resumed.created === resumed.added]] as const)),
  ] as const;
  for (const [text, met] of targets) console.log(`${met ? 'MET    ' : 'NOT MET'} ${text}`);
  s3Mock.restore();
  return targets.every(([, met]) => met);
}

/** A second invocation continuing an incomplete backfill from its resumeAfter. */
async function resume(s3: S3Client, glue: { client: GlueClient; fake: FakeGlue }, fakeS3: FakeS3, resumeAfter: string) {
  fakeS3.log.reset();
  glue.fake.log.reset();
  const before = glue.fake.partitions(DATABASE, TABLE).length;
  const deadline = Date.now() + FUNCTION_TIMEOUT_S * 1000;
  const start = performance.now();
  const result = await createPartitions({ s3, glue: glue.client, remainingTimeMs: () => deadline - Date.now() }, { database: DATABASE, table: TABLE, startAfter: resumeAfter });
  const created = glue.fake.partitions(DATABASE, TABLE).length - before;
  const calls = Object.entries({ ...fakeS3.log.calls, ...glue.fake.log.calls }).map(([op, n]) => `${op} ${n}`).join(', ');
  console.log(`resumed after ${resumeAfter.slice(0, 120)}: ${calls}; wall ${((performance.now() - start) / 1000).toFixed(1)} s; added ${result.added}, already registered ${result.alreadyRegistered}, incomplete ${result.incomplete}`);
  return { added: result.added, incomplete: result.incomplete, created };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`partitions benchmark: ${scaleNote()}`);
  const only = process.env.BENCH_ONLY;
  // The backfill runs first, so that the process's peak memory is its own.
  const results = [
    ...(only === 'layouts' ? [] : [await backfill()]),
    ...(only === 'backfill' ? [] : [await layout(1), await layout(300)]),
  ];
  console.log(`\nall targets met: ${results.every(Boolean)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (!results.every(Boolean)) process.exitCode = 1;
}

void main();
