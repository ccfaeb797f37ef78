/**
 * The stack, built from the catalog and the configuration: serverless.yml's functions, the resources
 * (roles, queues, the table, rules, alarms, dashboard) and the Outputs. The timing rules that tie
 * numbers together are checked here, so a broken one fails `sls package` (and a test).
 */
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../lib/core/metric-names';
import { CLAIM_LEASE_MS, FAN_OUT_QUEUE_MAX_RECEIVE_COUNT, PLACE_LEASE_MS } from '../lib/fan-out/timing';
import type { PostProcessingConfig } from '../lib/post-processing/config';
import { arn, capitalized, getAtt, ref, RETAIN, type CfnResource, type Output, type Resources, type Statement } from './cfn';
import { FUNCTIONS, QUEUES, type Catalog, type FunctionSpec, type QueueId } from './catalog';
import { stackContext, type StackContext } from './context';
import { fanOutTable } from './fan-out';
import { functionRole, routedTables, StackLimitError } from './iam';
import { checkStage } from './limits';
import { functionId, monitoringResources } from './monitoring';
import { functionName, queueName, ruleName, stageNames } from './names';
import { partitionsResources } from './partitions';
import { statusRules } from './post-processing';

/** A function as osls's serverless.yml takes it. */
export interface SlsFunction {
  name: string;
  handler: string;
  role: string;
  description: string;
  timeout: number;
  memorySize?: number;
  environment?: Record<string, string>;
  maximumRetryAttempts?: number;
  destinations?: { onFailure: { type: 'sqs'; arn: unknown } };
  events?: Record<string, unknown>[];
}

export interface Stack {
  stackName: string;
  /** provider.environment: what every function gets. */
  environment: Record<string, string>;
  functions: Record<string, SlsFunction>;
  Resources: Resources;
  Outputs: Record<string, Output>;
}

const TWO_WEEKS = 1209600;
const queueArn = (id: QueueId) => getAtt(id, 'Arn');

/** The child status rule of onChildExecutionStatus (osls creates it from the function's event). */
const childStatusRule = (stage: string) => ruleName(stage, 'child-status');
const sweepRule = (stage: string) => ruleName(stage, 'fan-out-sweep');

/** The only consumer of an SQS queue in a catalog. */
function consumerOf(catalog: Catalog, queue: QueueId): [string, FunctionSpec] {
  const consumers = Object.entries(catalog).filter(([, spec]) => spec.trigger.kind === 'SQS' && spec.trigger.queue === queue);
  const [first] = consumers;
  if (consumers.length !== 1 || !first) throw new Error(`${queue}: expected one consuming function in the catalog, found ${consumers.length}`);
  return first;
}

/** The one scheduled function's rate in minutes (the fan-out gauges' period). */
function sweepMinutes(catalog: Catalog): number {
  const rates = Object.values(catalog).flatMap((spec) => (spec.trigger.kind === 'schedule' ? [spec.trigger.rateMinutes] : []));
  const [rate] = rates;
  if (rates.length !== 1 || rate === undefined) throw new Error(`expected one scheduled function in the catalog, found ${rates.length}`);
  return rate;
}

/** The queues: each retained, encrypted, kept 14 days; the fan-in queue's timing from its consumer. */
function queues(ctx: StackContext, catalog: Catalog): Resources {
  const out: Resources = {};
  for (const id of Object.keys(QUEUES) as QueueId[]) {
    out[id] = {
      ...RETAIN,
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: queueName(ctx.stage, QUEUES[id].suffix), MessageRetentionPeriod: TWO_WEEKS, SqsManagedSseEnabled: true },
    };
  }
  const [, consumer] = consumerOf(catalog, 'FanOutQueue');
  Object.assign(out.FanOutQueue?.Properties ?? {}, {
    // At least 6x the consumer's timeout, as Lambda's SQS event source asks.
    VisibilityTimeout: consumer.timeout * 6,
    RedrivePolicy: { deadLetterTargetArn: queueArn('FanOutDeadLetterQueue'), maxReceiveCount: FAN_OUT_QUEUE_MAX_RECEIVE_COUNT },
  });
  return out;
}

/**
 * A policy letting exactly the EventBridge rules named send the events they could not deliver to the
 * queue (their dead-letter queue); none when no rule uses it.
 */
function deadLetterPolicy(queue: QueueId, ruleNames: string[]): Resources {
  if (ruleNames.length === 0) return {};
  return {
    [`${queue}Policy`]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(queue)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queueArn(queue),
              Condition: { ArnEquals: { 'aws:SourceArn': ruleNames.map((name) => arn('events', `rule/${name}`)) } },
            },
          ],
        },
      },
    },
  };
}

