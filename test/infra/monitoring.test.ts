/** infra/monitoring.ts through the stack builder, from configs in memory (no sls command here). */
import shipped from '../../config/post-processing.json';
import { LAMBDA_STEP_FUNCTIONS } from '../../infra/catalog';
import { alarmName, FAILED_QUEUES } from '../../infra/monitoring';
import { buildStack } from '../../infra/stack';
import { Metric, METRICS_NAMESPACE } from '../../lib/core/metric-names';
import { parsePostProcessingConfig, type PostProcessingConfig } from '../../lib/post-processing/config';
import { notPublished, parseBody, widgetMetrics } from './dashboard';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

const config = parsePostProcessingConfig(shipped);
const withAlarms = (alarms: object) => parsePostProcessingConfig({ ...shipped, deploy: { ...shipped.deploy, alarms } });
const build = ({ stage = 'dev', config: c = config }: { stage?: string; config?: PostProcessingConfig } = {}) =>
  buildStack(stage, c).Resources as Record<string, Resource>;
const monitoring = { alarmName, FAILED_QUEUES };
const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
type Alarm = Record<string, unknown> & { id: string };
const alarmsOf = (resources: Record<string, Resource>): Alarm[] =>
  ofType(resources, 'AWS::CloudWatch::Alarm').map(([id, r]) => ({ ...r.Properties, id }));
const functionsOf = (resources: Record<string, Resource>) =>
  ofType(resources, 'AWS::IAM::Role').map(([id]) => `${id[0]?.toLowerCase()}${id.slice(1).replace(/Role$/, '')}`);
const dimensionsOf = (alarm: Record<string, unknown>) => alarm.Dimensions as { Name: string; Value: unknown }[];

