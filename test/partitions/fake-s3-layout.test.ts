import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { discoverPartitions } from '../../lib/partitions/s3-listing';
import { compareUtf8 } from '../../lib/partitions/utf8-order';
import { FakeS3 } from '../../doubles/fake-s3';

const PREFIX = 't/';
const KEYS = ['a', 'b'];

describe('FakeS3 layouts (keys computed on demand)', () => {
  it('list exactly as the same keys stored', async () => {
    const key = fc
      .tuple(fc.constantFrom('a=1', 'a=2', 'a=10', 'x', '_tmp'), fc.constantFrom('b=1', 'b=2', 'c=1'), fc.constantFrom('f.csv', '_SUCCESS', 'sub/f.csv', ''))
      .map(([a, b, f]) => `${PREFIX}${a}/${b}/${f}`);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { maxLength: 40 }), fc.constantFrom('skip', 'flat', 'walk') as fc.Arbitrary<'skip' | 'flat' | 'walk'>, async (keys, strategy) => {
        const sorted = [...keys].sort(compareUtf8);
        const stored = new S3Client({ region: 'us-east-1' });
        const computed = new S3Client({ region: 'us-east-1' });
        new FakeS3().attach(mockClient(stored)).put('b', ...sorted);
        new FakeS3().attach(mockClient(computed)).putLayout('b', { length: sorted.length, at: (i) => sorted[i] });
        const request = { bucket: 'b', locationPrefix: PREFIX, scanPrefix: PREFIX, partitionKeys: KEYS, strategy };
        expect(await discoverPartitions(computed, request)).toEqual(await discoverPartitions(stored, request));
      }),
      { numRuns: 60 },
    );
  });
});
