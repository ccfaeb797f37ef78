import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { queueUrlLookup, sendResumeMessage } from '../../../lib/fan-out/resume-queue';

const URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/sagemaker-pipeline-functions-dev-fan-out';

describe('resume-queue', () => {
  const sqsMock = mockClient(SQSClient);
  afterEach(() => sqsMock.reset());
  afterAll(() => sqsMock.restore());

  it('looks the queue URL up once per container', async () => {
    sqsMock.on(GetQueueUrlCommand, { QueueName: 'sagemaker-pipeline-functions-dev-fan-out' }).resolves({ QueueUrl: URL });
    const lookup = queueUrlLookup(new SQSClient({}), 'sagemaker-pipeline-functions-dev-fan-out');
    await expect(Promise.all([lookup(), lookup()])).resolves.toEqual([URL, URL]);
    await expect(lookup()).resolves.toBe(URL);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
  });

  it('asks again after a failed look-up', async () => {
    sqsMock
      .on(GetQueueUrlCommand)
      .rejectsOnce(Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' }))
      .resolves({ QueueUrl: URL });
    const lookup = queueUrlLookup(new SQSClient({}), 'q');
    await expect(lookup()).rejects.toThrow('The specified queue does not exist.');
    await expect(lookup()).resolves.toBe(URL);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(2);
  });

  it('sends the resume message with the delay clamped to what SQS allows', async () => {
    sqsMock.on(SendMessageCommand).resolves({});
    await sendResumeMessage(new SQSClient({}), URL, 'arn:parent', 5_000);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: URL,
      MessageBody: '{"resumeFanOut":"arn:parent"}',
      DelaySeconds: 900,
    });
  });
});
