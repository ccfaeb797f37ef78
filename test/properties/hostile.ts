/**
 * Generators of hostile and unusual step inputs, and the property every LambdaStep function must
 * keep: a success obeys the output contract; a failure names a field, is at most 1024 characters,
 * carries no raw control character or lone surrogate, and made no AWS call.
 */
import fc from 'fast-check';
import { isExpectedError } from '../../lib/core/errors';
import { fieldName } from '../../lib/lambda-step/input-errors';
import { MAX_INPUT_DEPTH } from '../../lib/lambda-step/inputs';

/** Runs per function (the issue asks for at least 1,000 generated events each). */
export const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

// --- characters and strings ---------------------------------------------------------------------

/** Characters that break logs and messages, or that a cut could split. */
export const SPECIAL_CHARACTERS = [
  '\u0000', '\n', '\r', '\t', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', '\u202e', '\u2066',
  '😀', '𝄞', '\ud800', '\udfff', '\ufeff', '\ufffe', 'é', '中', '"', "'", '\\', '`', '/', '=', '%', '$', '*', '?', ' ',
];

const specialString = fc
  .array(fc.oneof(fc.constantFrom(...SPECIAL_CHARACTERS), fc.string({ minLength: 1, maxLength: 4 })), { maxLength: 24 })
  .map((parts) => parts.join(''));

const MB = 1 << 20;
/** 1 MB strings, built once: plain, made of one special character, or shaped like an input. */
const HUGE_STRINGS = [
  'x'.repeat(MB),
  '1'.repeat(MB),
  `${'1'.repeat(MB)}x`,
  ' '.repeat(MB),
  `${'/'.repeat(MB)}a`,
  '\u0000'.repeat(MB),
  '😀'.repeat(MB / 2),
  `s3://bucket/${'k/'.repeat(MB / 2)}`,
  `s3://bucket/${'/'.repeat(MB)}a`,
  `[${'"a",'.repeat(MB / 4)}"a"]`,
  `${'['.repeat(MB / 2)}${']'.repeat(MB / 2)}`,
];
/** A 1 MB string; weighted low wherever it is used, so only a fraction of runs carries one. */
export const hugeString = fc.constantFrom(...HUGE_STRINGS);

/** Strings with control, bidirectional and non-BMP characters, and lone surrogates. */
export const hostileString = fc.oneof(
  { weight: 4, arbitrary: specialString },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 200, maxLength: 3000 }) },
);

// --- numbers and dates at their edges -----------------------------------------------------------

const EDGE_NUMBERS = [
  0, -0, 1, -1, 16, 17, 50, 51, 1000, 1001, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.MIN_SAFE_INTEGER,
  Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, Number.EPSILON, 0.1 + 0.2, 1e21, 1e-7, 2 ** 31, 2 ** 53,
  Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
];
const EDGE_NUMBER_STRINGS = [
  '0', '-0', '+3', ' 3 ', '3.0', '3.', '.5', '1e3', '1e309', '-1e309', '0x10', '0b1', '1_000', 'NaN', 'Infinity', '9007199254740993',
  '١٢', '３', '', ' ', 'true', 'TRUE', 'yes', '1,5',
];
export const edgeNumber = fc.oneof(
  fc.constantFrom(...EDGE_NUMBERS),
  fc.constantFrom(...EDGE_NUMBER_STRINGS),
  fc.double(),
  fc.integer().map(String),
);

const EDGE_DATES = [
  '1970-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z',
  '2024-02-30T00:00:00Z', '2024-12-31T23:59:60Z', '2024-01-01T24:00:00Z', '2024-06-01 12:00:00', '2024-06-01T12:00:00+14:00',
  '2024-06-01T12:00:00-12:00', '2024-06-01T12:00:00+23:59', '2024-06-01T12:00:00.123456789Z', '2024-06-01', '1717243200',
  '1717243200000', '8640000000000001', 'yesterday', '',
];
export const edgeDate = fc.oneof(
  fc.constantFrom(...EDGE_DATES),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(0, -1, 8.64e15, 8.64e15 + 1, 1717243200, 1717243200000),
);

// --- structures ---------------------------------------------------------------------------------

/** An object holding `key` as an own, enumerable property, as JSON.parse builds it (even `__proto__`). */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

const nestedList = (depth: number): unknown => {
  let value: unknown = [];
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};

/** Lists and objects nested from just under the limit to thousands deep, as JSON strings or as JSON. */
export const deepValue = fc
  .tuple(fc.integer({ min: MAX_INPUT_DEPTH - 2, max: 5000 }), fc.constantFrom('list-json', 'object-json', 'list', 'in-list'))
  .map(([depth, form]) => {
    if (form === 'list-json') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    if (form === 'object-json') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    if (form === 'list') return nestedList(depth);
    return ['a', nestedList(depth)];
  });

/** Objects and JSON strings holding prototype keys, at the top or nested. */
export const protoValue = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), fc.constantFrom('object', 'json-item', 'json-nested'))
  .map(([key, form]) => {
    if (form === 'object') return withOwnKey({ A: 'v' }, key, { polluted: true });
    if (form === 'json-item') return `[{${JSON.stringify(key)}: {"polluted": true}, "A": "v"}]`;
    return `[{"A": {${JSON.stringify(key)}: 1}}]`;
  });

