/**
 * Operations: the alarms (one SNS topic, or an existing one) and the dashboard, for every function of
 * the catalog and every queue that keeps what failed. Options: `deploy.alarms` (lib/post-processing/config.ts).
 * The custom metrics come from lib/core/metric-names.ts, the list the code emits through.
 */
import { Metric, METRICS_NAMESPACE, METRICS_SERVICE } from '../lib/core/metric-names';
import { PipelineExecutionStatus } from '../lib/core/sagemaker-events';
import { capitalized, getAtt, ref, sub, type CfnValue, type Resources } from './cfn';
import { LAMBDA_STEP_FUNCTIONS, QUEUES, type Catalog, type QueueId } from './catalog';
import type { StackContext } from './context';
import { routedTables } from './iam';
import { NAME_LIMITS, resourceName, SERVICE, shortHash, stageNames } from './names';

const MAX_ALARMS_WIDGET = 100;
// An alarm's suffix names a table (`database.table`, up to 511 characters): longer than this, it is cut
// and ended with a hash of the whole suffix, leaving room for the stage.
const MAX_ALARM_SUFFIX = 200;
// A logical ID holds at most 255 alphanumerics: the table's part is cut to this and ends with its hash.
const MAX_TABLE_ID = 200;
const LAMBDA_STEP_HINT = 'The pipeline step that invoked it failed with the error message (StepFailed metric); input errors name the field at fault.';

/** A CloudWatch alarm name (at most 255 characters): `<service>-<stage>-<suffix>`, fitted; an over-long suffix is cut and hashed first. */
export function alarmName(stage: string, suffix: string): string {
  const fitted = suffix.length <= MAX_ALARM_SUFFIX ? suffix : `${suffix.slice(0, MAX_ALARM_SUFFIX - 9)}-${shortHash(suffix)}`;
  return resourceName(stage, fitted, NAME_LIMITS.alarm);
}

const pascal = (text: string) => text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _p, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

/**
 * The logical ID of a table's registration alarm: distinct for distinct names (a hash of the exact
 * name ends it, so `sales-eu.orders` and `sales_eu.orders` differ) and within 255 alphanumerics.
 */
export const registrationAlarmId = (table: string): string => `RegistrationsFailed${pascal(table).slice(0, MAX_TABLE_ID)}${shortHash(table)}Alarm`;

/** serverless' logical id of a function: `concat` -> `ConcatLambdaFunction`. */
export const functionId = (fn: string): string => `${capitalized(fn)}LambdaFunction`;
const logGroup = (fn: string) => `/aws/lambda/\${${functionId(fn)}}`;

/** The queues that keep what failed, with what to do when one holds a message. */
export const FAILED_QUEUES = (Object.keys(QUEUES) as QueueId[]).flatMap((id) => {
  const queue = QUEUES[id];
  return 'failed' in queue ? [{ id, suffix: queue.suffix, ...queue.failed }] : [];
});

/** `database.table` of every routed table, each once (the `table` dimension's values). */
const tableNames = (ctx: StackContext) => [...new Set(routedTables(ctx.config).map((r) => `${r.database}.${r.table}`))].sort();

interface AlarmSpec {
  suffix: string;
  description: string;
  metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: CfnValue }[] };
  threshold: number;
  period: number;
  statistic?: string;
  missing?: string;
}

