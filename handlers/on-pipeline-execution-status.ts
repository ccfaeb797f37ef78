import type { Context } from 'aws-lambda';
import rawConfig from '../config/post-processing.json';
import { athenaClient, glueClient, s3Client, sageMakerClient } from '../lib/core/aws-clients';
import { withPowertools } from '../lib/core/middleware';
import { Metric, type MetricName } from '../lib/core/metric-names';
import { logger, metrics, MetricUnit } from '../lib/core/powertools';
import { pipelineNameFromArn } from '../lib/core/sagemaker-events';
import { parsePostProcessingConfig } from '../lib/post-processing/config';
import { parsePipelineEvent, statusOf } from '../lib/post-processing/events';
import { postProcessPipelineEvent } from '../lib/post-processing/post-process';
import { findPipeline } from '../lib/post-processing/routing';
import { partitionRegistrars } from '../lib/post-processing/registrars';
import { routeLabel } from '../lib/post-processing/plan';
import { assertAllSucceeded, registrationLabel, type RegistrationOutcome } from '../lib/post-processing/run-registrations';

// Validated at cold start: a bad file fails every invocation with the field at fault.
const config = parsePostProcessingConfig(rawConfig);

/** Partitions added and registrations failed per `database.table` (a table may have several registrations). */
function tableTotals(outcomes: readonly RegistrationOutcome[]): Map<string, { added: number; failed: number }> {
  const totals = new Map<string, { added: number; failed: number }>();
  for (const o of outcomes) {
    const table = routeLabel(o.registration.route);
    const t = totals.get(table) ?? { added: 0, failed: 0 };
    totals.set(table, { added: t.added + (o.ok ? o.added : 0), failed: t.failed + (o.ok ? 0 : 1) });
  }
  return totals;
}

/** One metric with the `table` dimension alone (the dashboard's per-table widgets), published at once. */
function tableMetric(table: string, name: MetricName, value: number) {
  metrics.singleMetric().addDimension('table', table).addMetric(name, MetricUnit.Count, value);
}

/**
 * EventBridge target for SageMaker pipeline execution (and step) status changes: logs and counts
 * every event, logs why a failed execution failed, and runs the configured post-processing.
 */
export const handler = withPowertools(async (event: unknown, context: Context) => {
  const parsed = parsePipelineEvent(event);
  const { kind, status } = statusOf(parsed);
  const { pipelineArn, pipelineExecutionArn } = parsed.detail;
  logger.appendKeys({ pipelineExecutionArn });
  const registrars = partitionRegistrars({
    s3: s3Client,
    glue: glueClient,
    athena: athenaClient,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });

  // One line and one metric per event, before any work, so that even a failing event is counted.
  const pipeline = findPipeline(config, pipelineArn)?.name ?? pipelineNameFromArn(pipelineArn) ?? pipelineArn;
  const step = 'stepName' in parsed.detail ? parsed.detail.stepName : undefined;
  logger.info(`pipeline ${kind} ${status}`, { eventId: parsed.id, pipeline, pipelineExecutionArn, status, step });
  // Every metric of the invocation (PartitionsAdded too) is per pipeline and status.
  metrics.addDimensions({ pipeline, status });
  metrics.addMetric(kind === 'execution' ? Metric.PipelineExecutionStatus : Metric.PipelineStepStatus, MetricUnit.Count, 1);

  const report = await postProcessPipelineEvent({ sageMaker: sageMakerClient, registrars }, config, parsed);

  switch (report.action) {
    case 'ignored':
      logger.info('event ignored', { pipeline, reason: report.reason });
      return { action: report.action, pipeline, reason: report.reason };
    case 'explained-failure':
      logger.warn('pipeline execution failed', { pipeline, failureReason: report.failureReason ?? 'none given' });
      return { action: report.action, pipeline, failureReason: report.failureReason };
    case 'registered': {
      for (const { route, reason } of report.plan.skipped) logger.info('nothing to register', { table: `${route.database}.${route.table}`, reason });
      for (const outcome of report.outcomes) {
        const registration = registrationLabel(outcome.registration);
        if (outcome.ok) logger.info('partitions registered', { registration, added: outcome.added, result: outcome.result });
        else logger.error('partition registration failed', { registration, error: outcome.error as Error });
      }
      const added = report.outcomes.reduce((n, o) => n + (o.ok ? o.added : 0), 0);
      const failed = report.outcomes.filter((o) => !o.ok).length;
      metrics.addMetric(Metric.PartitionsAdded, MetricUnit.Count, added);
      metrics.addMetric(Metric.RegistrationsFailed, MetricUnit.Count, failed);
      for (const [table, t] of tableTotals(report.outcomes)) {
        tableMetric(table, Metric.PartitionsAdded, t.added);
        tableMetric(table, Metric.RegistrationsFailed, t.failed);
      }
      // Thrown after every registration ran: Lambda retries the event, then sends it to the on-failure queue.
      assertAllSucceeded(report.outcomes);
      return { action: report.action, pipeline, registrations: report.outcomes.length, added };
    }
  }
});
