/**
 * Input field schemas for LambdaStep events (zod/mini: the classic build weighs 450 KB bundled).
 * A pipeline passes only primitives, and Integer or Boolean parameters may arrive as strings, so
 * every field accepts the forms a pipeline can send.
 */
import * as z from 'zod/mini';
import { duplicateKeysOf, JsonNumber } from '../core/json-text';

const INTEGER = /^\s*[+-]?\d+\s*$/;
// `\d+(\.\d*)?` rather than `\d+\.?\d*`: the latter backtracks quadratically on a long run of digits.
const FLOAT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

type Ctx = z.core.ParsePayload<unknown>;

/** Runs `coerce` on the raw value, then validates the result with `schema`. */
export const coerced = <S extends z.core.$ZodType>(coerce: (value: unknown, ctx: Ctx) => unknown, schema: S) =>
  z.pipe(
    z.transform((value: unknown, ctx) => coerce(value, ctx as unknown as Ctx)),
    schema,
  );

// A JsonNumber (a number kept as written, lib/core/json-text.ts) is read as its text.
const stringForm = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v instanceof JsonNumber ? v.text : v);
const numberForm = (v: unknown) => (v instanceof JsonNumber ? Number(v.text) : v);

/** A string; a number or boolean is taken in its string form. */
export const text = () => coerced(stringForm, z.string({ error: 'expected a string' }));

/** A non-empty string (after trimming, which is kept). */
export const nonEmptyText = () =>
  coerced(
    (v) => (typeof v === 'string' ? v.trim() : stringForm(v)),
    z.string({ error: 'expected a non-empty string' }).check(z.minLength(1, { error: 'expected a non-empty string' })),
  );

/** An integer, or its decimal string form ("3"). */
export const integer = (bounds: { min?: number; max?: number } = {}) => {
  const checks: z.core.$ZodCheck<number>[] = [];
  if (bounds.min !== undefined) checks.push(z.gte(bounds.min, { error: `expected an integer >= ${bounds.min}` }));
  if (bounds.max !== undefined) checks.push(z.lte(bounds.max, { error: `expected an integer <= ${bounds.max}` }));
  return coerced(
    (v) => (typeof v === 'string' && INTEGER.test(v) ? Number(v) : numberForm(v)),
    z.int({ error: 'expected an integer' }).check(...checks),
  );
};

/** A finite number, or its string form ("2.5", "1e3"). */
export const float = () =>
  coerced((v) => (typeof v === 'string' && FLOAT.test(v) ? Number(v) : numberForm(v)), z.number({ error: 'expected a number' }));

/** A boolean, or "true"/"false" in any case. */
export const boolean = () =>
  coerced((v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    return s === 'true' ? true : s === 'false' ? false : v;
  }, z.boolean({ error: 'expected true or false' }));

/** How deep lists and objects may nest in an input (a pipeline passes primitives; items are shallow). */
export const MAX_INPUT_DEPTH = 32;

/** What a raw input holds that no schema may see: nesting too deep to walk safely, a key JavaScript drops. */
export interface InputHazard {
  path: (string | number)[];
  message: string;
}

/**
 * The hazards of a raw value (an event, or a parsed JSON string), in document order, at most `limit`.
 * Walks without recursion, so any depth ends here with a field name rather than a stack overflow.
 * `__proto__` is refused by name: an object cannot hold it as data (zod's records drop it, and
 * assigning it replaces the prototype), so the entry would vanish without a word.
 */
export function findInputHazards(value: unknown, limit = 5): InputHazard[] {
  const hazards: InputHazard[] = [];
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let next = pending.pop(); next !== undefined && hazards.length < limit; next = pending.pop()) {
    const { value: current, path } = next;
    if (typeof current !== 'object' || current === null || current instanceof JsonNumber) continue;
    if (path.length >= MAX_INPUT_DEPTH) {
      hazards.push({ path, message: `nested deeper than ${MAX_INPUT_DEPTH} levels` });
      continue;
    }
    const children: { value: unknown; path: (string | number)[] }[] = [];
    if (Array.isArray(current)) {
      current.forEach((item: unknown, i) => children.push({ value: item, path: [...path, i] }));
    } else {
      // A lenient parse of a message records the keys it was given twice: which one was meant is unknown.
      for (const key of duplicateKeysOf(current)) hazards.push({ path, message: `key ${JSON.stringify(key.slice(0, 60))} given twice` });
      for (const [key, item] of Object.entries(current)) {
        if (key === '__proto__') hazards.push({ path: [...path, key], message: 'refused key (JavaScript objects cannot hold "__proto__" as data)' });
        else children.push({ value: item, path: [...path, key] });
      }
    }
    // Reversed onto the stack, so the walk (and the hazards) follow the document's order.
    for (const child of children.reverse()) pending.push(child);
  }
  return hazards.slice(0, limit);
}

function parseJsonString(v: unknown, ctx: Ctx): unknown {
  if (typeof v !== 'string') return v;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch (error) {
    ctx.issues.push({ code: 'custom', message: `expected JSON (${(error as Error).message})`, input: v });
    return v;
  }
  for (const hazard of findInputHazards(parsed)) ctx.issues.push({ code: 'custom', message: hazard.message, path: hazard.path, input: undefined });
  return parsed;
}

/** A JSON value matching `schema`, given as such or as a JSON string (a pipeline can only pass strings). */
export const json = <S extends z.core.$ZodType>(schema: S) => coerced(parseJsonString, schema);

/**
 * A list of `item`, given as a JSON list or a JSON-list string; with `commaSeparated`, a plain
 * string that is not JSON is split on commas ("a,b" -> ["a", "b"]) and a lone value is a list of one.
 */
export const list = <S extends z.core.$ZodType>(item: S, options: { commaSeparated?: boolean } = {}) =>
  coerced(
    (v, ctx) => {
      if (typeof v !== 'string') return v;
      const trimmed = v.trim();
      if (options.commaSeparated && !trimmed.startsWith('[')) {
        return trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim());
      }
      return parseJsonString(trimmed, ctx);
    },
    z.array(item, { error: options.commaSeparated ? 'expected a list (JSON or comma-separated)' : 'expected a list (JSON)' }),
  );