/** The alarms: failed-message queues, errors and throttles of each function, registrations, stalled fan-outs. */
function alarms(ctx: StackContext, catalog: Catalog, topic: CfnValue, gaugePeriod: number): Resources {
  const options = ctx.alarms;
  const period = options.periodMinutes * 60;
  const minutes = `${options.periodMinutes} minute${options.periodMinutes === 1 ? '' : 's'}`;
  const service = { Name: 'service', Value: METRICS_SERVICE };
  const out: Resources = {};
  const alarm = (spec: AlarmSpec) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: alarmName(ctx.stage, spec.suffix),
      AlarmDescription: sub(spec.description),
      ...spec.metric,
      Statistic: spec.statistic ?? 'Sum',
      Period: spec.period,
      EvaluationPeriods: 1,
      Threshold: spec.threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: spec.missing ?? 'notBreaching',
      AlarmActions: [topic],
    },
  });
  for (const q of FAILED_QUEUES) {
    out[`${q.id}Alarm`] = alarm({
      suffix: `queue-${q.suffix}`,
      description: `\${${q.id}.QueueName} holds failed messages. ${q.what} ${q.todo} Log group: ${logGroup(q.fn)}.`,
      metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: getAtt(q.id, 'QueueName') }] },
      statistic: 'Maximum',
      threshold: 1,
      period,
    });
  }
  for (const [fn, spec] of Object.entries(catalog)) {
    const dimensions = [{ Name: 'FunctionName', Value: ref(functionId(fn)) }];
    out[`${capitalized(fn)}ErrorsAlarm`] = alarm({
      suffix: `${fn}-errors`,
      description: `${fn} failed at least ${options.functionErrors} time(s) in ${minutes}. ${spec.errorHint ?? LAMBDA_STEP_HINT} Read its log group ${logGroup(fn)} (level ERROR).`,
      metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dimensions },
      threshold: options.functionErrors,
      period,
    });
    out[`${capitalized(fn)}ThrottlesAlarm`] = alarm({
      suffix: `${fn}-throttles`,
      description: `Lambda throttled ${fn} at least ${options.functionThrottles} time(s) in ${minutes} (account or reserved concurrency exhausted). Asynchronous events and queue messages are retried; a LambdaStep fails. If it persists, raise the concurrency quota. Log group: ${logGroup(fn)}.`,
      metric: { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: dimensions },
      threshold: options.functionThrottles,
      period,
    });
  }
  for (const table of tableNames(ctx)) {
    out[registrationAlarmId(table)] = alarm({
      suffix: `registrations-failed-${table}`,
      description: `Partitions could not be registered in ${table} after a pipeline run (config/post-processing.json). The event is retried, then kept in the post-processing-failed queue. Read ${logGroup('onPipelineExecutionStatus')} (partition registration failed), fix the cause, then replay: scripts/replay-failed-events.sh <stage>.`,
      metric: { Namespace: METRICS_NAMESPACE, MetricName: Metric.RegistrationsFailed, Dimensions: [service, { Name: 'table', Value: table }] },
      threshold: 1,
      period,
    });
  }
  out.FanOutsStalledAlarm = alarm({
    suffix: 'fan-outs-stalled',
    description: `A fan-out has children left and no child end counted for ${options.fanOutStalledAfterMinutes} minutes (deploy.alarms.fanOutStalledAfterMinutes): a child may be stuck, or its quota never frees. Find it in ${logGroup('sweepFanOuts')} (fan-out stalled, with the parent ARN), then ask fanOutProgress for it (docs/monitoring.md).`,
    metric: { Namespace: METRICS_NAMESPACE, MetricName: Metric.FanOutsStalled, Dimensions: [service] },
    statistic: 'Maximum',
    threshold: 1,
    // One sample per sweep: a shorter period would have gaps; missing keeps the last state between them.
    period: gaugePeriod,
    missing: 'missing',
  });
  return out;
}

type Widget = { type: string; properties: Record<string, unknown> };

