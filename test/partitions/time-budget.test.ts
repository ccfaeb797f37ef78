import fc from 'fast-check';
import { InvalidInputError } from '../../lib/core/errors';
import { createPartitions } from '../../lib/partitions/create-partitions';
import { BUCKET, DATABASE, TABLE, partitionedTable } from '../../doubles/partitioned-table';

const PREFIX = 'warehouse/orders/';
const request = (extra: object = {}) => ({ database: DATABASE, table: TABLE, ...extra });
const MARGIN = 5_000;

/**
 * A table whose layout holds `partitions` partitions of `files` files, and a fake invocation clock:
 * every AWS call takes one virtual second of a `budgetMs` invocation.
 */
function world(partitions: number, files: number) {
  const t = partitionedTable();
  const keys: string[] = [];
  for (let p = 0; p < partitions; p++) {
    for (let f = 0; f < files; f++) keys.push(`${PREFIX}process_date=2021-12-15/shard=${String(p).padStart(4, '0')}/part-${f}.csv`);
  }
  t.fakeS3.put(BUCKET, ...keys);
  const calls = () => t.fakeS3.log.total() + t.fakeGlue.log.total();
  /** An invocation of `budgetMs`, starting now; records the time left when each call started. */
  const invocation = (budgetMs: number) => {
    const start = calls();
    const remainingTimeMs = () => budgetMs - (calls() - start) * 1000;
    return { s3: t.s3, glue: t.glue, remainingTimeMs };
  };
  return { ...t, invocation, calls };
}

