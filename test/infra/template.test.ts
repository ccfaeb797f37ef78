/**
 * The CloudFormation template `sls package` writes (packaged once per run: test/helpers/packaged-template.ts):
 * one role per function, least privilege, the config-driven EventBridge rules, the on-failure
 * destination, tags, retention. Other stages and configurations are built in memory (infra/stack.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import configFile from '../../config/post-processing.json';
import executionEvent from '../../events/on-pipeline-execution-status-succeeded.json';
import stepEvent from '../../events/on-pipeline-execution-status-step-succeeded.json';
import unroutedEvent from '../../events/on-pipeline-execution-status-unrouted-pipeline.json';
import { FUNCTIONS } from '../../infra/catalog';
import { VPC_ENI_ACTIONS } from '../../infra/iam';
import { functionName } from '../../infra/names';
import { buildStack } from '../../infra/stack';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../lib/core/metric-names';
import { alarmOptions, deployOptions, parsePostProcessingConfig, triggerOf } from '../../lib/post-processing/config';
import { packagedTemplate } from '../helpers/packaged-template';
import { notPublished, parseBody, widgetMetrics } from './dashboard';

const ROOT = path.join(__dirname, '..', '..');
const config = parsePostProcessingConfig(configFile);
const deploy = deployOptions(config);

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
let resources: Record<string, Resource>;
let outputs: Record<string, { Description?: string; Value: unknown }>;
let stackTags: Record<string, string> | undefined;

// A stage longer than most name budgets (the stack accepts up to 256 characters): every name that
// holds it must be fitted (infra/names.ts). Built in memory: its functions and resources.
const LONG_STAGE = `pr-4711-${'a-very-long-feature-branch-name-'.repeat(5)}end`;

beforeAll(() => {
  const template = packagedTemplate();
  resources = template.Resources as Record<string, Resource>;
  outputs = (template.Outputs ?? {}) as typeof outputs;
  const state = JSON.parse(fs.readFileSync(path.join(ROOT, '.serverless', 'serverless-state.json'), 'utf8')) as {
    service: { provider: { stackTags?: Record<string, string> } };
  };
  stackTags = state.service.provider.stackTags;
}, 600_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const statementsOf = (role: Resource): Statement[] =>
  (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
const roleOf = (fnLogicalId: string): Resource => {
  const ref = resources[fnLogicalId]?.Properties.Role as { 'Fn::GetAtt': [string, string] };
  const role = resources[ref['Fn::GetAtt'][0]];
  if (!role) throw new Error(`no role for ${fnLogicalId}`);
  return role;
};

// The only actions allowed on Resource '*': the EC2 network interface calls Lambda makes for a
// function in a VPC (no narrower resource works for them). Metrics go through EMF logs, so
// cloudwatch:PutMetricData is not needed.
// With deploy.lakeFormation, lakeformation:GetDataAccess (no resource-level permissions) joins them.
const STAR_RESOURCE_ALLOWED = new Set(['lakeformation:GetDataAccess', ...VPC_ENI_ACTIONS]);

// What onPipelineExecutionStatus calls with the shipped config (a glue route with updateMoved, an
// athena-add and an athena-msck route, scope outputs): besides its logs.
const POST_PROCESSING_ACTIONS = [
  'sagemaker:DescribePipelineExecution',
  'sagemaker:ListPipelineExecutionSteps',
  'sagemaker:DescribeProcessingJob',
  'glue:GetTable',
  'glue:BatchGetPartition',
  'glue:BatchCreatePartition',
  'glue:BatchUpdatePartition',
  'glue:GetDatabase',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:CreatePartition',
  's3:ListBucket',
  's3:GetObject',
  's3:GetBucketLocation',
  's3:ListBucketMultipartUploads',
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'sqs:SendMessage',
];

describe('the packaged template', () => {
  it('gives every function a role of its own', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(5);
    const roles = functions.map(([id, fn]) => {
      const ref = fn.Properties.Role as { 'Fn::GetAtt'?: [string, string] };
      expect(ref['Fn::GetAtt']?.[1]).toBe('Arn');
      const roleId = ref['Fn::GetAtt']?.[0] ?? '';
      expect(resources[roleId]?.Type).toBe('AWS::IAM::Role');
      expect(roleId).toBe(`${id.replace(/LambdaFunction$/, '')}Role`);
      return roleId;
    });
    expect(new Set(roles).size).toBe(roles.length);
    // No shared role left from the framework's defaults.
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('has no wildcard action, and Resource "*" only for the allow-listed actions', () => {
    const policies = [...ofType('AWS::IAM::Role'), ...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')];
    for (const [id, resource] of policies) {
      const statements =
        resource.Type === 'AWS::IAM::Role' ? statementsOf(resource) : (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      for (const statement of statements) {
        for (const action of actions(statement)) {
          expect(`${id}: ${action}`).not.toMatch(/\*/);
          const starResource = statement.Resource === '*' || (Array.isArray(statement.Resource) && statement.Resource.includes('*'));
          if (starResource) expect(`${id}: ${action} on *`).toBe(STAR_RESOURCE_ALLOWED.has(action) ? `${id}: ${action} on *` : 'allow-listed');
        }
      }
    }
  });

  it('scopes every function\'s logs to its own log group', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const logs = statementsOf(roleOf(id)).filter((s) => actions(s).some((a) => a.startsWith('logs:')));
      expect(logs).toHaveLength(1);
      // The function's own (fitted) name, as the framework names its log group.
      const fnName = `${id[0]?.toLowerCase()}${id.slice(1).replace(/LambdaFunction$/, '')}`;
      expect(fn.Properties.FunctionName).toBe(functionName('dev', fnName));
      expect(logs[0]?.Resource).toEqual({
        'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${String(fn.Properties.FunctionName)}:*`,
      });
    }
  });

  it('grants onPipelineExecutionStatus exactly the actions it calls', () => {
    const granted = statementsOf(roleOf('OnPipelineExecutionStatusLambdaFunction'))
      .flatMap(actions)
      .filter((a) => !a.startsWith('logs:'));
    expect(new Set(granted)).toEqual(new Set(POST_PROCESSING_ACTIONS));
  });

  it('narrows onPipelineExecutionStatus to the configured pipelines, tables and prefixes', () => {
    const statements = statementsOf(roleOf('OnPipelineExecutionStatusLambdaFunction'));
    const resourcesOf = (action: string) => JSON.stringify(statements.filter((s) => actions(s).includes(action)).map((s) => s.Resource));
    expect(resourcesOf('sagemaker:ListPipelineExecutionSteps')).toContain('pipeline/myPipeline-123/execution/*');
    expect(resourcesOf('sagemaker:ListPipelineExecutionSteps')).toContain('pipeline/nightly-report/execution/*');
    expect(resourcesOf('glue:BatchCreatePartition')).toContain('table/analytics/daily_features');
    expect(resourcesOf('glue:BatchCreatePartition')).not.toContain('table/analytics/*');
    expect(resourcesOf('athena:StartQueryExecution')).toContain('workgroup/primary');
    expect(resourcesOf('s3:PutObject')).toContain('s3:::example-athena-results/post-processing/*');
    // Listing is limited to the table Locations' prefixes.
    for (const s of statements.filter((st) => actions(st).includes('s3:ListBucket'))) {
      expect(s.Condition).toEqual({ StringLike: { 's3:prefix': expect.any(Array) } });
    }
  });
});

