import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { dynamoDbClient, sageMakerClient, sqsClient } from '../lib/core/aws-clients';
import { readEnv, requiredVar } from '../lib/core/config';
import { withPowertools } from '../lib/core/middleware';
import { logger } from '../lib/core/powertools';
import { parseFanInMessage } from '../lib/fan-out/callback-message';
import { handleFanInMessage } from '../lib/fan-out/fan-in';
import { FanInStore } from '../lib/fan-out/fan-in-store';
import { queueUrlLookup, sendResumeMessage } from '../lib/fan-out/resume-queue';
import { integer } from '../lib/lambda-step/inputs';

const config = readEnv(
  z.object({
    FAN_OUT_TABLE: requiredVar(),
    FAN_OUT_QUEUE_NAME: requiredVar(),
    FAN_OUT_RESUME_DELAY_SECONDS: z._default(integer({ min: 0, max: 900 }), 60),
  }),
);

const resumeQueueUrl = queueUrlLookup(sqsClient(), config.FAN_OUT_QUEUE_NAME);

/**
 * The fan-in queue consumer: the parent's CallbackStep message starts the children (or stops them when
 * its status, `status` or `Status`, is Stopping); its own resume messages start children that waited
 * for quota. A message that fails is reported alone (partial batch response) and retried, then dead-lettered.
 */
export const handler = withPowertools(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const deps = {
    sageMaker: sageMakerClient(),
    store: new FanInStore(DynamoDBDocumentClient.from(dynamoDbClient()), config.FAN_OUT_TABLE),
    scheduleResume: async (parent: string) =>
      sendResumeMessage(sqsClient(), await resumeQueueUrl(), parent, config.FAN_OUT_RESUME_DELAY_SECONDS),
    remainingTimeMs: () => context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
  };
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    try {
      await handleFanInMessage(deps, parseFanInMessage(record.body));
    } catch (error) {
      logger.error('fan-in message failed', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});