describe('infra/monitoring', () => {
  const resources = build();
  const alarms = alarmsOf(resources);

  it('alarms on every queue that keeps failed messages, as soon as one holds a message', () => {
    const queues = ofType(resources, 'AWS::SQS::Queue').map(([id]) => id);
    expect(queues).toContain('FanOutQueue');
    for (const { id } of monitoring.FAILED_QUEUES) {
      const alarm = alarms.find((a) => JSON.stringify(dimensionsOf(a)) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }]));
      expect(alarm).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, Statistic: 'Maximum' });
    }
  });

  it('alarms on errors and throttles of every function, the registrations of every routed table, and stalled fan-outs', () => {
    const functions = functionsOf(resources);
    expect(functions).toContain('fanOutProgress');
    for (const fn of functions) {
      for (const metric of ['Errors', 'Throttles']) {
        const id = `${fn[0]?.toUpperCase()}${fn.slice(1)}LambdaFunction`;
        expect([fn, metric, alarms.filter((a) => a.MetricName === metric && JSON.stringify(dimensionsOf(a)).includes(`"Ref":"${id}"`)).length]).toEqual([fn, metric, 1]);
      }
    }
    const tables = alarms.filter((a) => a.MetricName === Metric.RegistrationsFailed).map((a) => dimensionsOf(a).find((d) => d.Name === 'table')?.Value);
    expect(tables.sort()).toEqual(['analytics.daily_features', 'analytics.daily_scores', 'reporting.nightly_summary']);
    const stalled = alarms.filter((a) => a.MetricName === Metric.FanOutsStalled);
    expect(stalled).toEqual([expect.objectContaining({ Namespace: METRICS_NAMESPACE, Statistic: 'Maximum', Period: 900, Threshold: 1 })]);
  });

  it('sends every alarm to the one topic, and says what to do in each description', () => {
    expect(ofType(resources, 'AWS::SNS::Topic')).toHaveLength(1);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      const description = (alarm.AlarmDescription as { 'Fn::Sub': string })['Fn::Sub'];
      expect(description).toMatch(/\/aws\/lambda\/\$\{\w+LambdaFunction\}/);
      // Within CloudWatch's 1024 once the names are in (a function name is at most 64, a queue name 80).
      const longest = description.replace(/\$\{\w+LambdaFunction\}/g, 'f'.repeat(64)).replace(/\$\{\w+\.QueueName\}/g, 'q'.repeat(80));
      expect([alarm.id, longest.length <= 1024]).toEqual([alarm.id, true]);
    }
  });

  it('subscribes the configured e-mail addresses, or uses an existing topic, or has no alarm at all', () => {
    const mailed = build({ config: withAlarms({ email: ['ops@example.com', 'oncall@example.com'] }) });
    expect(ofType(mailed, 'AWS::SNS::Subscription').map(([, s]) => s.Properties)).toEqual([
      { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' },
      { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: 'oncall@example.com' },
    ]);
    const topicArn = 'arn:aws:sns:us-east-1:111122223333:ops';
    const existing = build({ config: withAlarms({ topicArn }) });
    expect(ofType(existing, 'AWS::SNS::Topic')).toHaveLength(0);
    for (const alarm of alarmsOf(existing)) expect(alarm.AlarmActions).toEqual([topicArn]);
    const off = build({ config: withAlarms({ enabled: false }) });
    expect([alarmsOf(off).length, ofType(off, 'AWS::SNS::Topic').length, ofType(off, 'AWS::CloudWatch::Dashboard').length]).toEqual([0, 0, 1]);
  });

  it('shows at most 100 alarms in the dashboard\'s alarm widget, the failed-message queues first', () => {
    const tables = Array.from({ length: 90 }, (_, i) => ({ database: 'db', table: `t${i}`, location: `s3://bucket/t${i}/`, strategy: 'glue', scope: 'table' }));
    const many = parsePostProcessingConfig({ pipelines: { p: { routes: tables } } });
    const built = build({ config: many });
    const widget = parseBody(built.Dashboard?.Properties.DashboardBody).widgets.find((w) => w.type === 'alarm');
    expect(alarmsOf(built).length).toBeGreaterThan(100);
    expect(widget?.properties.alarms).toHaveLength(100);
    expect(widget?.properties.title).toBe(`Alarms (100 of ${alarmsOf(built).length})`);
    // Variables sit inside JSON strings: the raw body parses too, and names the alarms in order.
    const raw = JSON.parse((built.Dashboard?.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as { widgets: { type: string; properties: { alarms?: string[] } }[] };
    const shown = raw.widgets.find((w) => w.type === 'alarm')?.properties.alarms ?? [];
    expect(shown.slice(0, 4)).toEqual(['${FanOutDeadLetterQueueAlarm.Arn}', '${FanOutFailedEventsQueueAlarm.Arn}', '${PostProcessingFailedEventsQueueAlarm.Arn}', '${FanOutsStalledAlarm.Arn}']);
  });

  it('takes the configured thresholds and period', () => {
    const custom = alarmsOf(build({ config: withAlarms({ periodMinutes: 15, functionErrors: 3, functionThrottles: 2 }) }));
    const errors = custom.filter((a) => a.MetricName === 'Errors');
    expect(errors.every((a) => a.Threshold === 3 && a.Period === 900)).toBe(true);
    expect(custom.filter((a) => a.MetricName === 'Throttles').every((a) => a.Threshold === 2)).toBe(true);
  });

  it('keeps every name within its limit for any stage, distinct and the same on every build', () => {
    const stage = `s${'x'.repeat(255)}`;
    const long = build({ stage });
    const names = alarmsOf(long).map((a) => String(a.AlarmName));
    expect(names.every((n) => n.length <= 255)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(alarmsOf(build({ stage })).map((a) => a.AlarmName)).toEqual(names);
    expect(String(long.AlarmTopic?.Properties.TopicName).length).toBeLessThanOrEqual(256);
    expect(String(long.Dashboard?.Properties.DashboardName)).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
    expect(monitoring.alarmName('dev', 'fan-outs-stalled')).toBe('sagemaker-pipeline-functions-dev-fan-outs-stalled');
    // A table of the longest names Glue allows: the suffix is cut and hashed, two such tables stay apart.
    const table = (t: string) => `registrations-failed-${'d'.repeat(255)}.${t.repeat(255)}`;
    const [a, b] = [monitoring.alarmName('production', table('a')), monitoring.alarmName('production', table('b'))];
    expect([a.length <= 255, b.length <= 255, a === b, a === monitoring.alarmName('production', table('a'))]).toEqual([true, true, false, true]);
  });

  it('tags the alarms and the dashboard with the cost-allocation tag', () => {
    const tagged = build({ config: parsePostProcessingConfig({ ...shipped, deploy: { costAllocationTag: { key: 'cost-center', value: 'ml' } } }) });
    for (const [, r] of [...ofType(tagged, 'AWS::CloudWatch::Alarm'), ...ofType(tagged, 'AWS::CloudWatch::Dashboard')]) {
      expect(r.Properties.Tags).toContainEqual({ Key: 'cost-center', Value: 'ml' });
    }
  });

  it('lets fanOutProgress read the fan-out table and nothing else', () => {
    const policies = resources.FanOutProgressRole?.Properties.Policies as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[];
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement).filter((s) => !s.Action.every((a) => a.startsWith('logs:')));
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [{ 'Fn::GetAtt': ['FanOutTable', 'Arn'] }] }]);
  });
});

