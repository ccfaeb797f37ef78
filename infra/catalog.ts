/**
 * The catalog: every function of the stack, once. serverless.yml's functions, their fitted names,
 * roles, Outputs, alarms and dashboard, and the LambdaStep list of lib/core/metric-names.ts derive
 * from it (infra/stack.ts). Adding a function: its handler, its lib code, one entry here.
 */
import type { Statement } from './cfn';
import type { StackContext } from './context';
import { fanOutIam, resultsBucketsVariable } from './fan-out';
import { partitionsIam } from './partitions';
import { postProcessingStatements } from './post-processing';
import { stageNames, queueName } from './names';

/** The queues of the stack: the fan-in's queue, and those that keep what failed. */
export const QUEUES = {
  FanOutQueue: { suffix: 'fan-out', output: "The fan-in queue: a CallbackStep's sqs_queue_url" },
  FanOutDeadLetterQueue: {
    suffix: 'fan-out-dlq',
    output: 'Fan-in queue messages that failed every receive (fanOutCallback)',
    failed: {
      fn: 'fanOutCallback',
      what: 'A fan-out message (a parent CallbackStep start or Stopping notice, or a resume message) failed every receive in fanOutCallback: its parent step was failed on the last one.',
      todo: 'Read the log group (fan-in message failed), fix the cause, then move the messages back to the fan-out queue: aws sqs start-message-move-task --source-arn <this queue ARN>.',
    },
  },
  FanOutFailedEventsQueue: {
    suffix: 'fan-out-failed-events',
    output: "Children's status events that onChildExecutionStatus could not process or receive",
    failed: {
      fn: 'onChildExecutionStatus',
      what: 'Child pipeline status events EventBridge could not deliver to onChildExecutionStatus, or that failed there after the retries.',
      todo: 'Read the log group. sweepFanOuts records the lost ends within 15 minutes (metric FanOutChildEndsRecovered); check the parent with fanOutProgress, then delete the messages (docs/monitoring.md).',
    },
  },
  PostProcessingFailedEventsQueue: {
    suffix: 'post-processing-failed',
    output: 'Pipeline events onPipelineExecutionStatus failed on: scripts/replay-failed-events.sh replays them',
    failed: {
      fn: 'onPipelineExecutionStatus',
      what: 'Pipeline status events whose post-processing (partition registration) failed after the retries, or that EventBridge could not deliver.',
      todo: 'Read the log group (partition registration failed), fix the cause, then replay: scripts/replay-failed-events.sh <stage>.',
    },
  },
} as const;
export type QueueId = keyof typeof QUEUES;

/** What invokes a function. */
export type Trigger =
  | { kind: 'LambdaStep' }
  | { kind: 'SQS'; queue: QueueId; what: string }
  | { kind: 'EventBridge'; rules: 'childStatus' | 'configuredPipelines'; what: string }
  | { kind: 'schedule'; rateMinutes: number }
  | { kind: 'operator' };

export interface FunctionSpec {
  /** `handlers/<file>.handler`. */
  handler: string;
  trigger: Trigger;
  description: string;
  /** Seconds. */
  timeout: number;
  /** MB; the provider's default (256) when absent. */
  memorySize?: number;
  environment?: (ctx: StackContext) => Record<string, string>;
  /** The role's statements besides its own log group (and its on-failure queue, added by the stack). */
  iam: (ctx: StackContext) => Statement[];
  /** Asynchronous invocations that fail after the retries go to this queue. */
  onFailure?: { queue: QueueId; maximumRetryAttempts: (ctx: StackContext) => number };
  /** What an error alarm of this function means (LambdaStep functions share one). */
  errorHint?: string;
  /** Claims fan-outs (COMPLETING, STOPPING) and takes places under maxRunning: CLAIM_LEASE_MS and PLACE_LEASE_MS must outlast its timeout. */
  claimsFanOuts?: true;
}

const fanOutTable = (ctx: StackContext) => ({ FAN_OUT_TABLE: stageNames(ctx.stage).fanOutTable });

