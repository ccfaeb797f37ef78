/** The fan-in's resume message: sent to its own queue, delayed, while children wait for quota. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Queues `{resumeFanOut: parentExecutionArn}` with a delay (SQS allows 0-900 seconds). */
export async function sendResumeMessage(sqs: SQSClient, queueUrl: string, parentExecutionArn: string, delaySeconds: number): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify({ resumeFanOut: parentExecutionArn }),
      DelaySeconds: Math.max(0, Math.min(900, delaySeconds)),
    }),
  );
}