describe('the dashboard', () => {
  const resources = build();
  const { widgets, variables } = parseBody(resources.Dashboard?.Properties.DashboardBody);
  const metrics = widgetMetrics(widgets);

  it('graphs only metrics the code publishes, with the dimensions it publishes them with', () => {
    expect(metrics.filter((m) => m.namespace === METRICS_NAMESPACE).length).toBeGreaterThan(20);
    expect(notPublished(metrics)).toEqual([]);
  });

  it('refers only to resources of the stack', () => {
    const ids = new Set([...Object.keys(resources), ...functionsOf(resources).map((f) => `${f[0]?.toUpperCase()}${f.slice(1)}LambdaFunction`)]);
    const unknown = variables.filter((v) => !v.startsWith('AWS::') && !ids.has(v.split('.')[0] ?? ''));
    expect(unknown).toEqual([]);
  });

  it('has a widget for each configured pipeline, routed table, LambdaStep function, the fan-outs, the queues and the functions', () => {
    const titles = widgets.map((w) => w.properties.title ?? w.type);
    for (const pipeline of Object.keys(config.pipelines)) expect(titles).toContain(`Executions of ${pipeline} by status`);
    const tables = metrics.filter((m) => m.name === Metric.PartitionsAdded).map((m) => m.dimensions.table);
    expect(tables.sort()).toEqual(['analytics.daily_features', 'analytics.daily_scores', 'reporting.nightly_summary']);
    const steps = metrics.filter((m) => m.name === Metric.StepFailed).map((m) => m.dimensions.function);
    expect(steps.sort()).toEqual([...LAMBDA_STEP_FUNCTIONS].sort());
    for (const name of [Metric.FanOutChildrenStarted, Metric.FanOutChildrenEnded, Metric.FanOutChildrenFailed, Metric.FanOutChildrenPending]) {
      expect(metrics.map((m) => m.name)).toContain(name);
    }
    expect(metrics.filter((m) => m.name === 'ApproximateNumberOfMessagesVisible')).toHaveLength(3);
    expect(metrics.filter((m) => m.name === 'Duration')).toHaveLength(functionsOf(resources).length);
    expect(widgets.find((w) => w.type === 'alarm')?.properties.alarms).toHaveLength(alarmsOf(resources).length);
  });

  it('would show an empty graph for a renamed metric: the check catches it', () => {
    const renamed = metrics.map((m) => (m.name === Metric.FanOutChildrenStarted ? { ...m, name: 'FanOutChildStarted' } : m));
    expect(notPublished(renamed)).toEqual(['Fan-out children started, ended, failed: FanOutChildStarted [service]']);
  });
});
