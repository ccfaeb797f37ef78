import fc from 'fast-check';
import { isPlainNumber, JsonNumber, JsonTextError, parseJsonText, stringifyJson } from '../../../lib/core/json-text';
import { hostileString } from '../../properties/hostile';

const parse = (text: string, maxDepth = 32) => parseJsonText(text, { maxDepth });
const error = (text: string, maxDepth = 32): JsonTextError => {
  try {
    parse(text, maxDepth);
  } catch (e) {
    if (e instanceof JsonTextError) return e;
    throw e;
  }
  throw new Error(`parsed: ${text}`);
};

/** JSON.parse's value of a parse, JsonNumbers read as numbers. */
const asJsValue = (value: unknown): unknown =>
  JSON.parse(stringifyJson(value), (_k, v: unknown) => v) as unknown;

describe('parseJsonText', () => {
  it('keeps a number as written where a JavaScript number would change it', () => {
    const parsed = parse('{"id": 12345678901234567890, "a": [1.10, -0, 1e400, 1E2, 0.1], "b": 7}') as Record<string, unknown>;
    expect(parsed.id).toEqual(new JsonNumber('12345678901234567890'));
    expect(parsed.a).toEqual([new JsonNumber('1.10'), new JsonNumber('-0'), new JsonNumber('1e400'), new JsonNumber('1E2'), 0.1]);
    expect(parsed.b).toBe(7);
    expect(stringifyJson(parsed.a)).toBe('[1.10,-0,1e400,1E2,0.1]');
  });

  it('refuses a key given twice, naming the key and the object', () => {
    const e = error('{"Region":"eu","Region":"us"}');
    expect([e.kind, e.message, e.path]).toEqual(['duplicate', 'line 1, column 16: key "Region" given twice', []]);
    expect(error('{"a":{"b":[1,{"c":2,"c":3}]}}').path).toEqual(['a', 'b', 1]);
  });

  it('refuses __proto__ and nesting deeper than the limit, naming the path', () => {
    expect(error('[{"__proto__": 1}]').path).toEqual([0, '__proto__']);
    const deep = error(`{"Config":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(deep.kind).toBe('depth');
    expect(deep.message).toBe('line 1, column 42: nested deeper than 32 levels');
    expect(deep.path).toHaveLength(32);
    expect(parse(`${'['.repeat(32)}${']'.repeat(32)}`)).toBeDefined();
    expect(error(`${'['.repeat(33)}${']'.repeat(33)}`).kind).toBe('depth');
    // A JSON Lines item sits one level down, as in a list of items.
    expect(() => parseJsonText(`${'['.repeat(32)}${']'.repeat(32)}`, { maxDepth: 32, baseDepth: 1 })).toThrow(JsonTextError);
  });

  it('survives 5,000 unclosed brackets and a megabyte of them with a clean error', () => {
    expect(error('['.repeat(5000)).kind).toBe('depth');
    expect(error('['.repeat(1 << 20), 1 << 21).message).toBe(`line 1, column ${(1 << 20) + 1}: the text ends where a value was expected`);
    expect(error(`${"[1,".repeat(40)}`, 64).message).toBe("line 1, column 121: the text ends where a value was expected");
    expect(error("[[1]", 64).message).toBe(`line 1, column 5: the text ends inside a list (expected "," or "]")`);
  });

  it('names the line and column of a syntax error', () => {
    expect(error('[1,\n 2,\n]').message).toBe('line 3, column 1: a comma before ] (trailing commas are not JSON)');
    expect(error('{"a": 1,}').message).toBe('line 1, column 9: a comma before } (trailing commas are not JSON)');
    expect(error('[NaN]').message).toBe('line 1, column 2: NaN is not a JSON number (write it as a string)');
    expect(error('[-Infinity]').message).toBe('line 1, column 2: -Infinity is not a JSON number (write it as a string)');
    expect(error('').message).toBe('line 1, column 1: no JSON value (the text is empty)');
    expect(error('{a: 1}').message).toBe('line 1, column 2: expected a key in double quotes, found "a"');
    expect(error('[01]').message).toBe('line 1, column 2: a malformed number ("01")');
    expect(error('"a\tb"').message).toBe('line 1, column 3: a control character (U+0009) inside a string: escape it');
    expect(error('[1] 2').message).toBe('line 1, column 5: unexpected "2" after the JSON value');
  });
});

describe('stringifyJson', () => {
  it('passes a parsed container on with every value as read, integer-like keys first (JSON objects are unordered)', () => {
    const parsed = parse('[{"b" : 1, "2": "x y\\u0041\\n", "a": [ 1.50 , true, null ]}]') as unknown[];
    expect(stringifyJson(parsed[0])).toBe('{"2":"x yA\\n","b":1,"a":[1.50,true,null]}');
  });

  it('refuses a JavaScript number that may have been changed on its way, naming the path', () => {
    expect(() => stringifyJson({ a: [1, 12345678901234567000] })).toThrow(expect.objectContaining({ path: ['a', 1] }));
    expect(() => stringifyJson([-0])).toThrow(/-0 may not be the number written/);
    expect(stringifyJson({ a: [1.5, 'x', null, false] })).toBe('{"a":[1.5,"x",null,false]}');
  });
});

describe('JsonNumber', () => {
  it('shows as written in a JSON.stringify met on the way (as text where the runtime lacks JSON.rawJSON)', () => {
    const hasRaw = typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function';
    expect(JSON.stringify({ a: new JsonNumber('1.10') })).toBe(hasRaw ? '{"a":1.10}' : '{"a":"1.10"}');
  });
});

describe('isPlainNumber', () => {
  it('takes safe integers and short fractions, nothing a double may have changed', () => {
    expect([0, 7, -12, Number.MAX_SAFE_INTEGER, 0.1, 123456789.012345, 1.5].every(isPlainNumber)).toBe(true);
    expect([-0, 2 ** 53, 1e21, 1e-7, 0.1 + 0.2, Number.NaN, Number.POSITIVE_INFINITY].some(isPlainNumber)).toBe(false);
  });
});

describe('parseJsonText (properties)', () => {
  it('reads every JSON text as JSON.parse does, numbers kept as written', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(0, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        fc.pre(!text.includes('"__proto__"'));
        const parsed = parse(text, 64);
        expect(asJsValue(parsed)).toEqual(JSON.parse(text));
        // Numbers as written: the compact text is JSON.stringify's, which wrote them.
        expect(stringifyJson(parsed)).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps any number in JSON grammar as written, in a list or an object', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 30 });
    const number = fc
      .tuple(fc.boolean(), digits, fc.option(digits), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits)))
      .map(([minus, whole, fraction, exponent]) =>
        `${minus ? '-' : ''}${whole.replace(/^0+(?=\d)/, '')}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`,
      );
    fc.assert(
      fc.property(number, (n) => {
        const parsed = parse(`{"n": ${n}, "l": [${n}]}`) as { n: unknown; l: unknown };
        expect(parsed.n instanceof JsonNumber ? parsed.n.text : String(parsed.n)).toBe(n);
        expect(stringifyJson(parsed.l)).toBe(`[${n}]`);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses what JSON.parse refuses and never throws anything but a JsonTextError', () => {
    const hostile = fc.oneof(
      hostileString,
      fc.jsonValue().map((v) => JSON.stringify(v)).chain((t) => fc.nat(t.length).map((k) => t.slice(0, k))),
      fc.jsonValue().map((v) => `${JSON.stringify(v)},`),
      fc.constantFrom('[1,]', '{"a":1,}', 'NaN', '[Infinity]', '', ' ', '\ufeff[]', '[1e]', '[.5]', '[+1]', '"\\x"', '"\\u12"', '["a\n"]', `${'['.repeat(20_000)}`, `${'{"a":'.repeat(10_000)}1`),
    );
    fc.assert(
      fc.property(hostile, (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        try {
          const parsed = parse(text, 1 << 20);
          expect(valid).toBe(true);
          expect(asJsValue(parsed)).toEqual(expected);
        } catch (e) {
          expect(e).toBeInstanceOf(JsonTextError);
          // Refused as valid JSON only for a rule JSON.parse does not have.
          if (valid) expect((e as JsonTextError).kind).not.toBe('syntax');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a key given twice and __proto__ at any place, naming the path of the object', () => {
    const key = fc.oneof(fc.constantFrom('a', 'Region', '0', 'constructor', 'toString'), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(fc.constantFrom('[', '{"k":'), { maxLength: 10 }), key, (openers, k) => {
        const closers = openers.map((o) => (o === '[' ? ']' : '}')).reverse().join('');
        const inner = `{${JSON.stringify(k)}: 1, ${JSON.stringify(k)}: 2}`;
        const e = error(`${openers.join('')}${inner}${closers}`);
        expect(e.kind).toBe(k === '__proto__' ? 'forbidden' : 'duplicate');
        const path = openers.map((o) => (o === '[' ? 0 : 'k'));
        expect(e.path).toEqual(k === '__proto__' ? [...path, k] : path);
      }),
      { numRuns: 300 },
    );
  });
});