export const FUNCTIONS = {
  concat: {
    handler: 'handlers/concat.handler',
    trigger: { kind: 'LambdaStep' },
    description: 'LambdaStep: {str1, str2} -> {str3}',
    timeout: 60,
    iam: () => [],
  },
  joinStrings: {
    handler: 'handlers/join-strings.handler',
    trigger: { kind: 'LambdaStep' },
    description: 'LambdaStep: {on, values} -> {joined}',
    timeout: 60,
    iam: () => [],
  },
  versionedName: {
    handler: 'handlers/versioned-name.handler',
    trigger: { kind: 'LambdaStep' },
    description: 'LambdaStep: {prefix, at?} -> {name} (<prefix>-YYYY-MM-DD-HH-MM-SS)',
    timeout: 60,
    iam: () => [],
  },
  exampleOutputs: {
    handler: 'handlers/example-outputs.handler',
    trigger: { kind: 'LambdaStep' },
    description: 'LambdaStep: typed outputs template (String, Integer, Boolean, Float, JSON)',
    timeout: 60,
    iam: () => [],
  },
  createPartitions: {
    handler: 'handlers/create-partitions.handler',
    trigger: { kind: 'LambdaStep' },
    description: 'LambdaStep: register the Hive partitions found under s3Uri in the Glue Data Catalog',
    // The LambdaStep's ceiling is 10 minutes (the SDK sends no timeout: docs/lambda-step.md): the
    // function stops 15 s before its own timeout with incomplete: true and resumeAfter.
    timeout: 600,
    // A backfill of 100,000 partitions (1M objects) peaks under 300 MB (npm run bench:partitions);
    // 1024 MB also buys the CPU to parse 1,000 listing pages.
    memorySize: 1024,
    iam: partitionsIam.createPartitions,
  },
  repairTable: {
    handler: 'handlers/repair-table.handler',
    trigger: { kind: 'LambdaStep' },
    description: 'LambdaStep: MSCK REPAIR TABLE, or ALTER TABLE ADD PARTITION from S3 discovery, through Athena',
    // MSCK on a large table is slow: the LambdaStep's whole 10 minutes.
    timeout: 600,
    // A plain name rather than !Ref, so that `sls invoke local` can resolve it.
    environment: (ctx) => ({ ATHENA_WORKGROUP: stageNames(ctx.stage).workGroup }),
    iam: partitionsIam.repairTable,
  },
  startChildPipelines: {
    handler: 'handlers/start-child-pipelines.handler',
    trigger: { kind: 'LambdaStep' },
    description: 'LambdaStep: start one child pipeline execution per item (fire and forget)',
    timeout: 600,
    iam: fanOutIam.startChildPipelines,
  },
  fanOutCallback: {
    handler: 'handlers/fan-out-callback.handler',
    trigger: { kind: 'SQS', queue: 'FanOutQueue', what: "a CallbackStep's queue" },
    description: 'CallbackStep queue consumer: start children, stop them on Stopping, resume quota-pending ones',
    timeout: 120,
    // Plain names rather than !Ref: `sls invoke local` would have to ask CloudFormation.
    environment: (ctx) => ({
      ...fanOutTable(ctx),
      FAN_OUT_QUEUE_NAME: queueName(ctx.stage, QUEUES.FanOutQueue.suffix),
      FAN_OUT_RESUME_DELAY_SECONDS: '60',
      FAN_OUT_RESULTS_BUCKETS: resultsBucketsVariable(ctx),
    }),
    iam: fanOutIam.fanOutCallback,
    errorHint: 'The message is retried, then kept in the fan-out-dlq queue.',
    claimsFanOuts: true,
  },
  onChildExecutionStatus: {
    handler: 'handlers/on-child-execution-status.handler',
    trigger: { kind: 'EventBridge', rules: 'childStatus', what: "children's status" },
    description: 'EventBridge: count fan-out children ends, complete the parent callback step',
    timeout: 120,
    environment: (ctx) => ({ ...fanOutTable(ctx), FAN_OUT_RESULTS_BUCKETS: resultsBucketsVariable(ctx) }),
    iam: fanOutIam.onChildExecutionStatus,
    // An end event lost would leave the parent waiting: retry, then keep what fails in a queue.
    onFailure: { queue: 'FanOutFailedEventsQueue', maximumRetryAttempts: () => 2 },
    errorHint: 'The event is retried, then kept in the fan-out-failed-events queue; the sweep recovers the ends.',
    claimsFanOuts: true,
  },
  sweepFanOuts: {
    handler: 'handlers/sweep-fan-outs.handler',
    trigger: { kind: 'schedule', rateMinutes: 15 },
    description: 'Scheduled: record fan-out children ends whose status event was never processed',
    // What one sweep leaves, the next continues.
    timeout: 120,
    environment: (ctx) => ({
      ...fanOutTable(ctx),
      FAN_OUT_SWEEP_MIN_AGE_MINUTES: '15',
      // deploy.alarms.fanOutStalledAfterMinutes: the FanOutsStalled metric (infra/monitoring.ts alarms on it).
      FAN_OUT_STALLED_AFTER_MINUTES: String(ctx.alarms.fanOutStalledAfterMinutes),
      FAN_OUT_RESULTS_BUCKETS: resultsBucketsVariable(ctx),
    }),
    iam: fanOutIam.sweepFanOuts,
    errorHint: 'A fan-out could not be swept (logged: fan-out sweep failed); the next sweep retries it.',
    claimsFanOuts: true,
  },
  fanOutProgress: {
    handler: 'handlers/fan-out-progress.handler',
    trigger: { kind: 'operator' },
    description: "Operator query: {parentExecutionArn} -> the fan-out's progress, from the state table only",
    timeout: 30,
    environment: fanOutTable,
    iam: fanOutIam.fanOutProgress,
    errorHint: 'An operator query failed (bad ARN, or the table could not be read).',
  },
  onPipelineExecutionStatus: {
    handler: 'handlers/on-pipeline-execution-status.handler',
    trigger: { kind: 'EventBridge', rules: 'configuredPipelines', what: 'configured pipelines' },
    description: 'EventBridge: SageMaker pipeline status changes -> logs, metrics, partition registration (config/post-processing.json)',
    // Not a LambdaStep (no 10-minute step limit): Athena MSCK on a large table can take long.
    timeout: 900,
    // Whole-table Glue routes can be backfills (see createPartitions): same memory.
    memorySize: 1024,
    iam: postProcessingStatements,
    // Failed events are retried, then kept in the on-failure queue (docs/operations.md).
    onFailure: { queue: 'PostProcessingFailedEventsQueue', maximumRetryAttempts: (ctx) => ctx.deploy.maximumRetryAttempts },
    errorHint: 'Failed events are retried, then kept in the post-processing-failed queue for a replay.',
  },
} as const satisfies Record<string, FunctionSpec>;