/** The dashboard's widgets (CloudWatch dashboard body syntax), laid out two per row. */
function widgets(ctx: StackContext, catalog: Catalog, alarmIds: string[], gaugePeriod: number) {
  const custom = (name: string, dims: [string, string][], options: Record<string, unknown> = {}) => [
    METRICS_NAMESPACE,
    name,
    'service',
    METRICS_SERVICE,
    ...dims.flat(),
    ...(Object.keys(options).length ? [options] : []),
  ];
  const graph = (title: string, lines: unknown[], { stat = 'Sum', period = 300, stacked = false } = {}): Widget => ({
    type: 'metric',
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', stacked, stat, period, metrics: lines },
  });
  const functions = Object.keys(catalog);
  const list: Widget[] = [
    {
      type: 'text',
      properties: {
        markdown: `## ${SERVICE} (\${AWS::StackName})\nWhere is a fan-out? \`sls invoke -f fanOutProgress --stage <stage> --data '{"parentExecutionArn": "<ARN>"}'\`. Alarms and what to do: docs/monitoring.md.`,
      },
    },
  ];
  // An alarm status widget shows at most 100 alarms: the queues, stalls and registrations come first.
  const shown = alarmIds.slice(0, MAX_ALARMS_WIDGET);
  const title = shown.length < alarmIds.length ? `Alarms (${shown.length} of ${alarmIds.length})` : 'Alarms';
  if (shown.length > 0) list.push({ type: 'alarm', properties: { title, alarms: shown.map((id) => `\${${id}.Arn}`) } });
  for (const pipeline of Object.keys(ctx.config.pipelines).sort()) {
    list.push(
      graph(
        `Executions of ${pipeline} by status`,
        PipelineExecutionStatus.options.map((s) => custom(Metric.PipelineExecutionStatus, [['pipeline', pipeline], ['status', s]], { label: s })),
        { stacked: true },
      ),
    );
  }
  const tables = tableNames(ctx);
  if (tables.length > 0) {
    list.push(graph('Partitions added, per table', tables.map((t) => custom(Metric.PartitionsAdded, [['table', t]], { label: t }))));
    list.push(graph('Partition registrations failed, per table', tables.map((t) => custom(Metric.RegistrationsFailed, [['table', t]], { label: t }))));
  }
  list.push(graph('LambdaStep successes, per function', LAMBDA_STEP_FUNCTIONS.map((f) => custom(Metric.StepSucceeded, [['function', f]], { label: f }))));
  list.push(graph('LambdaStep failures, per function', LAMBDA_STEP_FUNCTIONS.map((f) => custom(Metric.StepFailed, [['function', f]], { label: f }))));
  list.push(
    graph('Fan-out children started, ended, failed', [
      custom(Metric.FanOutChildrenStarted, [], { label: 'started' }),
      custom(Metric.FanOutChildrenEnded, [], { label: 'ended' }),
      custom(Metric.FanOutChildrenFailed, [], { label: 'failed or stopped' }),
      custom(Metric.FanOutChildEndsRecovered, [], { label: 'ends recovered by the sweep' }),
    ]),
  );
  list.push(
    graph(
      'Fan-outs now (each sweep)',
      [
        custom(Metric.FanOutsRunning, [], { label: 'fan-outs running' }),
        custom(Metric.FanOutsStalled, [], { label: 'fan-outs stalled' }),
        custom(Metric.FanOutChildrenPending, [], { label: 'children pending (quota)' }),
        custom(Metric.FanOutChildrenRunning, [], { label: 'children running' }),
      ],
      { stat: 'Maximum', period: gaugePeriod },
    ),
  );
  list.push(
    graph(
      'Failed messages waiting (dead-letter and failed-events queues)',
      FAILED_QUEUES.map((q) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `\${${q.id}.QueueName}`, { label: q.suffix }]),
      { stat: 'Maximum' },
    ),
  );
  const perFunction = (metric: string) => functions.map((fn) => ['AWS/Lambda', metric, 'FunctionName', `\${${functionId(fn)}}`, { label: fn }]);
  list.push(graph('Function duration (p99, ms)', perFunction('Duration'), { stat: 'p99' }));
  list.push(graph('Function errors', perFunction('Errors')));
  list.push(graph('Function throttles', perFunction('Throttles')));
  // Two columns of 12 (the grid is 24 wide), 6 high; the text row spans the width.
  let y = 0;
  let x = 0;
  return list.map((w) => {
    const full = w.type === 'text';
    if (full && x > 0) [x, y] = [0, y + 6];
    const placed = { ...w, x, y, width: full ? 24 : 12, height: full ? 2 : 6 };
    if (full) y += 2;
    else if (x === 0) x = 12;
    else [x, y] = [0, y + 6];
    return placed;
  });
}

/** The alarms, the topic and the dashboard of the catalog's functions. `gaugePeriod`: the sweep's rate in seconds. */
export function monitoringResources(ctx: StackContext, catalog: Catalog, gaugePeriod: number): Resources {
  const options = ctx.alarms;
  const resources: Resources = {};
  let topic: CfnValue | undefined;
  if (options.enabled && options.topicArn) topic = options.topicArn;
  else if (options.enabled) {
    topic = ref('AlarmTopic');
    // No KMS key: CloudWatch cannot publish to a topic encrypted with the AWS managed key (aws/sns).
    resources.AlarmTopic = {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: stageNames(ctx.stage).alarmTopic, DisplayName: 'SageMaker pipeline functions alarms' },
    };
    options.email.forEach((address, i) => {
      resources[`AlarmTopicEmail${i + 1}`] = { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: topic, Protocol: 'email', Endpoint: address } };
    });
  }
  const alarmResources = topic === undefined ? {} : alarms(ctx, catalog, topic, gaugePeriod);
  const urgency = (id: string) => (id.endsWith('QueueAlarm') ? 0 : id === 'FanOutsStalledAlarm' ? 1 : id.startsWith('RegistrationsFailed') ? 2 : 3);
  const alarmIds = Object.keys(alarmResources).sort((a, b) => urgency(a) - urgency(b));
  Object.assign(resources, alarmResources);
  resources.Dashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: stageNames(ctx.stage).dashboard,
      DashboardBody: sub(JSON.stringify({ widgets: widgets(ctx, catalog, alarmIds, gaugePeriod) })),
    },
  };
  return resources;
}
