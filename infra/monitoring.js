// Operations: the alarms (one SNS topic, or an existing one), the dashboard, and the role of
// fanOutProgress (read the fan-out table, nothing else). Options: `deploy.alarms` in
// config/post-processing.json (lib/post-processing/config.ts). The custom metrics the alarms and
// widgets read come from lib/core/metric-names.ts, the list the code emits through: a renamed metric
// fails the tests instead of leaving an empty graph. The page for operators: docs/monitoring.md.
'use strict';

const { createHash } = require('node:crypto');
const names = require('./_names');
const { routedTables } = require('./_resources');

const MAX_ALARMS_WIDGET = 100;
// sweepFanOuts' schedule (serverless.yml, rate(15 minutes)): the period of the fan-out gauges.
const SWEEP_RATE_SECONDS = 900;

/** A TypeScript module of lib/, through tsx outside jest (as infra/_config.js loads the config schema). */
const loadTs = (file) => (process.env.JEST_WORKER_ID ? require(file) : require('tsx/cjs/api').require(file, __filename));
const catalog = () => loadTs('../lib/core/metric-names.ts');

// An alarm's suffix names a table (`database.table`, up to 511 characters): longer than this, it is cut
// and ended with a hash of the whole suffix, leaving infra/_names.js room for the stage.
const MAX_ALARM_SUFFIX = 200;

/**
 * A CloudWatch alarm name (at most 255 characters): `<service>-<stage>-<suffix>`, fitted by the rule of
 * infra/_names.js; an over-long suffix is cut and hashed first. The same on every deploy.
 */
function alarmName(stage, suffix) {
  const hash = createHash('sha256').update(suffix).digest('hex').slice(0, 8);
  const fitted = suffix.length <= MAX_ALARM_SUFFIX ? suffix : `${suffix.slice(0, MAX_ALARM_SUFFIX - hash.length - 1)}-${hash}`;
  return names.resourceName(stage, fitted, names.LIMITS.alarm);
}

/** serverless' logical id of a function: `concat` -> `ConcatLambdaFunction`. */
const functionId = (fn) => `${fn[0].toUpperCase()}${fn.slice(1)}LambdaFunction`;
const pascal = (text) => text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

// The queues that keep what failed, and what to do when one holds a message.
const FAILED_QUEUES = [
  {
    id: 'FanOutDeadLetterQueue',
    suffix: 'fan-out-dlq',
    fn: 'fanOutCallback',
    what: 'A fan-out message (a parent CallbackStep start or Stopping notice, or a resume message) failed 5 times in fanOutCallback: its parent step is waiting and nothing retries it.',
    todo: 'Read the log group (fan-in message failed), fix the cause, then move the messages back to the fan-out queue: aws sqs start-message-move-task --source-arn <this queue ARN>.',
  },
  {
    id: 'FanOutFailedEventsQueue',
    suffix: 'fan-out-failed-events',
    fn: 'onChildExecutionStatus',
    what: 'Child pipeline status events EventBridge could not deliver to onChildExecutionStatus, or that failed there after the retries.',
    todo: 'Read the log group. sweepFanOuts records the lost ends within 15 minutes (metric FanOutChildEndsRecovered); check the parent with fanOutProgress, then delete the messages (docs/monitoring.md).',
  },
  {
    id: 'PostProcessingFailedEventsQueue',
    suffix: 'post-processing-failed',
    fn: 'onPipelineExecutionStatus',
    what: 'Pipeline status events whose post-processing (partition registration) failed after the retries, or that EventBridge could not deliver.',
    todo: 'Read the log group (partition registration failed), fix the cause, then replay: scripts/replay-failed-events.sh <stage>.',
  },
];

// What an error of each function means; other functions get the general advice.
const ERROR_HINTS = {
  onPipelineExecutionStatus: 'Failed events are retried, then kept in the post-processing-failed queue for a replay.',
  fanOutCallback: 'The message is retried (5 receives), then kept in the fan-out-dlq queue.',
  onChildExecutionStatus: 'The event is retried, then kept in the fan-out-failed-events queue; the sweep recovers the ends.',
  sweepFanOuts: 'A fan-out could not be swept (logged: fan-out sweep failed); the next sweep, in 15 minutes, retries it.',
  fanOutProgress: 'An operator query failed (bad ARN, or the table could not be read).',
};
const LAMBDA_STEP_HINT = 'The pipeline step that invoked it failed with the error message (StepFailed metric); input errors name the field at fault.';

