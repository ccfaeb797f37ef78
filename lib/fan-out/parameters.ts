/** Turns an item into StartPipelineExecution parameters, checked against the API's limits. */
import { InvalidInputError } from '../core/errors';
import { isPlainNumber, JsonNumber, JsonTextError, notPlain, stringifyJson } from '../core/json-text';
import { fieldName } from '../lambda-step/input-errors';
import { MAX_PARAMETER_NAME_LENGTH, PARAMETER_NAME } from './parameter-name';
import type { FanOutItem } from './request';

export { MAX_PARAMETER_NAME_LENGTH, PARAMETER_NAME } from './parameter-name';

export const MAX_PARAMETERS = 200;
export const MAX_PARAMETER_VALUE_LENGTH = 1024;

export interface PipelineParameter {
  Name: string;
  Value: string;
}

const short = (s: string) => (s.length > 40 ? `${s.slice(0, 39)}…` : s);

/**
 * A parameter value as the API takes it, as written: strings as they are, booleans and numbers in
 * their text (a JsonNumber's own; a JavaScript number only where it cannot have been changed on its
 * way, see isPlainNumber), lists and objects as their compact JSON text (lib/core/json-text.ts).
 */
export function parameterValue(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'number') {
    if (!isPlainNumber(value)) throw new InvalidInputError(`${field}: ${notPlain(value)}`, [field]);
    return String(value);
  }
  if (value === null || value === undefined) {
    throw new InvalidInputError(`${field}: null is not a parameter value (leave the key out to use the pipeline's default)`, [field]);
  }
  try {
    return stringifyJson(value);
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    const at = error.path.length === 0 ? field : `${field}${fieldName(['', ...error.path])}`;
    throw new InvalidInputError(`${at}: ${error.reason}`, [at]);
  }
}

/**
 * The parameters of item `index` (0-based): an object's keys become parameter names; a scalar is
 * passed as `itemParameter`. Throws an InvalidInputError naming `field` (`items[index]`) on any limit breach.
 */
export function itemParameters(item: FanOutItem, index: number, itemParameter: string, field = `items[${index}]`): PipelineParameter[] {
  const entries: [string, unknown][] =
    typeof item === 'object' && item !== null && !(item instanceof JsonNumber) ? Object.entries(item) : [[itemParameter, item]];
  if (entries.length > MAX_PARAMETERS) {
    throw new InvalidInputError(`${field}: ${entries.length} parameters (a pipeline execution takes at most ${MAX_PARAMETERS})`, [field]);
  }
  return entries.map(([name, value]) => {
    const isObject = typeof item === 'object';
    const at = isObject ? `${field}.${short(name)}` : field;
    if (name.length === 0 || name.length > MAX_PARAMETER_NAME_LENGTH || !PARAMETER_NAME.test(name)) {
      // A scalar's parameter name is itemParameter's value: that is the field to fix.
      const nameField = isObject ? at : 'itemParameter';
      throw new InvalidInputError(
        `${nameField}: "${short(name)}" is not a valid parameter name (1-${MAX_PARAMETER_NAME_LENGTH} letters, digits, - or _)`,
        [nameField],
      );
    }
    const text = parameterValue(value, at);
    if (text.length > MAX_PARAMETER_VALUE_LENGTH) {
      throw new InvalidInputError(`${at}: value is ${text.length} characters (at most ${MAX_PARAMETER_VALUE_LENGTH})`, [at]);
    }
    return { Name: name, Value: text };
  });
}