// The services' name limits (docs/iam.md, "Name lengths"): property of each named resource type, and its limit.
const NAME_LIMITS: Record<string, [string, number]> = {
  'AWS::Lambda::Function': ['FunctionName', 64],
  'AWS::IAM::Role': ['RoleName', 64],
  'AWS::Events::Rule': ['Name', 64],
  'AWS::SQS::Queue': ['QueueName', 80],
  'AWS::DynamoDB::Table': ['TableName', 255],
  'AWS::Athena::WorkGroup': ['Name', 128],
  'AWS::Logs::LogGroup': ['LogGroupName', 512],
  'AWS::CloudWatch::Alarm': ['AlarmName', 255],
  'AWS::SNS::Topic': ['TopicName', 256],
};

describe('resource names', () => {
  /** The named resources of a stage: the stack's own, and the functions osls names from the catalog. */
  const inMemory = (stage: string): Record<string, Resource> => {
    const stack = buildStack(stage, config);
    const fns = Object.fromEntries(
      Object.entries(stack.functions).map(([fn, f]) => [`${fn}LambdaFunction`, { Type: 'AWS::Lambda::Function', Properties: { FunctionName: f.name } }]),
    );
    return { ...(stack.Resources as Record<string, Resource>), ...fns };
  };
  const templates = () => [[LONG_STAGE, inMemory(LONG_STAGE), buildStack(LONG_STAGE, config).stackName], ['production', inMemory('production'), buildStack('production', config).stackName], ['dev', resources, 'sagemaker-pipeline-functions-dev']] as const;
  const named = (all: Record<string, Resource>, type: string) =>
    Object.values(all)
      .filter((r) => r.Type === type)
      .map((r) => r.Properties[NAME_LIMITS[type]?.[0] ?? ''] as unknown);

  it('fit their service\'s limit for production and for a stage longer than any budget', () => {
    for (const [stage, all, stackName] of templates()) {
      for (const [type, [property, limit]] of Object.entries(NAME_LIMITS)) {
        for (const name of named(all, type)) {
          // Roles have no RoleName: CloudFormation generates one that fits (stack and logical id cut to 64).
          if (type === 'AWS::IAM::Role') {
            expect(name).toBeUndefined();
            continue;
          }
          if (name === undefined) continue;
          expect(typeof name).toBe('string');
          expect([stage, type, property, name, String(name).length <= limit]).toEqual([stage, type, property, name, true]);
        }
      }
      expect([stackName, stackName.length <= 128, /^[a-zA-Z][a-zA-Z0-9-]*$/.test(stackName)]).toEqual([stackName, true, true]);
    }
    expect(named(inMemory(LONG_STAGE), 'AWS::Lambda::Function')).toHaveLength(Object.keys(FUNCTIONS).length);
    expect(named(inMemory('production'), 'AWS::Lambda::Function')).toContain('sagemaker-pipeline-functions-ab8e18ef-onPipelineExecutionStatus');
  });

  it('keep sagemaker in every function name (AmazonSageMakerPipelinesIntegrations invokes only those)', () => {
    for (const [, all] of templates()) {
      for (const name of named(all, 'AWS::Lambda::Function')) expect(name).toEqual(expect.stringContaining('sagemaker'));
    }
  });

  it('give the functions the names of the table, queue and workgroup the stack creates', () => {
    for (const all of [resources]) {
      const env = (id: string) => (all[id]?.Properties.Environment as { Variables: Record<string, string> }).Variables;
      const table = all.FanOutTable?.Properties.TableName;
      expect(env('FanOutCallbackLambdaFunction').FAN_OUT_TABLE).toBe(table);
      expect(env('OnChildExecutionStatusLambdaFunction').FAN_OUT_TABLE).toBe(table);
      expect(env('SweepFanOutsLambdaFunction').FAN_OUT_TABLE).toBe(table);
      expect(env('FanOutCallbackLambdaFunction').FAN_OUT_QUEUE_NAME).toBe(all.FanOutQueue?.Properties.QueueName);
      expect(env('RepairTableLambdaFunction').ATHENA_WORKGROUP).toBe(all.AthenaWorkGroup?.Properties.Name);
    }
  });

  it('let exactly the stack\'s rules send to the dead-letter queues', () => {
    for (const all of [resources]) {
      const ruleArn = (name: unknown) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${String(name)}` });
      const sourcesOf = (policyId: string) =>
        (all[policyId]?.Properties.PolicyDocument as { Statement: { Condition: { ArnEquals: Record<string, unknown> } }[] }).Statement[0]?.Condition
          .ArnEquals['aws:SourceArn'];
      const rules = Object.values(all).filter((r) => r.Type === 'AWS::Events::Rule');
      const ruleTo = (fnId: string) => rules.filter((r) => JSON.stringify(r.Properties.Targets).includes(`"${fnId}"`)).map((r) => ruleArn(r.Properties.Name));
      expect(sourcesOf('FanOutFailedEventsQueuePolicy')).toEqual(ruleTo('OnChildExecutionStatusLambdaFunction'));
      expect(sourcesOf('PostProcessingFailedEventsQueuePolicy')).toEqual(ruleTo('OnPipelineExecutionStatusLambdaFunction'));
    }
  });
});

/** Replaces the Fn::Sub pseudo parameters with the sample events' account and region. */
function resolveSubs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveSubs);
  if (value && typeof value === 'object') {
    const sub = (value as Record<string, unknown>)['Fn::Sub'];
    if (typeof sub === 'string') {
      return sub.replace('${AWS::Partition}', 'aws').replace('${AWS::Region}', 'us-east-1').replace('${AWS::AccountId}', '111122223333');
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSubs(v)]));
  }
  return value;
}

/** EventBridge matching for the pattern forms the rules use: literal lists and equals-ignore-case. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) {
      return expected.some((candidate) =>
        candidate && typeof candidate === 'object' && 'equals-ignore-case' in candidate
          ? typeof actual === 'string' && actual.toLowerCase() === String(candidate['equals-ignore-case']).toLowerCase()
          : candidate === actual,
      );
    }
    return typeof actual === 'object' && actual !== null && matches(expected as Record<string, unknown>, actual as Record<string, unknown>);
  });
}

const rulesTargeting = (functionLogicalId: string) =>
  ofType('AWS::Events::Rule')
    .map(([, r]) => r.Properties)
    .filter((p) => JSON.stringify(p.Targets).includes(`"${functionLogicalId}"`));

describe('the fan-in rule', () => {
  it('keeps the child status events it cannot deliver, and the function what it cannot process', () => {
    const [rule, ...others] = rulesTargeting('OnChildExecutionStatusLambdaFunction');
    expect(others).toHaveLength(0);
    const [target] = rule?.Targets as { DeadLetterConfig?: { Arn: unknown } }[];
    expect(target?.DeadLetterConfig?.Arn).toEqual({ 'Fn::GetAtt': ['FanOutFailedEventsQueue', 'Arn'] });
    const [, invokeConfig] = ofType('AWS::Lambda::EventInvokeConfig').find(([, r]) =>
      JSON.stringify(r.Properties).includes('OnChildExecutionStatusLambdaFunction'),
    ) ?? [undefined, undefined];
    expect(invokeConfig?.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FanOutFailedEventsQueue', 'Arn'] } } },
    });
  });
});

describe('the fan-in sweep', () => {
  it('runs on a schedule, and lists fan-outs only through the state index the table declares', () => {
    const [rule, ...others] = rulesTargeting('SweepFanOutsLambdaFunction');
    expect(others).toHaveLength(0);
    expect(rule?.ScheduleExpression).toBe('rate(15 minutes)');
    const table = resources.FanOutTable?.Properties as { GlobalSecondaryIndexes: { IndexName: string; KeySchema: unknown[] }[] };
    expect(table.GlobalSecondaryIndexes.map((i) => [i.IndexName, i.KeySchema])).toEqual([
      ['by-state', [{ AttributeName: 'state', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }]],
      ['pending', [{ AttributeName: 'pendingOf', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]],
    ]);
    const queries = statementsOf(roleOf('SweepFanOutsLambdaFunction')).filter((s) => actions(s).includes('dynamodb:Query'));
    expect(queries.map((s) => s.Resource)).toEqual([
      [{ 'Fn::GetAtt': ['FanOutTable', 'Arn'] }, { 'Fn::Sub': '${FanOutTable.Arn}/index/pending' }],
      [{ 'Fn::Sub': '${FanOutTable.Arn}/index/by-state' }],
    ]);
  });

  it('lets the functions that start pending children read the pending index and batch-write the table', () => {
    for (const fn of ['FanOutCallbackLambdaFunction', 'OnChildExecutionStatusLambdaFunction', 'SweepFanOutsLambdaFunction']) {
      const state = statementsOf(roleOf(fn)).find((s) => actions(s).includes('dynamodb:BatchWriteItem'));
      expect(state?.Resource).toEqual([{ 'Fn::GetAtt': ['FanOutTable', 'Arn'] }, { 'Fn::Sub': '${FanOutTable.Arn}/index/pending' }]);
    }
  });
});

describe('the EventBridge rules', () => {
  const rules = () => rulesTargeting('OnPipelineExecutionStatusLambdaFunction');
  const patternOf = (detailType: string) => {
    const rule = rules().find((r) => (r.EventPattern as { 'detail-type': string[] })['detail-type'].includes(detailType));
    if (!rule) throw new Error(`no rule for ${detailType}`);
    return resolveSubs(rule.EventPattern) as Record<string, unknown>;
  };
  const configuredArns = (names: string[]) => names.map((n) => `arn:aws:sagemaker:us-east-1:111122223333:pipeline/${n}`).sort();
  const patternArns = (pattern: Record<string, unknown>) =>
    ((pattern.detail as { pipelineArn: { 'equals-ignore-case': string }[] }).pipelineArn).map((p) => p['equals-ignore-case']).sort();

  it('match the execution status changes of exactly the configured pipelines', () => {
    const pattern = patternOf('SageMaker Model Building Pipeline Execution Status Change');
    expect(pattern.source).toEqual(['aws.sagemaker']);
    expect(patternArns(pattern)).toEqual(configuredArns(Object.keys(config.pipelines)));
    expect(matches(pattern, executionEvent)).toBe(true);
    const lowerCased = { ...executionEvent, detail: { ...executionEvent.detail, pipelineArn: executionEvent.detail.pipelineArn.toLowerCase() } };
    expect(matches(pattern, lowerCased)).toBe(true);
    expect(matches(pattern, unroutedEvent)).toBe(false);
    for (const status of ['Executing', 'Succeeded', 'Failed', 'Stopping', 'Stopped']) {
      expect(matches(pattern, { ...executionEvent, detail: { ...executionEvent.detail, currentPipelineExecutionStatus: status } })).toBe(true);
    }
  });

  it('match the succeeded steps of the pipelines with step-triggered routes only', () => {
    const pattern = patternOf('SageMaker Model Building Pipeline Execution Step Status Change');
    const stepPipelines = Object.entries(config.pipelines)
      .filter(([, p]) => p.routes.some((r) => triggerOf(r) === 'step'))
      .map(([n]) => n);
    expect(patternArns(pattern)).toEqual(configuredArns(stepPipelines));
    expect(matches(pattern, stepEvent)).toBe(true);
    expect(matches(pattern, { ...stepEvent, detail: { ...stepEvent.detail, currentStepStatus: 'Executing' } })).toBe(false);
  });

  it('send what they cannot deliver to the on-failure queue', () => {
    for (const rule of rules()) {
      const [target] = rule.Targets as { DeadLetterConfig?: { Arn: unknown } }[];
      expect(target?.DeadLetterConfig?.Arn).toEqual({ 'Fn::GetAtt': ['PostProcessingFailedEventsQueue', 'Arn'] });
    }
  });
});

describe('reliability and deploy options', () => {
  it('retries a failed invocation a bounded number of times, then sends it to the on-failure queue', () => {
    const config = resources.OnPipelineExecutionStatusLambdaEvConf;
    expect(config?.Type).toBe('AWS::Lambda::EventInvokeConfig');
    expect(config?.Properties.MaximumRetryAttempts).toBe(deploy.maximumRetryAttempts);
    expect(config?.Properties.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': ['PostProcessingFailedEventsQueue', 'Arn'] } } });
    expect(resources.PostProcessingFailedEventsQueue?.Type).toBe('AWS::SQS::Queue');
    const send = statementsOf(roleOf('OnPipelineExecutionStatusLambdaFunction')).find((s) => actions(s).includes('sqs:SendMessage'));
    expect(send?.Resource).toEqual({ 'Fn::GetAtt': ['PostProcessingFailedEventsQueue', 'Arn'] });
  });

  it('tags every function, role and queue with the cost-allocation tag, and the stack', () => {
    const tag = deploy.costAllocationTag;
    if (!tag) throw new Error('the shipped config sets a cost-allocation tag');
    const tagged = [...ofType('AWS::Lambda::Function'), ...ofType('AWS::IAM::Role'), ...ofType('AWS::SQS::Queue')];
    for (const [id, resource] of tagged) {
      expect([id, resource.Properties.Tags]).toEqual([id, expect.arrayContaining([{ Key: tag.key, Value: tag.value }])]);
    }
    expect(stackTags).toEqual({ [tag.key]: tag.value });
  });

  it('sets the configured retention on every log group', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBe(ofType('AWS::Lambda::Function').length);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(deploy.logRetentionInDays);
  });

  it('keeps the fan-out state, the queued messages and the Athena results bucket when the stack goes or replaces them', () => {
    const retained = [
      'FanOutTable',
      'FanOutQueue',
      'FanOutDeadLetterQueue',
      'FanOutFailedEventsQueue',
      'PostProcessingFailedEventsQueue',
      'AthenaResultsBucket',
    ];
    for (const id of retained) {
      expect([id, resources[id]?.DeletionPolicy, resources[id]?.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
    }
    // Everything else that holds data is named here: a new stateful resource must be added above.
    const stateful = ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::S3::Bucket'];
    const others = Object.entries(resources).filter(([id, r]) => stateful.includes(r.Type) && !retained.includes(id));
    expect(others.map(([id]) => id)).toEqual(['ServerlessDeploymentBucket']);
  });

  it('puts no function in a VPC when none is configured', () => {
    expect(deploy.vpc).toBeUndefined();
    for (const [, fn] of ofType('AWS::Lambda::Function')) expect(fn.Properties.VpcConfig).toBeUndefined();
  });
});

describe("the packaged template's Outputs (what `sls info --verbose` prints after a deploy)", () => {
  const referenced = (value: unknown) => {
    const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    return v.Ref ?? v['Fn::GetAtt']?.[0];
  };

  it("give each LambdaStep function's ARN", () => {
    const lambdaSteps = Object.entries(FUNCTIONS).filter(([, fn]) => fn.trigger.kind === 'LambdaStep');
    expect(lambdaSteps.length).toBeGreaterThanOrEqual(7);
    for (const [fn] of lambdaSteps) {
      const id = `${fn[0]?.toUpperCase()}${fn.slice(1)}`;
      expect([fn, outputs[`${id}FunctionArn`]?.Value]).toEqual([fn, { 'Fn::GetAtt': [`${id}LambdaFunction`, 'Arn'] }]);
      expect(resources[`${id}LambdaFunction`]?.Type).toBe('AWS::Lambda::Function');
    }
  });

  it("give every queue's URL: the CallbackStep's queue, its dead-letter queue and the failed-events queues", () => {
    const queues = ofType('AWS::SQS::Queue').map(([id]) => id);
    expect(queues).toEqual(expect.arrayContaining(['FanOutQueue', 'FanOutDeadLetterQueue', 'FanOutFailedEventsQueue', 'PostProcessingFailedEventsQueue']));
    for (const queue of queues) expect([queue, outputs[`${queue}Url`]?.Value]).toEqual([queue, { Ref: queue }]);
    expect(outputs.FanOutQueueUrl?.Description).toMatch(/CallbackStep's sqs_queue_url/);
    expect(outputs.FanOutQueueArn?.Value).toEqual({ 'Fn::GetAtt': ['FanOutQueue', 'Arn'] });
  });

  it('describe each output and refer only to resources of the stack', () => {
    for (const [name, output] of Object.entries(outputs)) {
      const id = referenced(output.Value);
      expect([name, id !== undefined && id in resources]).toEqual([name, true]);
      if (!/QualifiedArn$|^ServerlessDeploymentBucketName$/.test(name)) expect([name, output.Description]).toEqual([name, expect.any(String)]);
    }
  });
});

describe('monitoring (infra/monitoring.ts)', () => {
  const getAttId = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);

  it('alarms on every queue that can hold a failed message', () => {
    const holding = new Set<string>();
    for (const [, q] of ofType('AWS::SQS::Queue')) {
      const target = getAttId((q.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn);
      if (target) holding.add(target);
    }
    for (const [, c] of ofType('AWS::Lambda::EventInvokeConfig')) {
      const target = getAttId((c.Properties.DestinationConfig as { OnFailure?: { Destination?: unknown } }).OnFailure?.Destination);
      if (target) holding.add(target);
    }
    for (const [, r] of ofType('AWS::Events::Rule')) {
      for (const t of r.Properties.Targets as { DeadLetterConfig?: { Arn?: unknown } }[]) {
        const target = getAttId(t.DeadLetterConfig?.Arn);
        if (target) holding.add(target);
      }
    }
    expect([...holding].sort()).toEqual(['FanOutDeadLetterQueue', 'FanOutFailedEventsQueue', 'PostProcessingFailedEventsQueue']);
    for (const id of holding) {
      const alarm = alarms().find((a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }]));
      expect([id, alarm?.MetricName]).toEqual([id, 'ApproximateNumberOfMessagesVisible']);
    }
  });

  it('sends every alarm to the stack\'s topic', () => {
    expect(resources.AlarmTopic?.Type).toBe('AWS::SNS::Topic');
    expect(alarms().length).toBeGreaterThan(20);
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('has a dashboard whose body is valid JSON, graphing only metrics the code publishes', () => {
    const [[, dashboard] = []] = ofType('AWS::CloudWatch::Dashboard');
    const { widgets, variables } = parseBody(dashboard?.Properties.DashboardBody);
    expect(notPublished(widgetMetrics(widgets))).toEqual([]);
    for (const v of variables.filter((x) => !x.startsWith('AWS::'))) expect([v, resources[v.split('.')[0] ?? '']?.Type]).toEqual([v, expect.any(String)]);
  });

  it('publishes in the namespace and service the dashboard reads, and counts stalls as configured', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect([id, env.POWERTOOLS_METRICS_NAMESPACE, env.POWERTOOLS_SERVICE_NAME]).toEqual([id, METRICS_NAMESPACE, METRICS_SERVICE]);
    }
    const sweep = (resources.SweepFanOutsLambdaFunction?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(sweep.FAN_OUT_STALLED_AFTER_MINUTES).toBe(String(alarmOptions(config).fanOutStalledAfterMinutes));
    // The stalled alarm's period is the sweep's rate: one gauge sample per period.
    const [rule] = rulesTargeting('SweepFanOutsLambdaFunction');
    const minutes = Number(/^rate\((\d+) minutes\)$/.exec(String(rule?.ScheduleExpression))?.[1]);
    expect(alarms().find((a) => a.MetricName === 'FanOutsStalled')?.Period).toBe(minutes * 60);
  });

  it('lets fanOutProgress read the fan-out table only', () => {
    const statements = statementsOf(roleOf('FanOutProgressLambdaFunction')).filter((st) => !actions(st).every((a) => a.startsWith('logs:')));
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [{ 'Fn::GetAtt': ['FanOutTable', 'Arn'] }] }]);
  });
});