export type Catalog = Record<string, FunctionSpec>;
export type FunctionName = keyof typeof FUNCTIONS;
/** The LambdaStep targets: the `function` dimension of their metrics (defineLambdaStep's `name`). */
export type LambdaStepFunction = {
  [K in FunctionName]: (typeof FUNCTIONS)[K]['trigger'] extends { kind: 'LambdaStep' } ? K : never;
}[FunctionName];

/** The names of a catalog's functions whose trigger is of a kind. */
export const functionsTriggeredBy = (catalog: Catalog, kind: Trigger['kind']): string[] =>
  Object.entries(catalog)
    .filter(([, spec]) => spec.trigger.kind === kind)
    .map(([name]) => name);

/** The LambdaStep functions, in catalog order. */
export const LAMBDA_STEP_FUNCTIONS = functionsTriggeredBy(FUNCTIONS, 'LambdaStep') as LambdaStepFunction[];

/** How the README's function table says what calls a function. */
export function calledBy(trigger: Trigger): string {
  switch (trigger.kind) {
    case 'LambdaStep':
      return 'LambdaStep';
    case 'SQS':
      return trigger.what;
    case 'EventBridge':
      return 'EventBridge';
    case 'schedule':
      return 'a schedule';
    case 'operator':
      return 'an operator';
  }
}
