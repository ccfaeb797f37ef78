import fc from 'fast-check';
import { NotFoundError, PartialFailureError, InvalidInputError } from '../../lib/core/errors';
import { createPartitions } from '../../lib/partitions/create-partitions';
import { discoverPartitions } from '../../lib/partitions/s3-listing';
import { awsError } from '../../doubles/aws-error';
import { BUCKET, DATABASE, TABLE, partitionedTable } from '../../doubles/partitioned-table';

const PREFIX = 'warehouse/orders/';
const files = (partition: string, n: number, extra: string[] = []) => [
  ...Array.from({ length: n }, (_, i) => `${PREFIX}${partition}/part-${String(i).padStart(5, '0')}.csv`),
  ...extra.map((name) => `${PREFIX}${partition}/${name}`),
];
const request = (extra: object = {}) => ({ database: DATABASE, table: TABLE, ...extra });
const noSleep = async () => undefined;

describe('createPartitions', () => {
  it('refuses a malformed s3Uri before any call', async () => {
    const t = partitionedTable();
    await expect(createPartitions(t, request({ s3Uri: `${BUCKET}/${PREFIX}` }))).rejects.toThrow(/^s3Uri: expected an s3:\/\/bucket\/prefix URI/);
    expect(t.fakeGlue.log.calls).toEqual({});
    expect(t.fakeS3.log.calls).toEqual({});
  });

  it('registers the partitions under s3Uri with the table descriptor and their real prefix, in 4 calls', async () => {
    const t = partitionedTable();
    for (let i = 0; i < 3; i++) t.fakeS3.put(BUCKET, ...files(`process_date=2021-12-15/shard=${i}`, 2, ['_SUCCESS']));
    t.fakeS3.put(BUCKET, ...files('process_date=2021-12-14/shard=0', 1));

    const result = await createPartitions(t, request({ s3Uri: `s3://${BUCKET}/${PREFIX}process_date=2021-12-15` }));

    expect(result).toMatchObject({ added: 3, alreadyRegistered: 0, moved: 0, removed: 0, skipped: 0, dryRun: false });
    const created = t.fakeGlue.partitions(DATABASE, TABLE);
    expect(created.map((p) => p.Values)).toEqual([
      ['2021-12-15', '0'],
      ['2021-12-15', '1'],
      ['2021-12-15', '2'],
    ]);
    expect(created[0]?.StorageDescriptor).toMatchObject({
      Location: `s3://${BUCKET}/${PREFIX}process_date=2021-12-15/shard=0/`,
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      SerdeInfo: { Parameters: { 'field.delim': ',' } },
      Columns: [{ Name: 'amount', Type: 'double' }],
    });
    expect(t.fakeS3.log.calls).toEqual({ ListObjectsV2: 1 });
    expect(t.fakeGlue.log.calls).toEqual({ GetTable: 1, BatchGetPartition: 1, BatchCreatePartition: 1 });
    expect(JSON.parse(result.summary)).toMatchObject({ added: 3, examples: { added: ['process_date=2021-12-15/shard=0', 'process_date=2021-12-15/shard=1', 'process_date=2021-12-15/shard=2'] } });
  });

  it('keeps raw and escaped values apart from their Location: the Location is the prefix as written', async () => {
    const t = partitionedTable({ keys: ['ts'] });
    t.fakeS3.put(BUCKET, `${PREFIX}ts=2021-12-15T09:00:00+09:00/a.csv`, `${PREFIX}ts=2021-12-16T09%3A00%3A00/a.csv`, `${PREFIX}TS=__HIVE_DEFAULT_PARTITION__/a.csv`);
    await createPartitions(t, request());
    const byValue = Object.fromEntries(t.fakeGlue.partitions(DATABASE, TABLE).map((p) => [p.Values?.[0], p.StorageDescriptor?.Location]));
    expect(byValue).toEqual({
      '2021-12-15T09:00:00+09:00': `s3://${BUCKET}/${PREFIX}ts=2021-12-15T09:00:00+09:00/`,
      '2021-12-16T09:00:00': `s3://${BUCKET}/${PREFIX}ts=2021-12-16T09%3A00%3A00/`,
      __HIVE_DEFAULT_PARTITION__: `s3://${BUCKET}/${PREFIX}TS=__HIVE_DEFAULT_PARTITION__/`,
    });
  });

  it('classifies already registered and moved partitions, and updates moved ones only when asked', async () => {
    const t = partitionedTable();
    t.fakeS3.put(BUCKET, ...files('process_date=1/shard=a', 1), ...files('process_date=1/shard=b', 1));
    t.fakeGlue.addPartitions(DATABASE, TABLE, [
      { values: ['1', 'a'], location: `s3://${BUCKET}/${PREFIX}process_date=1/shard=a` },
      { values: ['1', 'b'], location: `s3://${BUCKET}/old/process_date=1/shard=b/` },
    ]);

    const first = await createPartitions(t, request());
    expect(first).toMatchObject({ added: 0, alreadyRegistered: 1, moved: 1 });
    expect(t.fakeGlue.log.count('BatchUpdatePartition')).toBe(0);

    const second = await createPartitions(t, request({ updateMoved: true }));
    expect(second.moved).toBe(1);
    const moved = t.fakeGlue.partitions(DATABASE, TABLE).find((p) => p.Values?.[1] === 'b');
    expect(moved?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/${PREFIX}process_date=1/shard=b/`);
    expect(await createPartitions(t, request())).toMatchObject({ alreadyRegistered: 2, moved: 0 });
  });

  it('keeps a registered partition in place when its values are also found at another prefix', async () => {
    const t = partitionedTable();
    // Spark wrote DT=..., Hive wrote the registered lower-case folder: both hold data for the same values.
    t.fakeS3.put(BUCKET, ...files('process_date=1/shard=a', 1), ...files('PROCESS_DATE=1/shard=a', 1));
    const registered = `s3://${BUCKET}/${PREFIX}process_date=1/shard=a/`;
    t.fakeGlue.addPartitions(DATABASE, TABLE, [{ values: ['1', 'a'], location: registered }]);

    for (const listing of ['skip', 'flat', 'walk'] as const) {
      const result = await createPartitions(t, request({ updateMoved: true }), { listing });
      expect(result).toMatchObject({ added: 0, alreadyRegistered: 1, moved: 0, skipped: 1 });
      expect(t.fakeGlue.partitions(DATABASE, TABLE)[0]?.StorageDescriptor?.Location).toBe(registered);
    }
    expect(t.fakeGlue.log.count('BatchUpdatePartition')).toBe(0);
  });

  it('compares a registered Location as written: a value ending with a space is not trimmed away', async () => {
    const t = partitionedTable();
    // Hive does not escape spaces and writes Locations without a trailing slash.
    t.fakeS3.put(BUCKET, ...files('process_date=1/shard=a ', 1), ...files('process_date=1/shard=b', 1));
    const registered = `s3://${BUCKET}/${PREFIX}process_date=1/shard=a `;
    t.fakeGlue.addPartitions(DATABASE, TABLE, [
      { values: ['1', 'a '], location: registered },
      { values: ['1', 'b '], location: `s3://${BUCKET}/${PREFIX}process_date=1/shard=b ` },
    ]);

    const result = await createPartitions(t, request({ updateMoved: true, removeMissing: true }));

    expect(result).toMatchObject({ added: 1, alreadyRegistered: 1, moved: 0, removed: 1 });
    const byValue = Object.fromEntries(t.fakeGlue.partitions(DATABASE, TABLE).map((p) => [p.Values?.[1], p.StorageDescriptor?.Location]));
    expect(byValue).toEqual({ 'a ': registered, b: `s3://${BUCKET}/${PREFIX}process_date=1/shard=b/` });
  });

  it('counts a per-entry AlreadyExistsException (a concurrent run) as already registered', async () => {
    const t = partitionedTable();
    t.fakeS3.put(BUCKET, ...files('process_date=1/shard=a', 1));
    const original = t.fakeGlue.batchGetPartition.bind(t.fakeGlue);
    // Another run registers the partition between our BatchGetPartition and BatchCreatePartition.
    t.fakeGlue.batchGetPartition = async (input) => {
      const out = await original(input);
      t.fakeGlue.addPartitions(DATABASE, TABLE, [{ values: ['1', 'a'], location: `s3://${BUCKET}/${PREFIX}process_date=1/shard=a/` }]);
      return out;
    };
    expect(await createPartitions(t, request())).toMatchObject({ added: 0, alreadyRegistered: 1 });
  });

  it('writes the rest, then fails with the count and the first error when entries fail', async () => {
    const t = partitionedTable();
    for (let i = 0; i < 150; i++) t.fakeS3.put(BUCKET, ...files(`process_date=1/shard=${String(i).padStart(3, '0')}`, 1));
    t.fakeGlue.createErrors.set(JSON.stringify(['1', '007']), { ErrorCode: 'ResourceNumberLimitExceededException', ErrorMessage: 'too many partitions' });

    const run = createPartitions(t, request());
    await expect(run).rejects.toThrow(PartialFailureError);
    await expect(run).rejects.toThrow(/1 partition writes failed .*first: process_date=1\/shard=007: ResourceNumberLimitExceededException: too many partitions/);
    expect(t.fakeGlue.partitions(DATABASE, TABLE)).toHaveLength(149);
    expect(t.fakeGlue.log.count('BatchCreatePartition')).toBe(2);
  });

  it('reports every path that does not fit, with its reason, and ignores markers and hidden folders', async () => {
    const t = partitionedTable();
    t.fakeS3.put(
      BUCKET,
      ...files('process_date=1/shard=a', 1),
      `${PREFIX}shard=a/process_date=1/x.csv`,
      `${PREFIX}notes.txt`,
      `${PREFIX}_SUCCESS`,
      `${PREFIX}_temporary/0/process_date=1/shard=z/x.csv`,
      `${PREFIX}process_date=1/shard=only-markers/_SUCCESS`,
      `${PREFIX}process_date=1/shard=folder-marker_$folder$`,
    );
    const result = await createPartitions(t, request({ dryRun: true }));
    expect(result).toMatchObject({ added: 1, skipped: 2, dryRun: true });
    const summary = JSON.parse(result.summary);
    expect(summary.examples.skipped).toEqual([
      'notes.txt: object above the partition folders (expected 2 key=value levels)',
      'shard=a/: key "shard" is not the partition key "process_date" expected at this level',
    ]);
  });

  it('writes nothing in a dry run', async () => {
    const t = partitionedTable();
    t.fakeS3.put(BUCKET, ...files('process_date=1/shard=a', 1));
    t.fakeGlue.addPartitions(DATABASE, TABLE, [{ values: ['1', 'gone'], location: `s3://${BUCKET}/${PREFIX}process_date=1/shard=gone/` }]);
    const result = await createPartitions(t, request({ dryRun: true, removeMissing: true }));
    expect(result).toMatchObject({ added: 1, removed: 1, dryRun: true });
    expect(t.fakeGlue.partitions(DATABASE, TABLE)).toHaveLength(1);
    expect(t.fakeGlue.log.count('BatchCreatePartition') + t.fakeGlue.log.count('BatchDeletePartition')).toBe(0);
  });

  it('removes catalog partitions under the prefix whose data is gone, and keeps those holding data', async () => {
    const t = partitionedTable();
    t.fakeS3.put(BUCKET, ...files('process_date=1/shard=a', 1), `${PREFIX}process_date=1/shard=empty/_SUCCESS`, `${PREFIX}custom/dir/data.csv`);
    const gone = Array.from({ length: 30 }, (_, i) => ({ values: ['1', `gone${i}`], location: `s3://${BUCKET}/${PREFIX}process_date=1/shard=gone${i}/` }));
    t.fakeGlue.addPartitions(DATABASE, TABLE, [
      ...gone,
      { values: ['1', 'empty'], location: `s3://${BUCKET}/${PREFIX}process_date=1/shard=empty/` },
      { values: ['1', 'custom'], location: `s3://${BUCKET}/${PREFIX}custom/dir/` },
      { values: ['2', 'x'], location: `s3://${BUCKET}/${PREFIX}process_date=2/shard=x/` },
    ]);

    const result = await createPartitions(t, request({ s3Uri: `s3://${BUCKET}/${PREFIX}process_date=1/`, removeMissing: true }));

    expect(result).toMatchObject({ added: 1, removed: 31 });
    const left = t.fakeGlue.partitions(DATABASE, TABLE).map((p) => p.Values?.join('/'));
    expect(left.sort()).toEqual(['1/a', '1/custom', '2/x']);
    expect(t.fakeGlue.log.count('BatchDeletePartition')).toBe(2);
  });

  it('refuses a prefix outside the Location, and names missing tables and unpartitioned ones', async () => {
    const t = partitionedTable();
    await expect(createPartitions(t, request({ s3Uri: `s3://${BUCKET}/warehouse/other/` }))).rejects.toThrow(InvalidInputError);
    await expect(createPartitions(t, request({ s3Uri: `s3://${BUCKET}/${PREFIX}shard=1/` }))).rejects.toThrow(/s3Uri: folder "shard=1"/);
    await expect(createPartitions(t, { database: DATABASE, table: 'nope' })).rejects.toThrow(NotFoundError);
    await expect(createPartitions(t, { database: 'nodb', table: TABLE })).rejects.toThrow(/nodb.orders not found/);
    t.fakeGlue.addTable('flat_db', { Name: 'flat', StorageDescriptor: { Location: 's3://b/flat/' } });
    await expect(createPartitions(t, { database: 'flat_db', table: 'flat' })).rejects.toThrow(/has no partition keys/);
  });

  it('batches BatchGetPartition by 1,000 and BatchCreatePartition by 100, retrying UnprocessedKeys', async () => {
    const t = partitionedTable();
    const keys: string[] = [];
    for (let i = 0; i < 1500; i++) keys.push(`${PREFIX}process_date=1/shard=${String(i).padStart(4, '0')}/p.csv`);
    t.fakeS3.appendSorted(BUCKET, keys);
    t.fakeGlue.returnUnprocessed(200);

    const result = await createPartitions(t, request(), { sleep: noSleep });

    expect(result.added).toBe(1500);
    expect(t.fakeGlue.log.count('BatchGetPartition')).toBe(3);
    expect(t.fakeGlue.log.count('BatchCreatePartition')).toBe(15);
    expect(t.fakeS3.log.count('ListObjectsV2')).toBe(2);
  });

  it('loses and doubles nothing when a throttled call fails the invocation and it is run again', async () => {
    const t = partitionedTable();
    for (let i = 0; i < 250; i++) t.fakeS3.put(BUCKET, ...files(`process_date=1/shard=${String(i).padStart(3, '0')}`, 1));
    t.fakeGlue.log.failNext('BatchCreatePartition', 1);
    // The SDK retries throttling (adaptive mode, 8 attempts) before this surfaces; here it surfaces at once.
    await expect(createPartitions(t, request(), { concurrency: 1 })).rejects.toMatchObject({ name: 'ThrottlingException' });
    const partial = t.fakeGlue.partitions(DATABASE, TABLE).length;
    expect(partial).toBeLessThan(250);

    const rerun = await createPartitions(t, request());
    expect(rerun.added + rerun.alreadyRegistered).toBe(250);
    expect(rerun.added).toBe(250 - partial);
    expect(t.fakeGlue.partitions(DATABASE, TABLE)).toHaveLength(250);
  });

  it('surfaces a throttled listing as the SDK error', async () => {
    const t = partitionedTable();
    t.fakeS3.log.failNext('ListObjectsV2', 1, () => awsError('SlowDown', 'Please reduce your request rate.', 503));
    await expect(createPartitions(t, request())).rejects.toMatchObject({ name: 'SlowDown' });
  });
});

describe('partition discovery strategies', () => {
  it('finds partitions behind 1,000 marker objects and pages past 1,000 entries', async () => {
    const t = partitionedTable();
    const markers = Array.from({ length: 1200 }, (_, i) => `.crc-${String(i).padStart(4, '0')}`);
    t.fakeS3.put(BUCKET, ...files('process_date=1/shard=a', 1, markers), ...files('process_date=1/shard=b', 2500));
    for (const strategy of ['skip', 'flat', 'walk'] as const) {
      const found = await discoverPartitions(t.s3, { bucket: BUCKET, locationPrefix: PREFIX, scanPrefix: PREFIX, partitionKeys: ['process_date', 'shard'], strategy });
      expect(found.partitions.map((p) => p.values)).toEqual([
        ['1', 'a'],
        ['1', 'b'],
      ]);
    }
  });

  it('costs one request per partition (plus one) with the skip listing when partitions hold many files', async () => {
    const t = partitionedTable();
    for (let i = 0; i < 10; i++) t.fakeS3.put(BUCKET, ...files(`process_date=1/shard=${i}`, 2500, ['_SUCCESS']));
    const count = async (strategy: 'skip' | 'flat' | 'walk') => {
      const found = await discoverPartitions(t.s3, { bucket: BUCKET, locationPrefix: PREFIX, scanPrefix: PREFIX, partitionKeys: ['process_date', 'shard'], strategy });
      expect(found.partitions).toHaveLength(10);
      return found.listRequests;
    };
    expect(await count('flat')).toBe(26);
    expect(await count('walk')).toBe(1 + 1 + 10);
    // One request per partition, plus the one that finds nothing after the last jump.
    expect(await count('skip')).toBe(11);
  });

  it('finds the same partitions and skipped paths whatever the strategy (property)', async () => {
    const segment = fc.constantFrom('process_date=1', 'process_date=2', 'Process_Date=3', 'shard=a', 'shard=b', 'SHARD=c', 'x', '_tmp', '.hidden', 'shard=');
    const file = fc.constantFrom('p.csv', '_SUCCESS', 'a_$folder$', '.crc', '', 'Z.csv');
    const key = fc.tuple(fc.array(segment, { maxLength: 3 }), file).map(([dirs, name]) => `${PREFIX}${[...dirs, name].join('/')}`);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { maxLength: 60 }), async (keys) => {
        const t = partitionedTable();
        t.fakeS3.put(BUCKET, ...keys);
        const results = [];
        for (const strategy of ['skip', 'flat', 'walk'] as const) {
          const found = await discoverPartitions(t.s3, { bucket: BUCKET, locationPrefix: PREFIX, scanPrefix: PREFIX, partitionKeys: ['process_date', 'shard'], strategy });
          results.push(found.partitions);
        }
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
      }),
      { numRuns: 150 },
    );
  });
});
