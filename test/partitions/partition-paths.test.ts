import fc from 'fast-check';
import { hiveEscape } from '../../lib/partitions/hive-escape';
import { classifyObjectKey, isDataObjectBelow, parsePartitionComponent, parsePartitionPath } from '../../lib/partitions/partition-paths';

const LOC = 'warehouse/sales/';
const KEYS = ['year', 'month'];

describe('partition-paths', () => {
  it('parses key=value folders in order and unescapes values', () => {
    expect(classifyObjectKey(`${LOC}year=2024/month=01/part-0.csv`, LOC, KEYS)).toEqual({
      kind: 'data',
      values: ['2024', '01'],
      partitionPrefix: `${LOC}year=2024/month=01/`,
      decidedPrefix: `${LOC}year=2024/month=01/`,
    });
    expect(parsePartitionComponent('ts=2021-12-15T09%3A00%3A00', 'ts')).toEqual({ ok: true, key: 'ts', value: '2021-12-15T09:00:00' });
  });

  it('matches keys case-insensitively (Spark writes camelCase)', () => {
    const verdict = classifyObjectKey(`${LOC}Year=2024/MONTH=01/a.parquet`, LOC, KEYS);
    expect(verdict).toMatchObject({ kind: 'data', values: ['2024', '01'] });
  });

  it('keeps raw values written by writers that do not escape, and their real prefix', () => {
    const verdict = classifyObjectKey('t/ts=2021-12-15T09:00:00+09:00/p.csv', 't/', ['ts']);
    expect(verdict).toMatchObject({ kind: 'data', values: ['2021-12-15T09:00:00+09:00'], partitionPrefix: 't/ts=2021-12-15T09:00:00+09:00/' });
  });

  it('keeps __HIVE_DEFAULT_PARTITION__ as its literal value', () => {
    expect(parsePartitionComponent('dt=__HIVE_DEFAULT_PARTITION__', 'dt')).toEqual({ ok: true, key: 'dt', value: '__HIVE_DEFAULT_PARTITION__' });
  });

  it('skips paths that do not fit, with the reason and the folder at fault', () => {
    expect(classifyObjectKey(`${LOC}month=01/year=2024/a.csv`, LOC, KEYS)).toMatchObject({
      kind: 'skipped',
      path: 'month=01/',
      reason: expect.stringContaining('"month" is not the partition key "year"'),
      decidedPrefix: `${LOC}month=01/`,
    });
    expect(classifyObjectKey(`${LOC}misc/a.csv`, LOC, KEYS)).toMatchObject({ kind: 'skipped', path: 'misc/', reason: expect.stringContaining('not key=value') });
    expect(classifyObjectKey(`${LOC}year=/month=01/a.csv`, LOC, KEYS)).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('empty value') });
    expect(classifyObjectKey(`${LOC}year=2024/a.csv`, LOC, KEYS)).toMatchObject({ kind: 'skipped', path: 'year=2024/a.csv', reason: expect.stringContaining('above the partition folders') });
  });

  it('ignores markers and hidden names at any level', () => {
    for (const key of [
      `${LOC}year=2024/month=01/_SUCCESS`,
      `${LOC}year=2024/month=01/.part-0.crc`,
      `${LOC}year=2024/month=01_$folder$`,
      `${LOC}year=2024/month=01/`,
      `${LOC}year=2024/`,
      `${LOC}_SUCCESS`,
    ]) {
      expect(classifyObjectKey(key, LOC, KEYS).kind).toBe('ignored');
    }
    expect(classifyObjectKey(`${LOC}_temporary/0/year=2024/month=01/a.csv`, LOC, KEYS)).toEqual({ kind: 'ignored', reason: 'hidden folder', decidedPrefix: `${LOC}_temporary/` });
    expect(classifyObjectKey(`${LOC}year=2024/month=01/.hive-staging/a.csv`, LOC, KEYS)).toMatchObject({ kind: 'ignored', decidedPrefix: `${LOC}year=2024/month=01/.hive-staging/` });
  });

  it('accepts a partition key that itself starts with _', () => {
    expect(classifyObjectKey('t/_part=3/a.csv', 't/', ['_part'])).toMatchObject({ kind: 'data', values: ['3'] });
  });

  it('counts data in sub-folders of a partition', () => {
    expect(classifyObjectKey(`${LOC}year=2024/month=01/bucket-1/a.csv`, LOC, KEYS)).toMatchObject({ kind: 'data', partitionPrefix: `${LOC}year=2024/month=01/` });
    expect(isDataObjectBelow('p/x/a.csv', 'p/')).toBe(true);
    expect(isDataObjectBelow('p/_tmp/a.csv', 'p/')).toBe(false);
  });

  it('reads back the values of any escaped path (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 2, maxLength: 2 }), (values) => {
        fc.pre(values.every((v) => v !== '__HIVE_DEFAULT_PARTITION__'));
        const path = KEYS.map((k, i) => `${k}=${hiveEscape(values[i] ?? '')}`).join('/');
        expect(parsePartitionPath(path, KEYS)).toEqual({ ok: true, values });
        expect(classifyObjectKey(`${LOC}${path}/part-0`, LOC, KEYS)).toMatchObject({ kind: 'data', values });
      }),
    );
  });
});
