import fc from 'fast-check';
import { asFolder, scopeOutput, scopeOutputs } from '../../lib/post-processing/s3-prefixes';

const LOCATION = 's3://bucket/tables/features/';

describe('scopeOutput', () => {
  it('keeps an output under the Location', () => {
    expect(scopeOutput(LOCATION, 's3://bucket/tables/features/day=2024-01-05')).toBe('s3://bucket/tables/features/day=2024-01-05/');
  });

  it('scopes an output above the Location to the Location itself', () => {
    expect(scopeOutput(LOCATION, 's3://bucket/tables/')).toBe(LOCATION);
  });

  it('treats a Location given without its trailing slash as the same folder', () => {
    expect(scopeOutput('s3://bucket/tables/features', 's3://bucket/tables/features/x/')).toBe('s3://bucket/tables/features/x/');
  });

  it.each([
    ['a sibling folder sharing a name prefix', 's3://bucket/tables/features2/day=1/'],
    ['another bucket', 's3://other/tables/features/'],
    ['a bucket sharing a name prefix', 's3://bucket2/tables/features/'],
  ])('drops %s', (_what, output) => {
    expect(scopeOutput(LOCATION, output)).toBeUndefined();
  });
});

describe('scopeOutputs', () => {
  it('drops duplicates and prefixes nested in another', () => {
    expect(
      scopeOutputs(LOCATION, [
        's3://bucket/tables/features/day=1/',
        's3://bucket/tables/features/day=1/hour=2/',
        's3://bucket/tables/features/day=1',
        's3://bucket/tables/features-old/',
        's3://bucket/tables/features/day=2/',
      ]),
    ).toEqual(['s3://bucket/tables/features/day=1/', 's3://bucket/tables/features/day=2/']);
  });

  it('returns only the Location when an output is above it', () => {
    expect(scopeOutputs(LOCATION, ['s3://bucket/tables/features/day=1/', 's3://bucket/'])).toEqual([LOCATION]);
  });

  it('returns prefixes that are all under the Location and cover every related output', () => {
    const segment = fc.constantFrom('a', 'b', 'day=1', 'day=2', 'features', 'tables');
    const uri = fc.array(segment, { maxLength: 4 }).map((parts) => `s3://bucket/${parts.join('/')}`);
    fc.assert(
      fc.property(fc.array(uri, { maxLength: 8 }), (outputs) => {
        const scoped = scopeOutputs(LOCATION, outputs);
        for (const p of scoped) expect(p.startsWith(LOCATION)).toBe(true);
        // No kept prefix contains another.
        for (const p of scoped) for (const q of scoped) if (p !== q) expect(q.startsWith(p)).toBe(false);
        for (const o of outputs) {
          const covered = scopeOutput(LOCATION, o);
          if (covered !== undefined) expect(scoped.some((p) => asFolder(covered).startsWith(p))).toBe(true);
        }
      }),
    );
  });
});
