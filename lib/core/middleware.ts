/** Wraps a Lambda handler with middy and the Powertools middlewares, in the order middy documents. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { truncate } from './errors';
import { logger, metrics } from './powertools';

export function withPowertools<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
}

const EXECUTION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[^/]+\/execution\/[^/\s]+$/i;

/** True when the value is a SageMaker pipeline execution ARN. */
export const isPipelineExecutionArn = (value: unknown): value is string =>
  typeof value === 'string' && EXECUTION_ARN.test(value);

/**
 * The pipeline execution ARN an event carries at its top level, if any (a LambdaStep input fed
 * from Execution.PipelineExecutionArn, whatever its name): the invocation's correlation id.
 */
export function findExecutionArn(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  return Object.values(event).find(isPipelineExecutionArn);
}

/**
 * The invocation's correlation id: the execution ARN the event carries, else its `pipelineExecutionArn`
 * input as given (local runs pass other forms), so that input is never ignored.
 */
export function correlationIdOf(event: unknown): string | undefined {
  const arn = findExecutionArn(event);
  if (arn !== undefined || typeof event !== 'object' || event === null || !('pipelineExecutionArn' in event)) return arn;
  const given = event.pipelineExecutionArn;
  return typeof given === 'string' && given.trim() !== '' ? truncate(given.trim(), 256) : undefined;
}
