import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { commaSeparatedList, readEnv, requiredVar } from '../lib/core/config';
import { withPowertools } from '../lib/core/middleware';
import { logger } from '../lib/core/powertools';
import { PipelineExecutionStatusChangeEvent } from '../lib/core/sagemaker-events';
import { onChildExecutionEnd } from '../lib/fan-out/fan-in';
import { isEndStatus } from '../lib/fan-out/fan-in-state';
import { fanInHandlerDeps } from '../lib/fan-out/handler-deps';

const config = readEnv(z.object({ FAN_OUT_TABLE: requiredVar(), FAN_OUT_RESULTS_BUCKETS: commaSeparatedList() }));

/**
 * EventBridge pipeline-execution status changes: counts the end of fan-out children (once, whatever
 * the order or repetition of events) and completes the parent's callback step after the last one.
 * Executions that are not fan-out children are ignored: the rule sees every pipeline.
 */
export const handler = withPowertools(async (event: unknown, context: Context): Promise<void> => {
  const parsed = PipelineExecutionStatusChangeEvent.safeParse(event);
  if (!parsed.success) {
    logger.warn('not a pipeline execution status change event: ignored', { issues: parsed.error.issues.length });
    return;
  }
  const { pipelineExecutionArn, currentPipelineExecutionStatus: status } = parsed.data.detail;
  if (!isEndStatus(status)) return;
  logger.appendKeys({ childExecutionArn: pipelineExecutionArn });
  const deps = fanInHandlerDeps(config, context);
  const outcome = await onChildExecutionEnd(deps, pipelineExecutionArn, status);
  if (outcome === 'ignored') logger.debug('not a fan-out child: ignored', { status });
  else logger.info('child end recorded', { status });
});