describe('createPartitions under a time budget', () => {
  it('stops listing while there is time to register what it found, and a run with startAfter continues', async () => {
    const w = world(300, 10);
    const first = await createPartitions(w.invocation(20_000), request(), { stopMarginMs: MARGIN });

    expect(first.incomplete).toBe(true);
    expect(first.added).toBeGreaterThan(0);
    expect(first.added).toBeLessThan(300);
    expect(first.resumeAfter).toMatch(new RegExp(`^s3://${BUCKET}/${PREFIX}process_date=2021-12-15/shard=\\d{4}/part-\\d\\.csv$`));
    // Every call started with at least the margin left: the invocation ended in time.
    expect(20_000 - w.calls() * 1000).toBeGreaterThanOrEqual(MARGIN - 1000);
    expect(JSON.parse(first.summary)).toMatchObject({ incomplete: true, added: first.added });
    expect(w.fakeGlue.partitions(DATABASE, TABLE)).toHaveLength(first.added);

    w.fakeS3.log.reset();
    w.fakeGlue.log.reset();
    const second = await createPartitions(w.invocation(600_000), request({ startAfter: first.resumeAfter }), { stopMarginMs: MARGIN });
    expect(second).toMatchObject({ incomplete: false, resumeAfter: '' });
    // At most the partition the first run stopped inside is found again (already registered); nothing is created twice.
    expect(second.alreadyRegistered).toBeLessThanOrEqual(1);
    expect(first.added + second.added).toBe(300);
    expect(w.fakeGlue.log.count('BatchCreatePartition')).toBe(Math.ceil(second.added / 100));
    // The listing starts where the first one stopped.
    expect(w.fakeS3.log.count('ListObjectsV2')).toBeLessThan(3);
    expect(w.fakeGlue.partitions(DATABASE, TABLE)).toHaveLength(300);
  });

  it('stops creating before the margin, resuming at the first partition it did not create', async () => {
    const w = world(450, 1);
    // GetTable, one listing page, one BatchGetPartition: 3 s; then batches of 100 while 5 s are left.
    const first = await createPartitions(w.invocation(10_000), request(), { stopMarginMs: MARGIN, concurrency: 1 });
    expect(first).toMatchObject({ incomplete: true, added: 300, resumeAfter: `s3://${BUCKET}/${PREFIX}process_date=2021-12-15/shard=0300/` });
    expect(w.fakeGlue.log.count('BatchCreatePartition')).toBe(3);
    expect(JSON.parse(first.summary)).toMatchObject({ incomplete: true, notRegisteredYet: 150 });

    w.fakeGlue.log.reset();
    const second = await createPartitions(w.invocation(600_000), request({ startAfter: first.resumeAfter }));
    expect(second).toMatchObject({ incomplete: false, added: 150, alreadyRegistered: 0 });
    expect(w.fakeGlue.log.count('BatchCreatePartition')).toBe(2);
  });

  it('a re-run with the same inputs creates only what is missing', async () => {
    const w = world(450, 1);
    const first = await createPartitions(w.invocation(10_000), request(), { stopMarginMs: MARGIN, concurrency: 1 });
    w.fakeGlue.log.reset();
    const again = await createPartitions(w.invocation(600_000), request());
    expect(again).toMatchObject({ incomplete: false, added: 450 - first.added, alreadyRegistered: first.added });
    expect(w.fakeGlue.log.count('BatchCreatePartition')).toBe(Math.ceil((450 - first.added) / 100));
  });

  it('removes nothing when the listing did not cover the whole prefix', async () => {
    const w = world(300, 10);
    w.fakeGlue.addPartitions(DATABASE, TABLE, [{ values: ['2021-12-15', '9999'], location: `s3://${BUCKET}/${PREFIX}process_date=2021-12-15/shard=9999/` }]);
    const result = await createPartitions(w.invocation(20_000), request({ removeMissing: true }), { stopMarginMs: MARGIN });
    expect(result).toMatchObject({ incomplete: true, removed: 0 });
    expect(w.fakeGlue.log.count('BatchDeletePartition')).toBe(0);
  });

  it('leaves removals it has no time for to a re-run of the whole prefix, saying the run is incomplete', async () => {
    const w = world(450, 1);
    w.fakeGlue.addPartitions(DATABASE, TABLE, [{ values: ['2021-12-15', '9999'], location: `s3://${BUCKET}/${PREFIX}process_date=2021-12-15/shard=9999/` }]);
    // GetTable, ListObjectsV2, BatchGetPartition, GetPartitions: 4 s; two batches of 100 while 5 s are left.
    const first = await createPartitions(w.invocation(10_000), request({ removeMissing: true }), { stopMarginMs: MARGIN, concurrency: 1 });
    expect(first).toMatchObject({ incomplete: true, added: 200, removed: 0, resumeAfter: '' });
    expect(w.fakeGlue.log.count('BatchDeletePartition')).toBe(0);
    const again = await createPartitions(w.invocation(600_000), request({ removeMissing: true }));
    expect(again).toMatchObject({ incomplete: false, added: 250, alreadyRegistered: 200, removed: 1 });
  });

  it('refuses a startAfter outside the scanned prefix, or combined with removeMissing', async () => {
    const w = world(1, 1);
    const run = (extra: object) => createPartitions(w.invocation(600_000), request(extra));
    await expect(run({ startAfter: `s3://other-bucket/${PREFIX}x` })).rejects.toThrow(/^startAfter: expected an S3 URI under s3:\/\/data-bucket\/warehouse\/orders\//);
    await expect(run({ s3Uri: `s3://${BUCKET}/${PREFIX}process_date=1/`, startAfter: `s3://${BUCKET}/${PREFIX}process_date=2/a` })).rejects.toThrow(InvalidInputError);
    await expect(run({ startAfter: `s3://${BUCKET}/${PREFIX}a`, removeMissing: true })).rejects.toThrow(/startAfter: cannot be combined with removeMissing/);
  });

  it('takes any startAfter under the scanned prefix and refuses anything else naming the field', async () => {
    const w = world(3, 1);
    const under = fc.string({ unit: 'binary', maxLength: 40 }).map((rest) => `s3://${BUCKET}/${PREFIX}${rest}`);
    const hostile = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('s3://', `s3://${BUCKET}`, `s3://${BUCKET}/`, `s3://${BUCKET}/warehouse/`, '__proto__', `S3://${BUCKET}/${PREFIX}x`));
    await fc.assert(
      fc.asyncProperty(fc.oneof(under, hostile), async (startAfter) => {
        const valid = /^s3[an]?:\/\//i.test(startAfter) && startAfter.replace(/^s3[an]?:\/\//i, '').startsWith(`${BUCKET}/${PREFIX}`) && !/\s/.test(BUCKET);
        const run = createPartitions(w.invocation(600_000), request({ startAfter, dryRun: true }));
        if (valid) await expect(run).resolves.toMatchObject({ incomplete: false });
        else await expect(run).rejects.toMatchObject({ name: 'InvalidInputError', fields: ['startAfter'] });
      }),
      { numRuns: 300 },
    );
  });

  it('without a clock, runs to the end', async () => {
    const w = world(120, 10);
    await expect(createPartitions(w, request())).resolves.toMatchObject({ added: 120, incomplete: false, resumeAfter: '' });
  });
});
