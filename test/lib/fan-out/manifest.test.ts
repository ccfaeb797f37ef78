import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../../lib/core/errors';
import { manifestColumns, manifestFormat, parseManifest, type ManifestFormat } from '../../../lib/fan-out/manifest';
import { itemParameters } from '../../../lib/fan-out/parameters';

const LIMITS = { maxItems: 10_000 };
const sample = (file: string) => readFileSync(join(__dirname, '..', '..', '..', 'events', 'manifests', file), 'utf8');
const items = (text: string, format: ManifestFormat, limits = LIMITS) => parseManifest(text, format, limits).map((m) => m.item);

describe('manifestFormat', () => {
  it('takes the format from the extension, then from the first character', () => {
    expect(manifestFormat('m/dates.CSV', 'a')).toBe('csv');
    expect(manifestFormat('m/dates.jsonl', '[')).toBe('jsonl');
    expect(manifestFormat('m/dates.ndjson', '')).toBe('jsonl');
    expect(manifestFormat('m/dates.json', '{')).toBe('json');
    expect(manifestFormat('m/dates', '  [1]')).toBe('json');
    expect(manifestFormat('m/dates.txt', '\n{"a": 1}')).toBe('jsonl');
    expect(() => manifestFormat('m/dates.txt', 'a,b')).toThrow(/itemsS3Uri: m\/dates.txt: unknown manifest format/);
  });
});

