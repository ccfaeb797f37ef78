/** Shapes a function's result into LambdaStep outputs: a flat object of primitives within the service limits. */
import { OutputLimitError } from '../core/errors';

export const MAX_OUTPUTS = 50;
export const MAX_OUTPUT_NAME_LENGTH = 256;
export const MAX_OUTPUT_VALUE_LENGTH = 1024;

export type StepOutputValue = string | number | boolean;
export type StepOutputs = Record<string, StepOutputValue>;

const shortName = (name: string) => (name.length > 40 ? `${name.slice(0, 40)}…` : name);

/**
 * Strings, finite numbers and booleans pass as they are; any other value (object, list, null) is
 * serialised as a JSON string, to be declared as a String output. Undefined values are left out.
 * Breaking a limit throws an OutputLimitError naming the output: nothing is truncated.
 */
export function toStepOutputs(result: object): StepOutputs {
  const entries = Object.entries(result).filter(([, v]) => v !== undefined);
  if (entries.length > MAX_OUTPUTS) {
    throw new OutputLimitError(`too many outputs: ${entries.length} (a LambdaStep takes at most ${MAX_OUTPUTS})`);
  }
  const outputs: StepOutputs = {};
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > MAX_OUTPUT_NAME_LENGTH) {
      throw new OutputLimitError(
        `output name "${shortName(name)}" is ${name.length} characters (expected 1 to ${MAX_OUTPUT_NAME_LENGTH})`,
      );
    }
    let shaped: StepOutputValue;
    if (typeof value === 'string' || typeof value === 'boolean') shaped = value;
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new OutputLimitError(`output "${shortName(name)}" is ${value}, not a finite number`);
      shaped = value;
    } else if (typeof value === 'bigint') shaped = value.toString();
    else if (typeof value === 'function' || typeof value === 'symbol') {
      throw new OutputLimitError(`output "${shortName(name)}" is a ${typeof value}, not a value`);
    } else shaped = JSON.stringify(value);
    const length = String(shaped).length;
    if (length > MAX_OUTPUT_VALUE_LENGTH) {
      throw new OutputLimitError(
        `output "${shortName(name)}" is ${length} characters (at most ${MAX_OUTPUT_VALUE_LENGTH}): write large data to S3 and return its URI`,
      );
    }
    outputs[name] = shaped;
  }
  return outputs;
}
