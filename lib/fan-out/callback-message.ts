/**
 * The fan-in queue's messages: the parent CallbackStep's start and Stopping messages, and this
 * function's own resume message. AWS's documents disagree on the Stopping message (the
 * StopPipelineExecution reference names its field "Status", the developer guide's example "status"),
 * so the CallbackStep fields are read without regard to case.
 */
import { isDeepStrictEqual } from 'node:util';
import { InvalidInputError } from '../core/errors';
import { duplicateKeysOf, JsonTextError, parseJsonText } from '../core/json-text';

/** A CallbackStep start, a CallbackStep Stopping notice, or a resume message. */
export type FanInMessage =
  | { resumeFanOut: string }
  | { token: string; pipelineExecutionArn: string; status: 'Stopping' }
  | { token: string; pipelineExecutionArn: string; arguments: Record<string, unknown> };

const ENVELOPE_FIELDS = ['token', 'pipelineExecutionArn', 'arguments', 'status'] as const;
type EnvelopeField = (typeof ENVELOPE_FIELDS)[number];
const FIELD_BY_LOWER_CASE = new Map<string, EnvelopeField>(ENVELOPE_FIELDS.map((f) => [f.toLowerCase(), f]));

const refuse = (field: string, why: string) =>
  new InvalidInputError(`Invalid fan-in message: ${field}: ${why}`, [field]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const quoted = (v: unknown): string => {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    // A value nested thousands deep overflows the stack when written out: name its kind instead.
    text = `a ${Array.isArray(v) ? 'list' : typeof v} nested too deep to show`;
  }
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/**
 * Gathers the envelope fields whatever their case (`Status`, `STATUS`...). A field given twice with
 * different values is refused: guessing which one SageMaker meant could start or stop the wrong work.
 */
function envelopeFields(body: Record<string, unknown>): Partial<Record<EnvelopeField, unknown>> {
  const fields: Partial<Record<EnvelopeField, unknown>> = {};
  const spelling: Partial<Record<EnvelopeField, string>> = {};
  for (const [key, value] of Object.entries(body)) {
    const field = FIELD_BY_LOWER_CASE.get(key.toLowerCase());
    if (field === undefined) continue;
    const seen = spelling[field];
    if (seen !== undefined && !isDeepStrictEqual(fields[field], value)) {
      throw refuse(field, `given twice with different values (as ${quoted(seen)} and ${quoted(key)})`);
    }
    fields[field] = value;
    spelling[field] = key;
  }
  return fields;
}

const requiredText = (fields: Partial<Record<EnvelopeField, unknown>>, field: 'token' | 'pipelineExecutionArn'): string => {
  const value = fields[field];
  if (value === undefined) throw refuse(field, 'required');
  if (typeof value !== 'string' || value === '') throw refuse(field, `expected a non-empty string (got ${quoted(value)})`);
  return value;
};

/**
 * Reads one queue message body. `status` (any case) "Stopping" makes a Stopping notice, whatever else
 * the message carries; no status, or "Executing", makes a start, which needs `arguments` (an object).
 * Any other status is refused rather than guessed at. Status values are compared without regard to case.
 */
export function parseFanInMessage(body: string): FanInMessage {
  let message: unknown;
  try {
    // Numbers kept as written, keys given twice recorded: the arguments' checks name them (lib/core/json-text.ts).
    message = parseJsonText(body, { lenient: true });
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw refuse('body', `expected JSON (${error.message})`);
  }
  if (!isObject(message)) throw refuse('body', `expected a JSON object (got ${quoted(message)})`);
  const twice = duplicateKeysOf(message)[0];
  if (twice !== undefined) throw refuse(FIELD_BY_LOWER_CASE.get(twice.toLowerCase()) ?? 'body', `key ${quoted(twice)} given twice`);
  if (Object.hasOwn(message, 'resumeFanOut')) {
    const parent = message.resumeFanOut;
    if (typeof parent !== 'string' || parent === '') throw refuse('resumeFanOut', `expected a non-empty string (got ${quoted(parent)})`);
    return { resumeFanOut: parent };
  }
  const fields = envelopeFields(message);
  const token = requiredText(fields, 'token');
  const pipelineExecutionArn = requiredText(fields, 'pipelineExecutionArn');
  const status = fields.status;
  if (status !== undefined) {
    const value = typeof status === 'string' ? status.trim().toLowerCase() : undefined;
    if (value === 'stopping') return { token, pipelineExecutionArn, status: 'Stopping' };
    if (value !== 'executing') throw refuse('status', `expected "Stopping" or "Executing", or no status (got ${quoted(status)})`);
  }
  const args = fields.arguments;
  if (args === undefined) throw refuse('arguments', 'required (the CallbackStep inputs; a Stopping message has status "Stopping")');
  if (!isObject(args)) throw refuse('arguments', `expected an object of the CallbackStep inputs (got ${quoted(args)})`);
  return { token, pipelineExecutionArn, arguments: args };
}

/** Where the parent's step can be answered: its callback token (and parent execution, when readable). */
export interface CallbackAddress {
  token: string;
  pipelineExecutionArn?: string;
}

/**
 * The callback token of a CallbackStep message whatever else is wrong with it (undefined when there is
 * none to read: not JSON, no token, a token given twice with different values, a resume message), so
 * a message that cannot be handled still ends its parent's step.
 */
export function callbackAddress(body: string): CallbackAddress | undefined {
  try {
    const message: unknown = parseJsonText(body, { lenient: true });
    if (!isObject(message) || Object.hasOwn(message, 'resumeFanOut')) return undefined;
    const twice = new Set(duplicateKeysOf(message).map((key) => key.toLowerCase()));
    // As parseFanInMessage reads them: any case, one value however often given, a key given twice is no answer.
    const read = (field: 'token' | 'pipelineExecutionArn'): string | undefined => {
      if (twice.has(field.toLowerCase())) return undefined;
      const values = Object.entries(message).filter(([key]) => key.toLowerCase() === field.toLowerCase()).map(([, value]) => value);
      const [first] = values;
      return typeof first === 'string' && first !== '' && values.every((v) => v === first) ? first : undefined;
    };
    const token = read('token');
    const parent = read('pipelineExecutionArn');
    if (token === undefined) return undefined;
    return parent === undefined ? { token } : { token, pipelineExecutionArn: parent };
  } catch {
    return undefined;
  }
}