describe('parseManifest', () => {
  it('reads the three sample manifests to the same items', () => {
    const expected = [
      { ProcessingDate: '2024-01-01', Region: 'eu-west-1' },
      { ProcessingDate: '2024-01-02', Region: 'us-east-1' },
    ];
    expect(items(sample('dates.csv'), 'csv')).toEqual(expected);
    expect(items(sample('dates.jsonl'), 'jsonl')).toEqual(expected);
    expect(items(sample('dates.json'), 'json')).toEqual(expected);
  });

  it('reads CSV as RFC 4180 quotes it: commas, doubled quotes and line breaks inside quotes, CRLF', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\r\n"line\nbreak",z\r\n';
    const parsed = parseManifest(text, 'csv', LIMITS);
    expect(parsed.map((p) => p.item)).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: 'line\nbreak', b: 'z' },
    ]);
    expect(parsed.map((p) => p.line)).toEqual([2, 3]);
  });

  it('leaves out an empty unquoted CSV field (the pipeline default) and passes "" as an empty string', () => {
    expect(items('a,b\n,""\n', 'csv')).toEqual([{ b: '' }]);
  });

  it('skips blank lines and a byte-order mark', () => {
    expect(items('\uFEFFa\n\n1\n\n2\n', 'csv')).toEqual([{ a: '1' }, { a: '2' }]);
    expect(items('\n"x"\n\n5\n', 'jsonl')).toEqual(['x', 5]);
  });

  it('names the line of a malformed JSON line, a CSV row of the wrong width and an unclosed quote', () => {
    expect(() => items('{"a": 1}\n{"a": 2\n', 'jsonl')).toThrow('itemsS3Uri: line 2, column 8: not JSON: the text ends inside an object (expected "," or "}")');
    expect(() => items('a,b\n1,2\n3\n', 'csv')).toThrow('itemsS3Uri: line 3: 1 fields, the header has 2 columns');
    expect(() => items('a\n1\n"open\n', 'csv')).toThrow('itemsS3Uri: line 3: a quoted field is not closed');
    expect(() => items('a\nx"y\n', 'csv')).toThrow(/itemsS3Uri: line 2: a quote inside an unquoted field/);
    expect(() => items('[{"a": 1},\n{"a" 2}]', 'json')).toThrow('itemsS3Uri: line 2, column 6: not JSON: expected ":" after a key, found "2"');
    // JSON.parse named no position here: the line and column are named all the same.
    expect(() => items('[1,\n2,\n}', 'json')).toThrow('itemsS3Uri: line 3, column 1: not JSON: unexpected "}" where a value was expected');
  });

  it('names the column of a header that is not a parameter name, or is given twice', () => {
    expect(() => items('a,b c\n1,2\n', 'csv')).toThrow('itemsS3Uri: column 2 "b c": not a valid parameter name (1-256 letters, digits, - or _)');
    expect(() => items('a,b,a\n1,2,3\n', 'csv')).toThrow('itemsS3Uri: column 3 "a": the same parameter as column 1');
    expect(() => items('a,__proto__\n1,2\n', 'csv')).toThrow(/itemsS3Uri: column 2 "__proto__": not a valid parameter name/);
    expect(() => items('a,\n1,2\n', 'csv')).toThrow(/itemsS3Uri: column 2: not a valid parameter name/);
  });

  it('refuses __proto__ keys, null values, lists and non-finite numbers in JSON items, naming the line', () => {
    expect(() => items('{"a": 1}\n{"__proto__": {"x": 1}}\n', 'jsonl')).toThrow(
      'itemsS3Uri: line 2.__proto__: refused key (JavaScript objects cannot hold "__proto__" as data) (line 2, column 2)',
    );
    expect(() => items('{"a": null}\n', 'jsonl')).toThrow(/itemsS3Uri: line 1, key "a": null is not a parameter value/);
    expect(() => items('[1, [2]]', 'json')).toThrow('itemsS3Uri: item 2: expected a string, number, boolean or object (got a list)');
    expect(() => items('null\n', 'jsonl')).toThrow(/itemsS3Uri: line 1: expected a string, number, boolean or object \(got null\)/);
    expect(() => items('{"a": 1}', 'json')).toThrow(/itemsS3Uri: line 1: expected a JSON array/);
  });

  it('refuses a value over 1024 characters naming the line and column, and more items than the limit naming the first one over', () => {
    expect(() => items(`a,b\n1,${'x'.repeat(1025)}\n`, 'csv')).toThrow('itemsS3Uri: line 2, column "b": value is 1025 characters (at most 1024)');
    const rows = `a\n${Array.from({ length: 4 }, (_, i) => i).join('\n')}\n`;
    expect(() => items(rows, 'csv', { maxItems: 3 })).toThrow("itemsS3Uri: line 5: more than 3 items (the fan-out's limit)");
    expect(() => items('1\n2\n3\n4\n', 'jsonl', { maxItems: 3 })).toThrow("itemsS3Uri: line 4: more than 3 items (the fan-out's limit)");
    expect(() => items('[1,2,3,4]', 'json', { maxItems: 3 })).toThrow("itemsS3Uri: item 4: more than 3 items (the fan-out's limit)");
  });

  it('refuses an empty manifest', () => {
    expect(() => items('a\n', 'csv')).toThrow('itemsS3Uri: manifest: no items (expected at least one)');
    expect(() => items('', 'csv')).toThrow('itemsS3Uri: line 1: expected a header row naming the parameters');
    expect(() => items('\n\n', 'jsonl')).toThrow(/no items/);
  });

  it('lists the parameter names the items use', () => {
    expect(manifestColumns(parseManifest('{"a": 1}\n"x"\n{"b": 2, "a": 3}\n', 'jsonl', LIMITS))).toEqual(['a', 'b']);
  });
});

