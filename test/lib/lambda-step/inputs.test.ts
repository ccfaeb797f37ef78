import * as z from 'zod/mini';
import fc from 'fast-check';
import { boolean, float, integer, json, list, nonEmptyText, text } from '../../../lib/lambda-step/inputs';

const parse = <S extends z.core.$ZodType>(schema: S, value: unknown) => z.safeParse(schema, value);

describe('lambda-step inputs', () => {
  describe('integer', () => {
    it('accepts numbers and their string forms', () => {
      expect(parse(integer(), 3).data).toBe(3);
      expect(parse(integer(), '3').data).toBe(3);
      expect(parse(integer(), ' -12 ').data).toBe(-12);
    });

    it('refuses fractions, words and empty strings', () => {
      for (const bad of [2.5, '2.5', 'three', '', true, null]) {
        expect(parse(integer(), bad).success).toBe(false);
      }
    });

    it('applies bounds with a message naming them', () => {
      const result = parse(integer({ min: 1, max: 5 }), '9');
      expect(result.error?.issues[0]?.message).toBe('expected an integer <= 5');
    });

    it('round-trips any safe integer given as a string', () => {
      fc.assert(fc.property(fc.maxSafeInteger(), (n) => parse(integer(), String(n)).data === n));
    });
  });

  describe('float', () => {
    it('refuses a 1 MB run of digits in linear time', () => {
      const started = Date.now();
      expect(parse(float(), `${'1'.repeat(1 << 20)}x`).success).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('accepts numbers and decimal or exponent strings', () => {
      expect(parse(float(), '2.5').data).toBe(2.5);
      expect(parse(float(), '1e3').data).toBe(1000);
      expect(parse(float(), '.5').data).toBe(0.5);
      expect(parse(float(), 7).data).toBe(7);
    });

    it('refuses non-numbers and non-finite values', () => {
      for (const bad of ['NaN', 'Infinity', 'abc', Number.POSITIVE_INFINITY, Number.NaN, '']) {
        expect(parse(float(), bad).success).toBe(false);
      }
    });

    it('round-trips any finite double given in its string form', () => {
      fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => parse(float(), String(n)).data === n));
    });
  });

  describe('boolean', () => {
    it('accepts booleans and "true"/"false" in any case', () => {
      expect(parse(boolean(), true).data).toBe(true);
      expect(parse(boolean(), 'TRUE').data).toBe(true);
      expect(parse(boolean(), ' false ').data).toBe(false);
    });

    it('refuses other strings and numbers', () => {
      for (const bad of ['yes', '1', 1, 0, '']) expect(parse(boolean(), bad).success).toBe(false);
    });
  });

  describe('text', () => {
    it('takes numbers and booleans in their string form', () => {
      expect(parse(text(), 5).data).toBe('5');
      expect(parse(text(), false).data).toBe('false');
      expect(parse(text(), '').data).toBe('');
    });

    it('refuses objects', () => {
      expect(parse(text(), { a: 1 }).success).toBe(false);
    });

    it('nonEmptyText trims and refuses blank strings', () => {
      expect(parse(nonEmptyText(), '  a ').data).toBe('a');
      expect(parse(nonEmptyText(), '   ').success).toBe(false);
    });
  });

  describe('list', () => {
    const strings = list(z.string());

    it('accepts a list or a JSON-list string', () => {
      expect(parse(strings, ['a', 'b']).data).toEqual(['a', 'b']);
      expect(parse(strings, '["a","b"]').data).toEqual(['a', 'b']);
    });

    it('reports bad JSON with the parser message', () => {
      const result = parse(strings, '["a",');
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/^expected JSON \(/);
    });

    it('refuses a JSON string that is not a list', () => {
      expect(parse(strings, '{"a":1}').success).toBe(false);
    });

    it('splits plain strings on commas when asked', () => {
      const csv = list(z.string(), { commaSeparated: true });
      expect(parse(csv, 'a, b ,c').data).toEqual(['a', 'b', 'c']);
      expect(parse(csv, 'single').data).toEqual(['single']);
      expect(parse(csv, '["x,y"]').data).toEqual(['x,y']);
      expect(parse(csv, '').data).toEqual([]);
    });

    it('round-trips any list of strings through its JSON string', () => {
      fc.assert(fc.property(fc.array(fc.string()), (values) => {
        expect(parse(strings, JSON.stringify(values)).data).toEqual(values);
      }));
    });
  });

  describe('json', () => {
    it('accepts the value or its JSON string', () => {
      const schema = json(z.object({ a: z.number() }));
      expect(parse(schema, { a: 1 }).data).toEqual({ a: 1 });
      expect(parse(schema, '{"a":1}').data).toEqual({ a: 1 });
      expect(parse(schema, '{"a":"1"}').success).toBe(false);
    });
  });
});
