import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { s3Client, sqsClient } from '../lib/core/aws-clients';
import { commaSeparatedList, readEnv, requiredVar } from '../lib/core/config';
import { describeError } from '../lib/core/errors';
import { withPowertools } from '../lib/core/middleware';
import { logger } from '../lib/core/powertools';
import { handleFanInDelivery, isLastDelivery } from '../lib/fan-out/fan-in';
import { fanInHandlerDeps } from '../lib/fan-out/handler-deps';
import { readManifestObject } from '../lib/fan-out/manifest-s3';
import { queueUrlLookup, sendResumeMessage } from '../lib/fan-out/resume-queue';
import { integer } from '../lib/lambda-step/inputs';

const config = readEnv(
  z.object({
    FAN_OUT_TABLE: requiredVar(),
    // The buckets resultsS3Uri may name (deploy.fanOutResultsBuckets; "" when none).
    FAN_OUT_RESULTS_BUCKETS: commaSeparatedList(),
    FAN_OUT_QUEUE_NAME: requiredVar(),
    FAN_OUT_RESUME_DELAY_SECONDS: z._default(integer({ min: 0, max: 900 }), 60),
  }),
);

// Built on the first resume, not at cold start: most fan-ins never wait for quota (and the SQS client loads on first use).
let resumeQueueUrl: (() => Promise<string>) | undefined;

/**
 * The fan-in queue consumer: the parent's CallbackStep message starts the children (or stops them when
 * its status, `status` or `Status`, is Stopping); its own resume messages start children that waited
 * for quota. A message that fails is reported alone (partial batch response) and retried, then
 * dead-lettered: its parent's step is failed on the last delivery.
 */
export const handler = withPowertools(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const deps = {
    ...fanInHandlerDeps(config, context),
    readManifest: (uri: string) => readManifestObject(s3Client(), uri),
    scheduleResume: async (parent: string) => {
      resumeQueueUrl ??= queueUrlLookup(sqsClient(), config.FAN_OUT_QUEUE_NAME);
      await sendResumeMessage(sqsClient(), await resumeQueueUrl(), parent, config.FAN_OUT_RESUME_DELAY_SECONDS);
    },
  };
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
    try {
      await handleFanInDelivery(deps, { body: record.body, ...(Number.isInteger(receiveCount) ? { receiveCount } : {}) });
    } catch (error) {
      // The invocation itself succeeds (exit code 0 under `sls invoke local`, as on Lambda): it
      // reports the message in batchItemFailures, and SQS delivers that one message again.
      const next = isLastDelivery(receiveCount)
        ? 'SQS will move it to the dead-letter queue (its last delivery)'
        : 'SQS will deliver it again (then move it to the dead-letter queue)';
      logger.error(`fan-in message ${record.messageId} failed: ${describeError(error)}; reported in batchItemFailures, so ${next}`, {
        messageId: record.messageId,
        error: error as Error,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});
