import fc from 'fast-check';
import { partitionTypeError, partitionValueError } from '../../lib/partitions/hive-types';

const valid = (type: string, ...values: string[]) => values.map((v) => [type, v] as const);

describe('partitionValueError', () => {
  it.each([
    ...valid('tinyint', '-128', '127', '0', '+5', '007', ''),
    ...valid('smallint', '-32768', '32767'),
    ...valid('INT', '-2147483648', '2147483647'),
    ...valid('integer', '42'),
    ...valid('bigint', '-9223372036854775808', '9223372036854775807'),
    ...valid('date', '2024-02-29', '2000-02-29', '2021-12-31', '2021-1-5'),
    ...valid('timestamp', '2021-12-15 09:00:00', '2021-12-15 23:59:59.123456789', '2021-12-15', '2021-1-5 9:05', '2021-12-15 09:00:00.5'),
    ...valid('boolean', 'true', 'FALSE', 'True', ''),
    ...valid('decimal(5,2)', '123.45', '-0.5', '.5', '12', '1.50000', '1e2', '12.5BD', '5.', '0e-99', '0.000e999'),
    ...valid('decimal', '1234567890'),
    ...valid('DECIMAL(10, 2)', '12345678.9'),
    ...valid('string', 'abc', '', 'ü/%'),
    ...valid('varchar(3)', 'abc', '日本語'),
    ...valid('char(2)', 'ab', 'ab  '),
    ...valid('double', '1.5', '-2e10', 'NaN', '3d', ' 1.5 ', '', '-Infinity', '+NaN', '\t1.5\u0000', '1.', '.5e-3D', '0x1.8p1', '0X.8P-2f'),
    ...valid('float', '1e5F', 'Infinity'),
    // Java's parsers read any BMP decimal digit (Character.digit): Athena takes these as 12 and 3.
    ...valid('int', '١٢', '３', '-०९'),
    ...valid('decimal(5,2)', '١.٥'),
    ...valid('boolean', 'falſe'),
    ...valid('binary', 'anything'),
    ...valid('int', '__HIVE_DEFAULT_PARTITION__'),
    ...valid('date', '__HIVE_DEFAULT_PARTITION__'),
  ])('accepts %s %j', (type, value) => {
    expect(partitionValueError(value, type)).toBeUndefined();
  });

  it.each([
    ['int', 'abc', /not an integer/],
    ['int', '1.0', /not an integer/],
    ['int', ' 1', /not an integer/],
    ['tinyint', '128', /out of range for tinyint \(-128 to 127\)/],
    ['smallint', '-32769', /out of range/],
    ['int', '2147483648', /out of range/],
    ['bigint', '9223372036854775808', /out of range/],
    ['date', '2021-13-45', /not a calendar date/],
    ['date', '2021-02-29', /not a calendar date/],
    ['date', '1900-02-29', /not a calendar date/],
    ['date', '20211215', /not a calendar date/],
    ['date', '2021-12-15T00:00:00', /not a calendar date/],
    ['timestamp', '2021-12-15T09:00:00', /not a timestamp/],
    ['timestamp', '2021-12-15 09', /not a timestamp/],
    ['date', '', /not a calendar date/],
    ['timestamp', '2021-12-15 24:00:00', /not a timestamp/],
    ['timestamp', '2021-12-15 09:00:00.1234567890', /not a timestamp/],
    ['timestamp', '2021-02-30 09:00:00', /not a timestamp/],
    ['boolean', 'yes', /not a boolean/],
    ['boolean', '1', /not a boolean/],
    ['decimal(5,2)', '1234.5', /more than 3 digits before the point/],
    ['decimal(5,2)', '999.994', /more than 2 digits after the point/],
    ['decimal(5,2)', '1e-3', /more than 2 digits after the point/],
    ['decimal(5,2)', '1e-999999999', /more than 2 digits after the point/],
    ['decimal(5,2)', '1e999999999', /more than 3 digits before the point/],
    ['decimal(5,2)', '1E3', /more than 3 digits before the point/],
    ['decimal(5,2)', '1x3', /not a decimal/],
    ['decimal(5,2)', '.', /not a decimal/],
    ['decimal', '12345678901', /decimal\(10,0\)/],
    ['varchar(3)', 'abcd', /longer than 3 characters/],
    ['varchar(3)', 'abc ', /longer than 3 characters/],
    ['char(1)', 'ab', /longer than 1 characters/],
    ['double', 'abc', /not a number/],
    // NaN and Infinity take no f/d suffix in Java; String.trim() keeps spaces above U+0020.
    ['double', 'NaNf', /not a number \(double\)/],
    ['double', 'Infinityd', /not a number/],
    ['float', '-InfinityF', /not a number \(float\)/],
    ['double', '1.5\u00a0', /not a number/],
    ['double', '\ufeff1', /not a number/],
    ['double', '1.5\u2003', /not a number/],
    ['double', '0x1.8', /not a number/],
    ['double', '١', /not a number/],
    ['int', '𝟏', /not an integer/],
    ['int', '١٢٣٤٥٦٧٨٩٠١', /out of range/],
    ['int', '²', /not an integer/],
    ['boolean', 'true ', /not a boolean/],
  ])('rejects %s %j', (type, value, reason) => {
    expect(partitionValueError(value, type)).toMatch(reason);
  });

  it('accepts every integer in range and rejects the ones just outside, for each integer type', () => {
    const bounds = { tinyint: 7n, smallint: 15n, int: 31n, bigint: 63n } as const;
    for (const [type, bits] of Object.entries(bounds)) {
      const [min, max] = [-(2n ** bits), 2n ** bits - 1n];
      fc.assert(
        fc.property(fc.bigInt({ min: min - 1000n, max: max + 1000n }), (n) => {
          expect(partitionValueError(String(n), type) === undefined).toBe(n >= min && n <= max);
        }),
      );
    }
  });

  it('agrees with the calendar on every date string', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        const date = new Date(Date.UTC(2000, m - 1, d));
        date.setUTCFullYear(y);
        const real = m >= 1 && m <= 12 && d >= 1 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
        expect(partitionValueError(text, 'date') === undefined).toBe(real);
      }),
    );
  });

  it('refuses a number padded with a space that Java trim() keeps, and accepts one padded with what it removes', () => {
    const javaTrimmed = fc.constantFrom('\u0000', '\t', '\n', '\r', ' ', '\u001f');
    const kept = fc.constantFrom('\u00a0', '\ufeff', '\u2000', '\u2028', '\u3000', '\u0085', '\u180e');
    const number = fc.oneof(fc.double({ noNaN: true }).map(String), fc.constantFrom('NaN', '-Infinity', '1.5', '2e-3d'));
    fc.assert(
      fc.property(number, fc.array(javaTrimmed, { maxLength: 3 }), fc.array(javaTrimmed, { maxLength: 3 }), kept, fc.boolean(), (n, before, after, space, atEnd) => {
        for (const type of ['double', 'float']) {
          expect(partitionValueError(`${before.join('')}${n}${after.join('')}`, type)).toBeUndefined();
          expect(partitionValueError(atEnd ? `${n}${space}` : `${space}${n}`, type)).toBe(`not a number (${type})`);
        }
      }),
    );
  });

  it('reads an integer written in any BMP script of decimal digits as its ASCII twin', () => {
    const zeros = [0x0660, 0x06f0, 0x0966, 0x09e6, 0x0e50, 0xff10];
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), fc.constantFrom(...zeros), fc.constantFrom('tinyint', 'int', 'bigint'), (n, zero, type) => {
        const written = String(n).replace(/\d/g, (d) => String.fromCharCode(zero + Number(d)));
        expect(partitionValueError(written, type)).toBe(partitionValueError(String(n), type));
      }),
    );
  });

  it('never throws, whatever the value and type', () => {
    const types = fc.constantFrom('int', 'tinyint', 'bigint', 'date', 'timestamp', 'boolean', 'decimal(38,38)', 'decimal(1,0)', 'varchar(0)', 'char(5)', 'double', 'map<string,int>', '');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), types, (value, type) => {
        const error = partitionValueError(value, type);
        expect(error === undefined || typeof error === 'string').toBe(true);
      }),
    );
  });
});

describe('partitionTypeError', () => {
  it('names the first key whose value its type rejects, with the value and the reason', () => {
    const keys = [
      { name: 'year', type: 'int' },
      { name: 'day', type: 'date' },
    ];
    expect(partitionTypeError(keys, ['2021', '2021-12-15'])).toBeUndefined();
    expect(partitionTypeError(keys, ['abc', '2021-13-45'])).toBe('year=abc: not an integer (int)');
    expect(partitionTypeError(keys, ['2021', '2021-13-45'])).toBe('day=2021-13-45: not a calendar date YYYY-MM-DD');
    expect(partitionTypeError([{ name: 'k', type: 'int' }], ['x'.repeat(500)])?.length).toBeLessThan(120);
  });
});
