import * as z from 'zod/mini';
import { defineLambdaStep, integer, nonEmptyText } from '../lib/lambda-step';
import { planShards } from '../lib/examples/example-outputs';

/**
 * `{arg1, arg2}` -> output1 (String), output2 (Integer), output3 (Boolean), output4 (Float) and
 * records (a list, returned as a JSON string). Copy this file to start a function of your own.
 */
export const handler = defineLambdaStep({
  name: 'exampleOutputs',
  input: z.object({ arg1: nonEmptyText(), arg2: integer({ min: 0, max: 16 }) }),
  run: ({ arg1, arg2 }) => planShards(arg1, arg2),
});
