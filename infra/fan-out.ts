/**
 * Fan-out / fan-in of child pipelines: the IAM of startChildPipelines, fanOutCallback,
 * onChildExecutionStatus and sweepFanOuts, and the state table. The child pipelines are narrowed by
 * `deploy.childPipelines` (a name or IAM pattern, default `*`); manifests are read from
 * `deploy.fanOutManifestBuckets` (default every bucket), results written to `deploy.fanOutResultsBuckets`.
 */
import { PENDING_INDEX, STATE_INDEX } from '../lib/fan-out/table-indexes';
import { arn, getAtt, RETAIN, sub, type CfnResource, type Statement } from './cfn';
import type { StackContext } from './context';

const table = getAtt('FanOutTable', 'Arn');

/** Start children: DescribePipeline, StartPipelineExecution, ListPipelineExecutions; and retry them. */
const startChildren = (ctx: StackContext): Statement => ({
  Effect: 'Allow',
  Action: ['sagemaker:DescribePipeline', 'sagemaker:StartPipelineExecution', 'sagemaker:ListPipelineExecutions'],
  Resource: [arn('sagemaker', `pipeline/${ctx.deploy.childPipelines}`)],
});

/** RetryPipelineExecution of a failed child (childRetries, a parent's redrive): on the same pipelines. */
const retryChildren = (ctx: StackContext): Statement => ({
  Effect: 'Allow',
  Action: ['sagemaker:RetryPipelineExecution'],
  Resource: [arn('sagemaker', `pipeline/${ctx.deploy.childPipelines}`), arn('sagemaker', `pipeline/${ctx.deploy.childPipelines}/execution/*`)],
});

const childExecutions = (ctx: StackContext): Statement => ({
  Effect: 'Allow',
  Action: ['sagemaker:DescribePipelineExecution', 'sagemaker:StopPipelineExecution'],
  Resource: [arn('sagemaker', `pipeline/${ctx.deploy.childPipelines}/execution/*`)],
});

/** Fan-out manifests (itemsS3Uri): object reads in the buckets deploy.fanOutManifestBuckets lists (default all). */
const readManifests = (ctx: StackContext): Statement => ({
  Effect: 'Allow',
  Action: ['s3:GetObject'],
  Resource: (ctx.deploy.fanOutManifestBuckets ?? ['*']).map((bucket) => arn('s3', `${bucket}/*`, false)),
});

/** Fan-out results (resultsS3Uri): object writes in the buckets deploy.fanOutResultsBuckets lists, none by default. */
const writeResults = (ctx: StackContext): Statement[] =>
  ctx.deploy.fanOutResultsBuckets.length === 0
    ? []
    : [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: ctx.deploy.fanOutResultsBuckets.map((bucket) => arn('s3', `${bucket}/*`, false)) }];

// The parent pipelines' executions (any pipeline may hold the CallbackStep).
const callback: Statement = {
  Effect: 'Allow',
  Action: ['sagemaker:SendPipelineExecutionStepSuccess', 'sagemaker:SendPipelineExecutionStepFailure'],
  Resource: [arn('sagemaker', 'pipeline/*/execution/*')],
};

const state: Statement = {
  Effect: 'Allow',
  Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
  Resource: [table, sub(`\${FanOutTable.Arn}/index/${PENDING_INDEX}`)],
};

/** The statements the fan-in functions share: children, callbacks, state, results. */
const fanIn = (ctx: StackContext): Statement[] => [startChildren(ctx), retryChildren(ctx), childExecutions(ctx), callback, state, ...writeResults(ctx)];

export const fanOutIam = {
  startChildPipelines: (ctx: StackContext): Statement[] => [startChildren(ctx), readManifests(ctx)],
  fanOutCallback: (ctx: StackContext): Statement[] => [
    ...fanIn(ctx),
    readManifests(ctx),
    {
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
      Resource: [getAtt('FanOutQueue', 'Arn')],
    },
  ],
  onChildExecutionStatus: (ctx: StackContext): Statement[] => fanIn(ctx),
  // The backstop for child end events that never arrived: lists running fan-outs through the index.
  sweepFanOuts: (ctx: StackContext): Statement[] => [
    ...fanIn(ctx),
    { Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [sub(`\${FanOutTable.Arn}/index/${STATE_INDEX}`)] },
  ],
  // fanOutProgress reads the table (the header, and the children with Query), nothing else.
  fanOutProgress: (): Statement[] => [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [table] }],
};

/** `FAN_OUT_RESULTS_BUCKETS`: the buckets a fan-out may write its results to, comma-separated ("" when none). */
export const resultsBucketsVariable = (ctx: StackContext): string => ctx.deploy.fanOutResultsBuckets.join(',');

/** The fan-out state table, with its index of fan-outs by state and its sparse index of PENDING children. */
export function fanOutTable(tableName: string): CfnResource {
  return {
    ...RETAIN,
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      TableName: tableName,
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
  };
}
