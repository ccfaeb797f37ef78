import fc from 'fast-check';
import { hiveEscape, hiveUnescape } from '../../lib/partitions/hive-escape';

describe('hive-escape', () => {
  it('escapes the characters Hive escapes, upper-case hex', () => {
    expect(hiveEscape('a/b:c=d%e')).toBe('a%2Fb%3Ac%3Dd%25e');
    expect(hiveEscape('"#\'*?\\{[]^')).toBe('%22%23%27%2A%3F%5C%7B%5B%5D%5E');
    expect(hiveEscape('\n\u007f')).toBe('%0A%7F');
  });

  it('writes space, +, comma, <, >, | and non-ASCII raw', () => {
    expect(hiveEscape('a b+c,d<e>f|g')).toBe('a b+c,d<e>f|g');
    expect(hiveEscape('東京 2021')).toBe('東京 2021');
  });

  it('decodes valid %XX in either case and leaves a lone % literal', () => {
    expect(hiveUnescape('2021-12-15T09%3A00%3a00')).toBe('2021-12-15T09:00:00');
    expect(hiveUnescape('100%')).toBe('100%');
    expect(hiveUnescape('50%zz')).toBe('50%zz');
  });

  it('gives back the value after escape then unescape (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(hiveUnescape(hiveEscape(value))).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('never leaves a character Hive escapes in the escaped form (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii' }), (value) => {
        // eslint-disable-next-line no-control-regex
        expect(hiveEscape(value)).not.toMatch(/[\u0000-\u001f"#'*/:=?\\\u007f{[\]^]/);
      }),
    );
  });
});
