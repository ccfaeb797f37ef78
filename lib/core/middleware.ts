/** Wraps a Lambda handler with middy and the Powertools middlewares, in the order middy documents. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './powertools';

/** `metrics: false` for a function that publishes none (Powertools would warn on every invocation). */
export function withPowertools<E, R>(handler: (event: E, context: Context) => Promise<R>, options: { metrics?: boolean } = {}) {
  const wrapped = middy(handler).use(injectLambdaContext(logger, { resetKeys: true }));
  return options.metrics === false ? wrapped : wrapped.use(logMetrics(metrics, { throwOnEmptyMetrics: false }));
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