const sub = (text) => ({ 'Fn::Sub': text });
const logGroup = (fn) => `/aws/lambda/\${${functionId(fn)}}`;

/** An alarm on one metric, sent to the alarm topic. */
function alarm(ctx, { suffix, description, metric, threshold, period, statistic = 'Sum', missing = 'notBreaching' }) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: alarmName(ctx.stage, suffix),
      AlarmDescription: sub(description),
      ...metric,
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: missing,
      AlarmActions: [ctx.topic],
    },
  };
}

/** The alarms: failed-message queues, errors and throttles of each function, registrations, stalled fan-outs. */
function alarms(ctx, functions, metrics) {
  const options = ctx.alarms;
  const period = options.periodMinutes * 60;
  const minutes = `${options.periodMinutes} minute${options.periodMinutes === 1 ? '' : 's'}`;
  const service = { Name: 'service', Value: metrics.METRICS_SERVICE };
  const out = {};
  for (const q of FAILED_QUEUES) {
    out[`${q.id}Alarm`] = alarm(ctx, {
      suffix: `queue-${q.suffix}`,
      description: `\${${q.id}.QueueName} holds failed messages. ${q.what} ${q.todo} Log group: ${logGroup(q.fn)}.`,
      metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [q.id, 'QueueName'] } }] },
      statistic: 'Maximum',
      threshold: 1,
      period,
    });
  }
  for (const fn of functions) {
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: functionId(fn) } }];
    const hint = ERROR_HINTS[fn] ?? LAMBDA_STEP_HINT;
    out[`${pascal(fn)}ErrorsAlarm`] = alarm(ctx, {
      suffix: `${fn}-errors`,
      description: `${fn} failed at least ${options.functionErrors} time(s) in ${minutes}. ${hint} Read its log group ${logGroup(fn)} (level ERROR).`,
      metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dimensions },
      threshold: options.functionErrors,
      period,
    });
    out[`${pascal(fn)}ThrottlesAlarm`] = alarm(ctx, {
      suffix: `${fn}-throttles`,
      description: `Lambda throttled ${fn} at least ${options.functionThrottles} time(s) in ${minutes} (account or reserved concurrency exhausted). Asynchronous events and queue messages are retried; a LambdaStep fails. If it persists, raise the concurrency quota. Log group: ${logGroup(fn)}.`,
      metric: { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: dimensions },
      threshold: options.functionThrottles,
      period,
    });
  }
  for (const table of tableNames(ctx.config)) {
    out[`RegistrationsFailed${pascal(table)}Alarm`] = alarm(ctx, {
      suffix: `registrations-failed-${table}`,
      description: `Partitions could not be registered in ${table} after a pipeline run (config/post-processing.json). The event is retried, then kept in the post-processing-failed queue. Read ${logGroup('onPipelineExecutionStatus')} (partition registration failed), fix the cause, then replay: scripts/replay-failed-events.sh <stage>.`,
      metric: { Namespace: metrics.METRICS_NAMESPACE, MetricName: metrics.Metric.RegistrationsFailed, Dimensions: [service, { Name: 'table', Value: table }] },
      threshold: 1,
      period,
    });
  }
  out.FanOutsStalledAlarm = alarm(ctx, {
    suffix: 'fan-outs-stalled',
    description: `A fan-out has children left and no child end counted for ${options.fanOutStalledAfterMinutes} minutes (deploy.alarms.fanOutStalledAfterMinutes): a child may be stuck, or its quota never frees. Find it in ${logGroup('sweepFanOuts')} (fan-out stalled, with the parent ARN), then ask fanOutProgress for it (docs/monitoring.md).`,
    metric: { Namespace: metrics.METRICS_NAMESPACE, MetricName: metrics.Metric.FanOutsStalled, Dimensions: [service] },
    statistic: 'Maximum',
    threshold: 1,
    // One sample per sweep: a shorter period would have gaps; missing keeps the last state between them.
    period: SWEEP_RATE_SECONDS,
    missing: 'missing',
  });
  return out;
}

/** `database.table` of every routed table, each once (the `table` dimension's values). */
const tableNames = (config) => [...new Set(routedTables(config).map((r) => `${r.database}.${r.table}`))].sort();