/** The function's events as osls takes them (the configured pipelines' rules are resources: statusRules). */
function events(ctx: StackContext, spec: FunctionSpec): Record<string, unknown>[] {
  const trigger = spec.trigger;
  switch (trigger.kind) {
    case 'SQS':
      return [{ sqs: { arn: queueArn(trigger.queue), batchSize: 1, functionResponseType: 'ReportBatchItemFailures' } }];
    case 'schedule':
      return [{ schedule: { name: sweepRule(ctx.stage), rate: `rate(${trigger.rateMinutes} minutes)` } }];
    case 'EventBridge': {
      if (trigger.rules !== 'childStatus' || !spec.onFailure) return [];
      return [
        {
          eventBridge: {
            name: childStatusRule(ctx.stage),
            pattern: {
              source: ['aws.sagemaker'],
              'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
              detail: { currentPipelineExecutionStatus: ['Succeeded', 'Failed', 'Stopped'] },
            },
            retryPolicy: { maximumEventAge: 86400, maximumRetryAttempts: 20 },
            deadLetterQueueArn: queueArn(spec.onFailure.queue),
          },
        },
      ];
    }
    default:
      return [];
  }
}

/** The option that makes a function's statements grow, named when they cannot fit. */
const OPTION_OF: Record<string, string> = { onPipelineExecutionStatus: 'pipelines (their names, routes and tables)' };

/** A rule that ties two numbers of the stack together is broken (a catalog or lib/fan-out/timing.ts edit). */
export class TimingRuleError extends Error {
  override name = 'TimingRuleError';
}

/** The timing rules that keep the fan-in safe, over a catalog and the resources built from it: each broken one, described. */
export function timingProblems(catalog: Catalog, resources: Resources): string[] {
  const problems: string[] = [];
  const [consumer, consumerSpec] = consumerOf(catalog, 'FanOutQueue');
  const queue = resources.FanOutQueue?.Properties ?? {};
  if (queue.VisibilityTimeout !== consumerSpec.timeout * 6) {
    problems.push(`FanOutQueue's VisibilityTimeout (${String(queue.VisibilityTimeout)}) must be 6 x ${consumer}'s timeout (${consumerSpec.timeout} s)`);
  }
  const redrive = queue.RedrivePolicy as { maxReceiveCount?: number } | undefined;
  if (redrive?.maxReceiveCount !== FAN_OUT_QUEUE_MAX_RECEIVE_COUNT) {
    problems.push(`FanOutQueue's maxReceiveCount must be FAN_OUT_QUEUE_MAX_RECEIVE_COUNT (${FAN_OUT_QUEUE_MAX_RECEIVE_COUNT})`);
  }
  for (const [fn, spec] of Object.entries(catalog)) {
    if (spec.claimsFanOuts && CLAIM_LEASE_MS <= spec.timeout * 1000) {
      problems.push(`CLAIM_LEASE_MS (${CLAIM_LEASE_MS} ms) must outlast ${fn}'s timeout (${spec.timeout} s): a live claim would be taken over`);
    }
    if (spec.claimsFanOuts && PLACE_LEASE_MS <= spec.timeout * 1000) {
      problems.push(`PLACE_LEASE_MS (${PLACE_LEASE_MS} ms) must outlast ${fn}'s timeout (${spec.timeout} s): a child being started would be started twice`);
    }
  }
  const gaugePeriod = sweepMinutes(catalog) * 60;
  const stalled = resources.FanOutsStalledAlarm?.Properties.Period;
  if (stalled !== undefined && stalled !== gaugePeriod) {
    problems.push(`FanOutsStalledAlarm's period (${String(stalled)} s) must be the sweep's rate (${gaugePeriod} s)`);
  }
  return problems;
}

