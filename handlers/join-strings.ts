import * as z from 'zod/mini';
import { defineLambdaStep, list, MAX_OUTPUT_VALUE_LENGTH, text } from '../lib/lambda-step';
import { joinValues } from '../lib/strings/strings';

/** `{on, values}` -> `{joined}`: values (strings or numbers, a list or a JSON-list string) joined on `on`. */
export const handler = defineLambdaStep({
  name: 'joinStrings',
  input: z.object({
    on: text(),
    values: list(z.union([z.string(), z.number()], { error: 'expected a string or a number' })).check(
      z.minLength(1, { error: 'expected at least one value' }),
    ),
  }),
  run: ({ on, values }) => ({ joined: joinValues(on, values, MAX_OUTPUT_VALUE_LENGTH) }),
});
