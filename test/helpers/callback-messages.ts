/**
 * The CallbackStep's SQS messages in every form AWS documents: the test doubles send each of them.
 * The StopPipelineExecution reference names the Stopping message's field "Status", the developer
 * guide's example "status"; one public example also puts `"status": "Executing"` on start messages.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';

export interface CallbackStep {
  token: string;
  pipelineExecutionArn: string;
  arguments: Record<string, unknown>;
}

/** The start message's documented forms. */
export const START_FORMS: Record<string, (step: CallbackStep) => Record<string, unknown>> = {
  'arguments, no status': (s) => ({ token: s.token, pipelineExecutionArn: s.pipelineExecutionArn, arguments: s.arguments }),
  'arguments and "status": "Executing"': (s) => ({ token: s.token, pipelineExecutionArn: s.pipelineExecutionArn, arguments: s.arguments, status: 'Executing' }),
  'arguments and "Status": "Executing"': (s) => ({ token: s.token, pipelineExecutionArn: s.pipelineExecutionArn, arguments: s.arguments, Status: 'Executing' }),
};

/** The Stopping message's documented forms: either casing of the field, with and without the step's arguments. */
export const STOPPING_FORMS: Record<string, (step: CallbackStep) => Record<string, unknown>> = {
  '"status" (developer guide), no arguments': (s) => ({ token: s.token, pipelineExecutionArn: s.pipelineExecutionArn, status: 'Stopping' }),
  '"Status" (API reference), no arguments': (s) => ({ token: s.token, pipelineExecutionArn: s.pipelineExecutionArn, Status: 'Stopping' }),
  '"status" with the original arguments': (s) => ({ token: s.token, pipelineExecutionArn: s.pipelineExecutionArn, arguments: s.arguments, status: 'Stopping' }),
  '"Status" with the original arguments': (s) => ({ token: s.token, pipelineExecutionArn: s.pipelineExecutionArn, arguments: s.arguments, Status: 'Stopping' }),
};

let messageCount = 0;

/** An SQS event carrying `bodies`, one record each, as the queue delivers them. */
export function sqsEventOf(...bodies: Record<string, unknown>[]): SQSEvent {
  return {
    Records: bodies.map((body): SQSRecord => {
      messageCount += 1;
      return {
        messageId: `message-${messageCount}`,
        receiptHandle: `receipt-${messageCount}`,
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1545082649183',
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: '1545082649185',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:sagemaker-pipeline-functions-dev-FanOutQueue',
        awsRegion: 'us-east-1',
      };
    }),
  };
}