/** Builds the stack of a stage from a validated configuration and a catalog (the stack's own by default). */
export function buildStack(stage: string, config: PostProcessingConfig, catalog: Catalog = FUNCTIONS): Stack {
  checkStage(stage);
  const ctx = stackContext(stage, config);
  const functions: Record<string, SlsFunction> = {};
  // What the roles refer to first: their sizes are measured with these names.
  const Resources: Resources = { ...queues(ctx, catalog), FanOutTable: fanOutTable(stageNames(stage).fanOutTable), ...partitionsResources(ctx) };
  const rulesByQueue = new Map<QueueId, string[]>();
  const addRules = (queue: QueueId, names: string[]) => rulesByQueue.set(queue, [...(rulesByQueue.get(queue) ?? []), ...names]);
  for (const [fn, spec] of Object.entries(catalog)) {
    const id = capitalized(fn);
    const name = functionName(stage, fn);
    // Lambda checks that the role may send to the on-failure destination when it sets it up: inline.
    const essential: Statement[] = spec.onFailure ? [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: queueArn(spec.onFailure.queue) }] : [];
    Object.assign(
      Resources,
      functionRole({ id, fn, functionName: name, vpc: ctx.deploy.vpc !== undefined, essential, statements: spec.iam(ctx), option: OPTION_OF[fn] ?? fn, resources: Resources }),
    );
    const environment = spec.environment?.(ctx);
    functions[fn] = {
      name,
      handler: spec.handler,
      role: `${id}Role`,
      description: spec.description,
      timeout: spec.timeout,
      ...(spec.memorySize ? { memorySize: spec.memorySize } : {}),
      ...(environment ? { environment } : {}),
      ...(spec.onFailure
        ? { maximumRetryAttempts: spec.onFailure.maximumRetryAttempts(ctx), destinations: { onFailure: { type: 'sqs' as const, arn: queueArn(spec.onFailure.queue) } } }
        : {}),
      events: events(ctx, spec),
    };
    if (spec.trigger.kind === 'EventBridge') {
      // What a rule cannot deliver, and what fails after Lambda's retries, is kept in that queue.
      if (!spec.onFailure) throw new Error(`${fn}: an EventBridge function needs an on-failure queue for its rules' dead letters`);
      if (spec.trigger.rules === 'childStatus') addRules(spec.onFailure.queue, [childStatusRule(stage)]);
      else {
        const built = statusRules(ctx, { functionId: functionId(fn), deadLetterQueue: spec.onFailure.queue });
        Object.assign(Resources, built.resources);
        addRules(spec.onFailure.queue, built.rules.map((r) => r.name));
      }
    }
  }
  for (const [queue, names] of rulesByQueue) Object.assign(Resources, deadLetterPolicy(queue, names));
  Object.assign(Resources, monitoringResources(ctx, catalog, sweepMinutes(catalog) * 60));
  tagResources(Resources, ctx);
  const problems = timingProblems(catalog, Resources);
  if (problems.length > 0) throw new TimingRuleError(`Timing rules broken: ${problems.join('; ')}`);
  const environment = { POWERTOOLS_SERVICE_NAME: METRICS_SERVICE, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE };
  return { stackName: stageNames(stage).stack, environment, functions, Resources, Outputs: outputs(catalog) };
}

/** The Outputs: each LambdaStep function's ARN (what `Lambda(function_arn=...)` takes), the queues' URLs. */
function outputs(catalog: Catalog): Record<string, Output> {
  const out: Record<string, Output> = {};
  for (const [fn, spec] of Object.entries(catalog)) {
    if (spec.trigger.kind !== 'LambdaStep') continue;
    out[`${capitalized(fn)}FunctionArn`] = { Description: `LambdaStep target ${fn}: Lambda(function_arn=...)`, Value: getAtt(functionId(fn), 'Arn') };
  }
  for (const id of Object.keys(QUEUES) as QueueId[]) out[`${id}Url`] = { Description: QUEUES[id].output, Value: ref(id) };
  out.FanOutQueueArn = { Description: "The fan-in queue's ARN: the pipeline's role needs sqs:SendMessage on it", Value: queueArn('FanOutQueue') };
  return out;
}

// Resource types that take a `Tags: [{Key, Value}]` list: the cost-allocation tag is added to them.
const TAGGABLE = new Set([
  'AWS::IAM::Role',
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::Events::Rule',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
]);

/** Adds the cost-allocation tag to every taggable resource. */
function tagResources(resources: Resources, ctx: StackContext): void {
  const tag = ctx.deploy.costAllocationTag;
  if (!tag) return;
  for (const resource of Object.values(resources)) {
    if (!TAGGABLE.has(resource.Type)) continue;
    const existing = (resource.Properties.Tags ?? []) as { Key: string; Value: string }[];
    if (!existing.some((t) => t.Key === tag.key)) resource.Properties.Tags = [...existing, { Key: tag.key, Value: tag.value }];
  }
}

// The examples config/post-processing.json ships with: a deploy that still holds them is warned.
export const SHIPPED_EXAMPLES = {
  pipelines: ['myPipeline-123', 'nightly-report'],
  buckets: ['example-ml-bucket', 'example-reports-bucket', 'example-athena-results'],
};

/** What a deploy of this configuration should be told (it still deploys). */
export function deployWarnings(config: PostProcessingConfig): string[] {
  const ctx = stackContext('dev', config);
  const warnings: string[] = [];
  const pipelines = Object.keys(config.pipelines).filter((p) => SHIPPED_EXAMPLES.pipelines.includes(p));
  if (pipelines.length > 0) warnings.push(`config/post-processing.json still routes the shipped example pipelines ${pipelines.join(', ')}: replace them (docs/deploy.md)`);
  const locations = routedTables(config).flatMap((r) => [r.location, ...(r.athena ? [r.athena.outputLocation] : [])]);
  const buckets = [...new Set(locations.map((uri) => /^s3:\/\/([^/]+)/.exec(uri)?.[1] ?? ''))].filter((b) => SHIPPED_EXAMPLES.buckets.includes(b));
  if (buckets.length > 0) warnings.push(`config/post-processing.json still names the shipped example buckets ${buckets.join(', ')}`);
  if (ctx.alarms.enabled && ctx.alarms.email.length === 0 && ctx.alarms.topicArn === undefined) {
    warnings.push('the alarms notify nobody: set deploy.alarms.email or deploy.alarms.topicArn (docs/monitoring.md)');
  }
  return warnings;
}

export { deployOptions, parsePostProcessingConfig } from '../lib/post-processing/config';
export { StackLimitError };
export type { CfnResource };
