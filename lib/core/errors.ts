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

/** Shortens a message to at most `max` characters, marking the cut. */
export function truncate(message: string, max = 1024): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

/** The name and message of an unknown thrown value, for logs and failure reasons. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
