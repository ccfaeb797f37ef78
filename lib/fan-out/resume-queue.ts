/** The fan-in's resume message: sent to its own queue, delayed, while children wait for quota. */
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The queue's URL from its name, asked once (GetQueueUrl) and kept for the container's life; a
 * failed look-up is asked again next time. The function is configured with the name, a plain string
 * that `sls invoke local` can pass without asking CloudFormation for a `!Ref`.
 */
export function queueUrlLookup(sqs: SQSClient, queueName: string): () => Promise<string> {
  let url: Promise<string> | undefined;
  return () =>
    (url ??= sqs.send(new GetQueueUrlCommand({ QueueName: queueName })).then(
      ({ QueueUrl }) => {
        if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${queueName}`);
        return QueueUrl;
      },
      (error: unknown) => {
        url = undefined;
        throw error;
      },
    ));
}

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
