import { missingPartitions, planPartitions } from '../../lib/partitions/plan';
import { parseS3Uri } from '../../lib/partitions/s3-uri';
import { buildSummary } from '../../lib/partitions/summary';
import { valuesKey } from '../../lib/partitions/partition-paths';

const uri = (p: { prefix: string }) => `s3://b/${p.prefix}`;

describe('plan', () => {
  it('classifies found partitions as new, already registered or moved', () => {
    const found = [
      { values: ['1'], prefix: 't/dt=1/' },
      { values: ['2'], prefix: 't/dt=2/' },
      { values: ['3'], prefix: 't/dt=3/' },
    ];
    const registered = new Map([
      [valuesKey(['2']), { values: ['2'], location: 's3://b/t/dt=2' }],
      [valuesKey(['3']), { values: ['3'], location: 's3://b/old/dt=3/' }],
    ]);
    const plan = planPartitions(found, registered, uri);
    expect(plan.create.map((p) => p.values)).toEqual([['1']]);
    expect(plan.alreadyRegistered.map((p) => p.values)).toEqual([['2']]);
    expect(plan.moved.map((m) => m.registered.location)).toEqual(['s3://b/old/dt=3/']);
  });

  it('lists as missing only catalog partitions under the scanned prefix that were not found', () => {
    const registered = [
      { values: ['1'], location: 's3://b/t/dt=1/' },
      { values: ['2'], location: 's3://b/t/dt=2/' },
      { values: ['3'], location: 's3://b/elsewhere/dt=3/' },
      { values: ['4'], location: 's3://other/t/dt=4/' },
    ];
    const missing = missingPartitions(registered, [{ values: ['1'], prefix: 't/dt=1/' }], parseS3Uri('s3://b/t/'));
    expect(missing.map((p) => p.values)).toEqual([['2']]);
  });
});

describe('summary', () => {
  it('fits in 1024 characters however many and long the examples', () => {
    const long = 'x'.repeat(2000);
    const summary = buildSummary({
      table: `db.${long}`,
      scanned: `s3://b/${long}`,
      dryRun: false,
      listing: { strategy: 'skip', requests: 3 },
      counts: { added: 5000, alreadyRegistered: 1, moved: 0, removed: 0, skipped: 7 },
      examples: { added: Array.from({ length: 5000 }, (_, i) => `dt=${i}/${long}`), skipped: [`${long}: bad`] },
    });
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(JSON.parse(summary)).toMatchObject({ added: 5000, skipped: 7 });
  });

  it('keeps three examples per class when they fit', () => {
    const summary = JSON.parse(
      buildSummary({
        table: 'db.t',
        scanned: 's3://b/t/',
        dryRun: true,
        listing: { strategy: 'skip', requests: 1 },
        counts: { added: 4 },
        examples: { added: ['dt=1', 'dt=2', 'dt=3', 'dt=4'], moved: [] },
      }),
    );
    expect(summary.examples).toEqual({ added: ['dt=1', 'dt=2', 'dt=3'] });
    expect(summary.dryRun).toBe(true);
  });
});