/** The dashboard's widgets (CloudWatch dashboard body syntax), laid out two per row. */
function widgets(ctx, functions, alarmIds, metrics) {
  const { METRICS_NAMESPACE: ns, METRICS_SERVICE: svc, Metric, LAMBDA_STEP_FUNCTIONS } = metrics;
  const custom = (name, dims, options = {}) => [ns, name, 'service', svc, ...dims.flatMap(([k, v]) => [k, v]), ...(Object.keys(options).length ? [options] : [])];
  const graph = (title, lines, { stat = 'Sum', period = 300, stacked = false } = {}) => ({
    type: 'metric',
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', stacked, stat, period, metrics: lines },
  });
  const list = [];
  list.push({
    type: 'text',
    properties: {
      markdown: `## ${names.SERVICE} (\${AWS::StackName})\nWhere is a fan-out? \`sls invoke -f fanOutProgress --stage <stage> --data '{"parentExecutionArn": "<ARN>"}'\`. Alarms and what to do: docs/monitoring.md.`,
    },
  });
  // An alarm status widget shows at most 100 alarms: the queues, stalls and registrations come first.
  const shown = alarmIds.slice(0, MAX_ALARMS_WIDGET);
  const title = shown.length < alarmIds.length ? `Alarms (${shown.length} of ${alarmIds.length})` : 'Alarms';
  if (shown.length > 0) list.push({ type: 'alarm', properties: { title, alarms: shown.map((id) => `\${${id}.Arn}`) } });
  const statuses = ['Executing', 'Succeeded', 'Failed', 'Stopping', 'Stopped'];
  for (const pipeline of Object.keys(ctx.config.pipelines).sort()) {
    list.push(graph(`Executions of ${pipeline} by status`, statuses.map((s) => custom(Metric.PipelineExecutionStatus, [['pipeline', pipeline], ['status', s]], { label: s })), { stacked: true }));
  }
  const tables = tableNames(ctx.config);
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
      { stat: 'Maximum', period: SWEEP_RATE_SECONDS },
    ),
  );
  list.push(
    graph(
      'Failed messages waiting (dead-letter and failed-events queues)',
      FAILED_QUEUES.map((q) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `\${${q.id}.QueueName}`, { label: q.suffix }]),
      { stat: 'Maximum' },
    ),
  );
  const perFunction = (metric, options = {}) => functions.map((fn) => ['AWS/Lambda', metric, 'FunctionName', `\${${functionId(fn)}}`, { label: fn, ...options }]);
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

/** The alarms, the topic, the dashboard: added by infra/index.js once every function is known. */
function monitoring(ctx, functions) {
  const metrics = catalog();
  // deploy.alarms with its defaults, from the validated config every module receives.
  const options = loadTs('../lib/post-processing/config.ts').alarmOptions(ctx.config);
  const resources = {};
  let topic;
  if (options.enabled && options.topicArn) topic = options.topicArn;
  else if (options.enabled) {
    topic = { Ref: 'AlarmTopic' };
    // No KMS key: CloudWatch cannot publish to a topic encrypted with the AWS managed key (aws/sns).
    resources.AlarmTopic = {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: names.resourceName(ctx.stage, 'alarms', names.LIMITS.topic), DisplayName: 'SageMaker pipeline functions alarms' },
    };
    options.email.forEach((address, i) => {
      resources[`AlarmTopicEmail${i + 1}`] = { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: topic, Protocol: 'email', Endpoint: address } };
    });
  }
  const alarmResources = options.enabled ? alarms({ ...ctx, topic, alarms: options }, functions, metrics) : {};
  const byUrgency = (id) => (id.endsWith('QueueAlarm') ? 0 : id === 'FanOutsStalledAlarm' ? 1 : id.startsWith('RegistrationsFailed') ? 2 : 3);
  const alarmIds = Object.keys(alarmResources).sort((a, b) => byUrgency(a) - byUrgency(b));
  Object.assign(resources, alarmResources);
  resources.Dashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      // Dashboard names take letters, digits, - and _ only (as stages do), at most 255.
      DashboardName: names.resourceName(ctx.stage, '', 255),
      DashboardBody: sub(JSON.stringify({ widgets: widgets(ctx, functions, alarmIds, metrics) })),
    },
  };
  return resources;
}

module.exports = (ctx) => ({
  // fanOutProgress reads the table (the header, and the children with Query), nothing else.
  functions: {
    fanOutProgress: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [{ 'Fn::GetAtt': ['FanOutTable', 'Arn'] }] }],
  },
  finish: ({ functions }) => monitoring(ctx, functions),
});
module.exports.alarmName = alarmName;
module.exports.FAILED_QUEUES = FAILED_QUEUES;
module.exports.SWEEP_RATE_SECONDS = SWEEP_RATE_SECONDS;
