/**
 * The few error classes the functions throw. They are mapped to a caller-facing message once,
 * at the edge (lib/lambda-step/define-step.ts for LambdaStep targets).
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly fields: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Configuration (environment variables, config files) is missing or malformed. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** A resource the input names (database, table, pipeline...) does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** A returned output breaks the LambdaStep limits (count, name length, value length). */
export class OutputLimitError extends Error {
  override name = 'OutputLimitError';
}

/** Some of the work was done, some was not: the message says how much of each. */
export class PartialFailureError extends Error {
  override name = 'PartialFailureError';
}

/** The invocation ran out of time before the work ended (the message says what was left). */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** Errors whose message is written for the pipeline's user and can be surfaced as is. */
export const EXPECTED_ERRORS = [
  InvalidInputError,
  ConfigurationError,
  NotFoundError,
  OutputLimitError,
  PartialFailureError,
  DeadlineError,
] as const;

export function isExpectedError(error: unknown): error is Error {
  return EXPECTED_ERRORS.some((cls) => error instanceof cls);
}

/**
 * Shortens a message to at most `max` characters (UTF-16 units), marking the cut. A cut never falls
 * inside a surrogate pair: half an emoji would be a lone surrogate, which UTF-8 cannot carry.
 */
export function truncate(message: string, max = 1024): string {
  if (message.length <= max) return message;
  let end = Math.max(0, max - 1);
  const last = message.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${message.slice(0, end)}…`;
}

// C0 and C1 controls, DEL, the line and paragraph separators, bidirectional overrides and isolates,
// and surrogates not part of a pair.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Escapes the characters that would break a log line or a failure reason, or hide text from its
 * reader (newline, NUL, ESC, bidirectional overrides, lone surrogates), as `\n` or `\u001b`.
 */
export function escapeControlCharacters(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(UNSAFE_CHARACTERS, (c) =>
    options.keepNewlines && c === '\n' ? c : (SHORT_ESCAPES[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`),
  );
}

/** A message fit for a FailureReason or a log: control characters escaped, then cut to `max` characters. */
export function safeMessage(message: string, max = 1024): string {
  return truncate(escapeControlCharacters(message), max);
}

/** The name and message of an unknown thrown value, for logs and failure reasons. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    // A thrown list nested thousands deep overflows the stack when joined.
    return `a thrown ${Array.isArray(error) ? 'list' : typeof error}`;
  }
}
