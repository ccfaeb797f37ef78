// Fan-out / fan-in of child pipelines: IAM of startChildPipelines, fanOutCallback,
// onChildExecutionStatus and sweepFanOuts, the callback queue (with its dead-letter queue) and the
// state table (with its index of fan-outs by state, which the sweep queries).
// Child pipelines are narrowed by the `childPipelines` stage parameter: a pipeline-name pattern
// (IAM wildcards allowed, default `*`, e.g. `child-*`), passed in ctx by index.js when set.
'use strict';

const { RETAIN, eventBridgeDeadLetterPolicy } = require('./_resources');
const { stageNames } = require('./_names');

const sub = (path) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:${path}` });

/** Function timeouts (seconds), shared with serverless.yml through the queue's visibility timeout rule. */
const CALLBACK_TIMEOUT = 120;

/** The table's index of fan-out headers by state and creation time (child and lookup items have no `state`). */
const STATE_INDEX = 'by-state';
/** The table's sparse index of PENDING children (only they carry `pendingOf`): the next child to start. */
const PENDING_INDEX = 'pending';

/** The names the functions are configured with (serverless.yml reads the same infra/_names.js). */
const names = (stage) => stageNames(stage).fanOut;

module.exports = (ctx) => {
  const name = names(ctx.stage);
  const children = (ctx && ctx.childPipelines) || '*';
  const childPipelines = sub(`pipeline/${children}`);
  const childExecutions = sub(`pipeline/${children}/execution/*`);
  // The parent pipelines' executions (any pipeline may hold the CallbackStep).
  const parentExecutions = sub('pipeline/*/execution/*');
  const table = { 'Fn::GetAtt': ['FanOutTable', 'Arn'] };
  const queue = { 'Fn::GetAtt': ['FanOutQueue', 'Arn'] };
  const failedEvents = { 'Fn::GetAtt': ['FanOutFailedEventsQueue', 'Arn'] };

  const startChildren = {
    Effect: 'Allow',
    Action: ['sagemaker:DescribePipeline', 'sagemaker:StartPipelineExecution', 'sagemaker:ListPipelineExecutions'],
    Resource: [childPipelines],
  };
  // Fan-out manifests (itemsS3Uri): object reads in the buckets deploy.fanOutManifestBuckets lists (default all).
  const manifestBuckets = (ctx && ctx.manifestBuckets) || ['*'];
  const readManifests = {
    Effect: 'Allow',
    Action: ['s3:GetObject'],
    Resource: manifestBuckets.map((bucket) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/*` })),
  };
  const callback = {
    Effect: 'Allow',
    Action: ['sagemaker:SendPipelineExecutionStepSuccess', 'sagemaker:SendPipelineExecutionStepFailure'],
    Resource: [parentExecutions],
  };
  const state = {
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
    Resource: [table, { 'Fn::Sub': `\${FanOutTable.Arn}/index/${PENDING_INDEX}` }],
  };
  const stateIndex = { 'Fn::Sub': `\${FanOutTable.Arn}/index/${STATE_INDEX}` };
  const childExecutionAccess = {
    Effect: 'Allow',
    Action: ['sagemaker:DescribePipelineExecution', 'sagemaker:StopPipelineExecution'],
    Resource: [childExecutions],
  };

  return {
    functions: {
      startChildPipelines: [startChildren, readManifests],
      fanOutCallback: [
        startChildren,
        readManifests,
        childExecutionAccess,
        callback,
        state,
        {
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Resource: [queue],
        },
      ],
      // sqs:SendMessage: the on-failure destination of its asynchronous invocations.
      onChildExecutionStatus: [
        startChildren,
        childExecutionAccess,
        callback,
        state,
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [failedEvents] },
      ],
      // The backstop for child end events that never arrived: reads children's status, records ends,
      // starts pending children, completes the callback; lists running fan-outs through the index.
      sweepFanOuts: [startChildren, childExecutionAccess, callback, state, { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [stateIndex] }],
    },
    resources: {
      FanOutDeadLetterQueue: {
        ...RETAIN,
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: name.deadLetterQueue, MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
      },
      // Retained like the table: it holds the callback messages of parents still waiting.
      FanOutQueue: {
        ...RETAIN,
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: name.queue,
          // At least 6x the consumer's timeout, as Lambda's SQS event source asks.
          VisibilityTimeout: CALLBACK_TIMEOUT * 6,
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['FanOutDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 },
        },
      },
      // Child status events that could not be delivered (rule dead-letter queue) or processed after
      // the function's retries (on-failure destination): kept 14 days for a replay, never lost.
      FanOutFailedEventsQueue: {
        ...RETAIN,
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: name.failedEvents, MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
      },
      FanOutFailedEventsQueuePolicy: eventBridgeDeadLetterPolicy('FanOutFailedEventsQueue', [stageNames(ctx.stage).rules.childStatus]),
      FanOutTable: {
        ...RETAIN,
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: name.table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'state', AttributeType: 'S' },
            { AttributeName: 'createdAt', AttributeType: 'S' },
            { AttributeName: 'pendingOf', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          // Only the headers carry `state` and `createdAt`: the index holds one small entry per fan-out,
          // written when its state changes (KEYS_ONLY: counter updates do not touch it).
          GlobalSecondaryIndexes: [
            {
              IndexName: STATE_INDEX,
              KeySchema: [
                { AttributeName: 'state', KeyType: 'HASH' },
                { AttributeName: 'createdAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
            // Only PENDING children carry `pendingOf` (their fan-out's pk): a child's end finds the next one
            // to start with one Query of this index, whatever the fan-out's size (ALL: the start needs the record).
            {
              IndexName: PENDING_INDEX,
              KeySchema: [
                { AttributeName: 'pendingOf', KeyType: 'HASH' },
                { AttributeName: 'sk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
        },
      },
    },
  };
};

module.exports.CALLBACK_TIMEOUT = CALLBACK_TIMEOUT;
module.exports.names = names;
