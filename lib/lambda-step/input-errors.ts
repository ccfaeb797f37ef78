/** Turns schema issues into one short message naming every offending field and what was expected. */
import type * as z from 'zod/mini';
import { safeMessage } from '../core/errors';

const PREVIEW_LENGTH = 40;
const KEY_LENGTH = 60;

/** At most `max` characters of `text`, control characters escaped, never half a surrogate pair. */
const shorten = (text: string, max: number) => safeMessage(text.slice(0, max * 8), max);

/**
 * A short view of an offending value. Never recurses on its own: a list nested thousands deep
 * overflows JSON.stringify and String alike, and is then described by its kind.
 */
const preview = (input: unknown): string => {
  let text: string | undefined;
  try {
    text = JSON.stringify(typeof input === 'string' ? input.slice(0, PREVIEW_LENGTH * 8) : input);
  } catch {
    text = undefined;
  }
  if (text === undefined) text = Array.isArray(input) ? `a list of ${input.length}` : `a ${typeof input}`;
  return shorten(text, PREVIEW_LENGTH);
};

/** Formats `path[0].key`-style field names (keys shortened, control characters escaped). */
export function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'event';
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const key = shorten(String(p), KEY_LENGTH);
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = fieldName(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${fieldName([...issue.path, k])}: unexpected field`).join('; ');
  }
  // zod/mini has no locale: its own messages say only "Invalid input".
  const message =
    issue.message === 'Invalid input' && issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
  if (issue.input === undefined && issue.code === 'invalid_type') return `${field}: required (${message})`;
  const got = 'input' in issue && issue.input !== undefined ? ` (got ${preview(issue.input)})` : '';
  return `${field}: ${message}${got}`;
}

/** "Invalid input: a: expected an integer (got "x"); b: required (expected a string)", at most `max` characters. */
export function formatInputIssues(issues: readonly z.core.$ZodIssue[], max = 1024): string {
  return safeMessage(`Invalid input: ${issues.map(describeIssue).join('; ')}`, max);
}

/** The field names the issues point at, for structured logs. */
export function issueFields(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((k) => fieldName([...issue.path, k])) : [fieldName(issue.path)],
  );
}
