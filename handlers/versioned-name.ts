import * as z from 'zod/mini';
import { boolean, defineLambdaStep, nonEmptyText } from '../lib/lambda-step';
import { instant } from '../lib/strings/instant';
import { versionedName } from '../lib/strings/strings';

/**
 * `{prefix, at?, normalize?}` -> `{name}`: `<prefix>-YYYY-MM-DD-HH-MM-SS` (UTC), a valid pipeline name.
 * `at` (default now) takes ISO 8601 with `T` or a space, or epoch seconds or milliseconds (see parseInstant).
 */
export const handler = defineLambdaStep({
  name: 'versionedName',
  input: z.object({ prefix: nonEmptyText(), at: z.optional(instant()), normalize: z.optional(boolean()) }),
  run: ({ prefix, at, normalize }) => ({ name: versionedName(prefix, at ?? new Date(), { normalize }) }),
});
