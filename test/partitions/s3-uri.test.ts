import { InvalidInputError } from '../../lib/core/errors';
import { isAtOrUnder, parseS3Uri, sameS3Prefix, toDirectoryPrefix } from '../../lib/partitions/s3-uri';

describe('s3-uri', () => {
  it('parses bucket and prefix into directory form', () => {
    expect(parseS3Uri('s3://b/p/output')).toEqual({ scheme: 's3', bucket: 'b', prefix: 'p/output/' });
    expect(parseS3Uri('s3://b/p/output//')).toEqual({ scheme: 's3', bucket: 'b', prefix: 'p/output/' });
    expect(parseS3Uri('s3://b')).toEqual({ scheme: 's3', bucket: 'b', prefix: '' });
    expect(parseS3Uri('s3a://b/')).toEqual({ scheme: 's3a', bucket: 'b', prefix: '' });
  });

  it('refuses what is not an S3 URI, naming the field', () => {
    expect(() => parseS3Uri('https://b/p', 's3Uri')).toThrow(InvalidInputError);
    expect(() => parseS3Uri('s3:///p', 's3Uri')).toThrow(/s3Uri/);
  });

  it('accepts a prefix at or under the Location only', () => {
    const location = parseS3Uri('s3://b/warehouse/sales');
    expect(isAtOrUnder(parseS3Uri('s3://b/warehouse/sales/'), location)).toBe(true);
    expect(isAtOrUnder(parseS3Uri('s3://b/warehouse/sales/dt=1'), location)).toBe(true);
    expect(isAtOrUnder(parseS3Uri('s3://b/warehouse/sales2/dt=1'), location)).toBe(false);
    expect(isAtOrUnder(parseS3Uri('s3://other/warehouse/sales/'), location)).toBe(false);
  });

  it('compares prefixes regardless of trailing slashes', () => {
    expect(sameS3Prefix('s3://b/t/dt=1', 's3://b/t/dt=1/')).toBe(true);
    expect(sameS3Prefix('s3://b/t/dt=1', 's3://b/t/dt=10/')).toBe(false);
    expect(toDirectoryPrefix('')).toBe('');
  });

  it('normalises a 1 MB run of slashes in linear time', () => {
    const started = Date.now();
    expect(toDirectoryPrefix(`${'/'.repeat(1 << 20)}a`)).toBe(`${'/'.repeat(1 << 20)}a/`);
    expect(toDirectoryPrefix('/'.repeat(1 << 20))).toBe('');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
