/**
 * The LambdaStep contract in one piece: parse the step's inputs with a schema, run the use case,
 * shape the outputs, and map errors to one short FailureReason. Every LambdaStep handler is one call.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { describeError, InvalidInputError, isExpectedError, safeMessage } from '../core/errors';
import { correlationIdOf, findExecutionArn, withPowertools } from '../core/middleware';
import { logger, metrics, MetricUnit } from '../core/powertools';
import { formatInputIssues, issueFields } from './input-errors';
import { findInputHazards } from './inputs';
import { MAX_OUTPUT_VALUE_LENGTH, toStepOutputs, type StepOutputs } from './outputs';

export interface StepContext {
  /** Milliseconds left before Lambda stops the invocation. */
  remainingTimeMs(): number;
  /** The pipeline execution ARN the event carried, if any. */
  executionArn?: string;
  lambdaContext: Context;
}

export interface LambdaStepDefinition<S extends z.ZodMiniObject> {
  /** The function's name, used in logs, metrics and messages. */
  name: string;
  /** The inputs' schema. Unknown fields are refused, so a misspelt input is never ignored. */
  input: S;
  run(input: z.infer<S>, context: StepContext): Promise<object> | object;
}

/** The input every LambdaStep accepts besides its own: the pipeline execution ARN, for correlation. */
export const CORRELATION_KEY = 'pipelineExecutionArn';

/** Validates a LambdaStep event against a schema, throwing an InvalidInputError naming every bad field. */
export function parseStepInput<S extends z.ZodMiniObject>(schema: S, event: unknown): z.infer<S> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidInputError('Invalid input: event: expected an object of step inputs', ['event']);
  }
  const hazards = findInputHazards(event);
  if (hazards.length > 0) {
    const issues = hazards.map((h): z.core.$ZodIssue => ({ code: 'custom', path: h.path, message: h.message, input: undefined }));
    throw new InvalidInputError(formatInputIssues(issues, MAX_OUTPUT_VALUE_LENGTH), issueFields(issues));
  }
  // Every step may pass its execution ARN (for log correlation) as `pipelineExecutionArn`.
  const shape = CORRELATION_KEY in schema.shape ? schema.shape : { ...schema.shape, [CORRELATION_KEY]: z.optional(z.string()) };
  // The schema's own checks (rules across fields) are kept on the strict copy.
  const strict = z.strictObject(shape).check(...((schema._zod.def.checks ?? []) as z.core.$ZodCheck<Record<string, unknown>>[]));
  const parsed = strict.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidInputError(formatInputIssues(parsed.error.issues, MAX_OUTPUT_VALUE_LENGTH), issueFields(parsed.error.issues));
  }
  const { [CORRELATION_KEY]: _arn, ...data } = parsed.data as Record<string, unknown>;
  return (CORRELATION_KEY in schema.shape ? parsed.data : data) as z.infer<S>;
}

/**
 * Escapes and shortens an error's message in place, in its stack's first line too (the Lambda
 * runtime logs the stack as the error's trace).
 */
function sanitizeMessage(error: Error): void {
  const header = `${error.name}: ${error.message}`;
  error.message = safeMessage(error.message, MAX_OUTPUT_VALUE_LENGTH);
  if (error.stack?.startsWith(header)) error.stack = `${error.name}: ${error.message}${error.stack.slice(header.length)}`;
}

/** Builds the Lambda handler of a LambdaStep target. */
export function defineLambdaStep<S extends z.ZodMiniObject>(definition: LambdaStepDefinition<S>) {
  return withPowertools(async (event: unknown, lambdaContext: Context): Promise<StepOutputs> => {
    const executionArn = findExecutionArn(event);
    const correlationId = correlationIdOf(event);
    if (correlationId) logger.setCorrelationId(correlationId);
    metrics.addDimension('function', definition.name);
    try {
      const input = parseStepInput(definition.input, event);
      const outputs = toStepOutputs(
        await definition.run(input, {
          executionArn,
          lambdaContext,
          remainingTimeMs: () => lambdaContext.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
        }),
      );
      logger.info('step succeeded', { function: definition.name, outputs: Object.keys(outputs) });
      metrics.addMetric('StepSucceeded', MetricUnit.Count, 1);
      return outputs;
    } catch (error) {
      metrics.addMetric('StepFailed', MetricUnit.Count, 1);
      if (isExpectedError(error)) {
        // Messages quote inputs: escape what could break a log line or the FailureReason first.
        sanitizeMessage(error);
        logger.warn('step failed', { function: definition.name, error });
        throw error;
      }
      logger.error('step failed unexpectedly', error as Error);
      throw new Error(
        safeMessage(
          `${definition.name} failed unexpectedly: ${describeError(error)} (request ${lambdaContext.awsRequestId ?? 'unknown'})`,
          MAX_OUTPUT_VALUE_LENGTH,
        ),
        { cause: error },
      );
    }
  });
}
