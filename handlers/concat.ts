import * as z from 'zod/mini';
import { defineLambdaStep, text } from '../lib/lambda-step';
import { concat } from '../lib/strings/strings';

/** `{str1, str2}` -> `{str3}`: plain concatenation. */
export const handler = defineLambdaStep({
  name: 'concat',
  input: z.object({ str1: text(), str2: text() }),
  run: ({ str1, str2 }) => ({ str3: concat(str1, str2) }),
});