/** Any hostile value: structure, size, characters, edge numbers and dates, or plain JSON. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: deepValue },
  { weight: 2, arbitrary: protoValue },
  { weight: 2, arbitrary: edgeNumber },
  { weight: 1, arbitrary: edgeDate },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, '[]', '{}', 'null', '[null]') },
  { weight: 1, arbitrary: hugeString },
);

/** Keys an event should not have, including the prototype keys and keys with control characters. */
const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'a\u0000b', 'line\nbreak', '\u001b[2J', '😀', 'x'.repeat(300), ''),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/**
 * Events for a function with the given fields, in equal shares: every field valid (or left out);
 * one field hostile; every field valid, missing or hostile at random; and `coherent` events if given. Some carry extra keys, and some
 * the execution ARN every function accepts.
 */
export function eventsFor(
  fields: Record<string, fc.Arbitrary<unknown>>,
  coherent?: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields);
  const recordOf = (field: (name: string, good: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>) =>
    fc.record(Object.fromEntries(Object.entries(fields).map(([name, good]) => [name, field(name, good)])));
  const valid = recordOf((_name, good) => fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 9, arbitrary: good }));
  const oneHostile = fc
    .constantFrom(...names)
    .chain((target) => recordOf((name, good) => (name === target ? hostileValue : fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 9, arbitrary: good }))));
  const mixed = recordOf((_name, good) =>
    fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: good }, { weight: 3, arbitrary: hostileValue }),
  );
  const extras = fc.oneof(
    { weight: 8, arbitrary: fc.constant([] as [string, unknown][]) },
    { weight: 2, arbitrary: fc.array(fc.tuple(extraKey, hostileValue), { minLength: 1, maxLength: 3 }) },
  );
  const arn = fc.option(fc.constantFrom('arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/abc123', '\u0000', ''), { freq: 4 });
  // Fields valid one by one can still break a rule across fields: `coherent` events keep every rule.
  const shapes = coherent ? fc.oneof(coherent, valid, oneHostile, mixed) : fc.oneof(valid, oneHostile, mixed);
  return fc.tuple(shapes, extras, arn).map(([values, extra, executionArn]) => {
    const event: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) if (value !== undefined) event[key] = value;
    for (const [key, value] of extra) withOwnKey(event, key, value);
    if (executionArn !== null) event.pipelineExecutionArn = executionArn;
    return event;
  });
}

// --- the property -------------------------------------------------------------------------------

const preview = (value: unknown): string => {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v)) ?? String(value);
  } catch {
    text = '(too deep to print)';
  }
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
};

/** fc.assert with a failure report short enough to read (counterexamples can hold 1 MB strings). */
export async function assertProperty<T>(property: fc.IAsyncPropertyWithHooks<T>, numRuns = RUNS): Promise<void> {
  await fc.assert(property, {
    numRuns,
    reporter: (details) => {
      if (!details.failed) return;
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `property failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath ?? ''}")\n` +
          `counterexample: ${preview(details.counterexample)}\ncause: ${cause.slice(0, 1500)}`,
      );
    },
  });
}

const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Checks a LambdaStep output against the contract: flat, primitives, <= 50 outputs, names <= 256, values <= 1024. */
export function assertOutputContract(outputs: unknown): void {
  expect(typeof outputs === 'object' && outputs !== null && !Array.isArray(outputs)).toBe(true);
  const entries = Object.entries(outputs as object);
  expect(entries.length).toBeLessThanOrEqual(50);
  for (const [name, value] of entries) {
    expect(name.length).toBeGreaterThan(0);
    expect(name.length).toBeLessThanOrEqual(256);
    expect(['string', 'number', 'boolean']).toContain(typeof value);
    if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    expect(String(value).length).toBeLessThanOrEqual(1024);
  }
}

/** True when the message starts with the name of one of `fields` (as the formatter writes it), then `:`, `.` or `[`. */
export function namesAField(message: string, fields: readonly string[]): boolean {
  const body = message.replace(/^Invalid input: /, '');
  const output = /^(output "[^"]+"|too many outputs)/.test(body);
  return output || fields.some((f) => body.startsWith(f) && /^[:.[]/.test(body.slice(f.length)));
}

/**
 * Checks a failure: an expected error (never "failed unexpectedly"), at most `max` characters, no raw
 * control character or lone surrogate, naming one of the event's keys or the function's fields.
 */
export function assertFieldNamedFailure(error: unknown, event: object, schemaFields: readonly string[], max = 1024): void {
  expect(isExpectedError(error)).toBe(true);
  const message = (error as Error).message;
  expect(message.length).toBeLessThanOrEqual(max);
  expect(RAW_CONTROL.test(message)).toBe(false);
  expect(LONE_SURROGATE.test(message)).toBe(false);
  const fields = [...schemaFields, ...Object.keys(event).map((k) => fieldName([k])), 'event'];
  if (!namesAField(message, fields)) throw new Error(`the failure names no field: ${message.slice(0, 300)}`);
}