/** A CSV field as a writer following RFC 4180 quotes it. */
const csvField = (value: string) => (/[",\r\n]/.test(value) || value === '' ? `"${value.replace(/"/g, '""')}"` : value);

describe('parseManifest (properties)', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/).filter((n) => n !== '__proto__');
  const hostileText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.constantFrom('', ' ', '"', '""', ',', '\r\n', '\n', '\r', '\u0000', '\u2028', '__proto__', 'constructor', '1e309', '-0'),
  );

  it('reads back every CSV a conforming writer produces, value for value, without dropping a key', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), fc.array(fc.array(hostileText, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 8 }), (columns, rows) => {
        const lines = [columns.join(','), ...rows.map((row) => columns.map((_, c) => csvField(row[c] ?? '')).join(','))];
        const parsed = items(`${lines.join('\r\n')}\r\n`, 'csv');
        expect(parsed).toHaveLength(rows.length);
        parsed.forEach((item, r) => {
          expect(item).toEqual(Object.fromEntries(columns.map((c, i) => [c, rows[r]?.[i] ?? ''])));
          expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
        });
      }),
    );
  });

  it('refuses a hostile JSON item (deep nesting, a key twice, __proto__) naming its line or item and why, and passes every other value as written', () => {
    const numberText = fc.constantFrom('12345678901234567890', '1.10', '-0', '1e400', '0.1', '7', '-1E-7');
    const hazard = fc.oneof(
      fc.integer({ min: 0, max: 6000 }).map((depth) => ({ kind: depth >= 31 ? 'nested deeper than 32 levels' : '', json: `{"a":${'['.repeat(depth)}1${']'.repeat(depth)}}` })),
      fc.constantFrom('Region', 'constructor', 'toString', '0').map((k) => ({ kind: 'given twice', json: `{"${k}":1,"x":2,"${k}":3}` })),
      fc.constant({ kind: 'refused key', json: '{"x":{"__proto__":{}}}' }),
      fc.tuple(name.filter((k) => k !== 't_' && k !== 'l_'), numberText, hostileText).map(([k, n, t]) => ({ kind: '', json: `{${JSON.stringify(k)}:${n},"t_":${JSON.stringify(t)},"l_":[${n},${JSON.stringify(t)}]}`, k, n, t })),
    );
    fc.assert(
      fc.property(fc.array(hazard, { minLength: 1, maxLength: 5 }), fc.constantFrom<ManifestFormat>('jsonl', 'json'), (lines, format) => {
        const text = format === 'jsonl' ? lines.map((l) => l.json).join('\n') : `[${lines.map((l) => l.json).join(',\n')}]`;
        const bad = lines.findIndex((l) => l.kind !== '');
        const first = lines[bad];
        if (first) {
          const unit = format === 'jsonl' ? 'line' : 'item';
          expect(() => parseManifest(text, format, LIMITS)).toThrow(new RegExp(`^itemsS3Uri: ${unit} ${bad + 1}[.\\[:].*${first.kind}`));
          return;
        }
        const parsed = parseManifest(text, format, LIMITS).map((m, i) => Object.fromEntries(itemParameters(m.item, i, 'item').map((p) => [p.Name, p.Value])));
        parsed.forEach((values, i) => {
          const line = lines[i];
          if (line && 'k' in line) expect(values).toEqual({ [line.k]: line.n, t_: line.t, l_: `[${line.n},${JSON.stringify(line.t)}]` });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('either reads any text or refuses it with an InvalidInputError naming itemsS3Uri and a line, column or item', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom<ManifestFormat>('csv', 'jsonl', 'json'), (text, format) => {
        try {
          const parsed = parseManifest(text, format, { maxItems: 5 });
          expect(parsed.length).toBeGreaterThan(0);
          expect(parsed.length).toBeLessThanOrEqual(5);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as InvalidInputError).message).toMatch(/^itemsS3Uri: (line \d+|item \d+|column \d+|manifest)/);
          expect((error as InvalidInputError).fields).toEqual(['itemsS3Uri']);
        }
      }),
    );
  });

  it('reads back every JSON Lines manifest of objects, keys and values as written, __proto__ refused', () => {
    const value = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const item = fc.dictionary(fc.oneof(name, fc.constant('__proto__')), value, { minKeys: 1, maxKeys: 5 });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (objects) => {
        const text = objects.map((o) => JSON.stringify(o)).join('\n');
        const bad = objects.findIndex((o) => Object.hasOwn(o, '__proto__'));
        if (bad >= 0) {
          expect(() => items(text, 'jsonl')).toThrow(`itemsS3Uri: line ${bad + 1}.__proto__: refused key`);
          return;
        }
        // Each value's parameter text is the value's JSON text, as written in the line.
        const read = items(text, 'jsonl').map((item, i) => itemParameters(item, i, 'item').map((p) => [p.Name, p.Value]));
        expect(read).toEqual(objects.map((o) => Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
      }),
    );
  });
});
