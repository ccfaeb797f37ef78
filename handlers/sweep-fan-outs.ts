import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbClient, sageMakerClient } from '../lib/core/aws-clients';
import { readEnv, requiredVar } from '../lib/core/config';
import { withPowertools } from '../lib/core/middleware';
import { logger, metrics, MetricUnit } from '../lib/core/powertools';
import { FanInStore } from '../lib/fan-out/fan-in-store';
import { sweepFanOuts, type SweepResult } from '../lib/fan-out/sweep';
import { integer } from '../lib/lambda-step/inputs';

const config = readEnv(
  z.object({
    FAN_OUT_TABLE: requiredVar(),
    FAN_OUT_SWEEP_MIN_AGE_MINUTES: z._default(integer({ min: 0, max: 40_320 }), 15),
  }),
);

/**
 * Scheduled: the backstop of the fan-in. Records the ends of children whose status event was never
 * processed, then starts pending children and sends callbacks left unsent. The event's content is not
 * used. Fails (for the Errors metric and Lambda's retries) when a fan-out could not be swept.
 */
export const handler = withPowertools(async (_event: unknown, context: Context): Promise<SweepResult> => {
  const deps = {
    sageMaker: sageMakerClient(),
    store: new FanInStore(DynamoDBDocumentClient.from(dynamoDbClient()), config.FAN_OUT_TABLE),
    remainingTimeMs: () => context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
  };
  const result = await sweepFanOuts(deps, { minAgeMs: config.FAN_OUT_SWEEP_MIN_AGE_MINUTES * 60_000 });
  metrics.addMetric('FanOutChildEndsRecovered', MetricUnit.Count, result.endsRecovered);
  metrics.addMetric('FanOutCompletionsTakenOver', MetricUnit.Count, result.completionsTakenOver);
  logger.info('fan-out sweep done', { ...result });
  if (result.failed.length > 0) {
    throw new Error(`sweep failed for ${result.failed.length} of ${result.fanOuts} fan-outs (logged; the next sweep retries them)`);
  }
  return result;
});
