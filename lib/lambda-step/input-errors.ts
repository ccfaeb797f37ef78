/** Turns schema issues into one short message naming every offending field and what was expected. */
import type * as z from 'zod/mini';
import { truncate } from '../core/errors';

const preview = (input: unknown): string => {
  let text: string;
  try {
    text = typeof input === 'string' ? JSON.stringify(input) : (JSON.stringify(input) ?? String(input));
  } catch {
    text = String(input);
  }
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/** Formats `path[0].key`-style field names. */
export function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'event';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
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
  return truncate(`Invalid input: ${issues.map(describeIssue).join('; ')}`, max);
}

/** The field names the issues point at, for structured logs. */
export function issueFields(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((k) => fieldName([...issue.path, k])) : [fieldName(issue.path)],
  );
}
