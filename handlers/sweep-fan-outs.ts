import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { commaSeparatedList, readEnv, requiredVar } from '../lib/core/config';
import { withPowertools } from '../lib/core/middleware';
import { Metric } from '../lib/core/metric-names';
import { logger, metrics, MetricUnit } from '../lib/core/powertools';
import { fanOutCensus } from '../lib/fan-out/census';
import { fanInHandlerDeps } from '../lib/fan-out/handler-deps';
import { sweepFanOuts, type SweepResult } from '../lib/fan-out/sweep';
import { integer } from '../lib/lambda-step/inputs';

const config = readEnv(
  z.object({
    FAN_OUT_TABLE: requiredVar(),
    // The buckets resultsS3Uri may name (deploy.fanOutResultsBuckets; "" when none).
    FAN_OUT_RESULTS_BUCKETS: commaSeparatedList(),
    FAN_OUT_SWEEP_MIN_AGE_MINUTES: z._default(integer({ min: 0, max: 40_320 }), 15),
    // A running fan-out with no child end counted for this long counts as stalled (deploy.alarms).
    FAN_OUT_STALLED_AFTER_MINUTES: z._default(integer({ min: 1, max: 40_320 }), 360),
  }),
);

/**
 * Scheduled: the backstop of the fan-in. Records the ends of children whose status event was never
 * processed, then starts pending children and sends callbacks left unsent, and emits the fan-out gauges
 * (running, stalled, children pending and running). The event's content is not
 * used. Fails (for the Errors metric and Lambda's retries) when a fan-out could not be swept.
 */
export const handler = withPowertools(async (_event: unknown, context: Context): Promise<SweepResult> => {
  const deps = fanInHandlerDeps(config, context);
  const result = await sweepFanOuts(deps, { minAgeMs: config.FAN_OUT_SWEEP_MIN_AGE_MINUTES * 60_000 });
  metrics.addMetric(Metric.FanOutChildEndsRecovered, MetricUnit.Count, result.endsRecovered);
  metrics.addMetric(Metric.FanOutCompletionsTakenOver, MetricUnit.Count, result.completionsTakenOver);
  logger.info('fan-out sweep done', { ...result });
  // The gauges of the dashboard and the stalled-fan-out alarm, after the sweep's repairs.
  const census = await fanOutCensus(deps.store, { now: Date.now(), stalledAfterMs: config.FAN_OUT_STALLED_AFTER_MINUTES * 60_000 });
  metrics.addMetric(Metric.FanOutsRunning, MetricUnit.Count, census.running);
  metrics.addMetric(Metric.FanOutsStalled, MetricUnit.Count, census.stalled.length);
  metrics.addMetric(Metric.FanOutChildrenPending, MetricUnit.Count, census.childrenPending);
  metrics.addMetric(Metric.FanOutChildrenRunning, MetricUnit.Count, census.childrenRunning);
  for (const parent of census.stalled) {
    logger.warn('fan-out stalled: no child end counted recently', { parent, stalledAfterMinutes: config.FAN_OUT_STALLED_AFTER_MINUTES });
  }
  if (result.failed.length > 0) {
    throw new Error(`sweep failed for ${result.failed.length} of ${result.fanOuts} fan-outs (logged; the next sweep retries them)`);
  }
  return result;
});
