import * as z from 'zod/mini';
import { boolean, defineLambdaStep, nonEmptyText } from '../lib/lambda-step';
import { versionedName } from '../lib/strings/strings';

// ISO 8601 with a time; without an offset the time is read as UTC.
const isoTime = z.pipe(
  z.iso.datetime({ offset: true, local: true, error: 'expected an ISO 8601 time such as 2024-01-05T03:04:05Z' }),
  z.transform((s: string) => new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`)),
);

/** `{prefix, at?, normalize?}` -> `{name}`: `<prefix>-YYYY-MM-DD-HH-MM-SS` (UTC), a valid pipeline name. */
export const handler = defineLambdaStep({
  name: 'versionedName',
  input: z.object({ prefix: nonEmptyText(), at: z.optional(isoTime), normalize: z.optional(boolean()) }),
  run: ({ prefix, at, normalize }) => ({ name: versionedName(prefix, at ?? new Date(), { normalize }) }),
});
