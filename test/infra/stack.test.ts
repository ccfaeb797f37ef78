/** infra/stack.ts built in memory: the deploy options, the timing rules, and configurations at scale. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import shipped from '../../config/post-processing.json';
import type { Statement } from '../../infra/cfn';
import { FUNCTIONS, type Catalog } from '../../infra/catalog';
import { stackContext } from '../../infra/context';
import { StackLimitError } from '../../infra/iam';
import { AWS_LIMITS, jsonSize } from '../../infra/limits';
import { registrationAlarmId } from '../../infra/monitoring';
import { postProcessingStatements } from '../../infra/post-processing';
import { buildStack, deployWarnings, SHIPPED_EXAMPLES, TimingRuleError, timingProblems } from '../../infra/stack';
import { CLAIM_LEASE_MS, FAN_OUT_QUEUE_MAX_RECEIVE_COUNT } from '../../lib/fan-out/timing';
import { deployOptions, parsePostProcessingConfig, type PostProcessingConfig } from '../../lib/post-processing/config';

type Resources = ReturnType<typeof buildStack>['Resources'];
const config = parsePostProcessingConfig(shipped);
const withDeploy = (deploy: Record<string, unknown>, base: object = shipped) =>
  parsePostProcessingConfig({ ...base, deploy: { ...(base as { deploy?: object }).deploy, ...deploy } });
const limit = (key: string) => AWS_LIMITS[key]?.value ?? Number.NaN;

/** Every statement of a role: its inline policy and the managed policies it attaches. */
function statementsOf(resources: Resources, roleId: string): Statement[] {
  const role = resources[roleId]?.Properties as { Policies: { PolicyDocument: { Statement: Statement[] } }[]; ManagedPolicyArns?: { Ref: string }[] };
  const managed = (role.ManagedPolicyArns ?? []).map((r) => (resources[r.Ref]?.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument);
  return [...role.Policies.map((p) => p.PolicyDocument), ...managed].flatMap((d) => d.Statement);
}
const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
/** `action resource` pairs a set of statements grants (conditions included). */
const grants = (statements: Statement[]) =>
  new Set(statements.flatMap((s) => s.Action.flatMap((a) => asList(s.Resource).map((r) => `${a} ${JSON.stringify(r)} ${JSON.stringify(s.Condition ?? null)}`))));
const withAction = (statements: Statement[], action: string) => statements.filter((s) => s.Action.includes(action));
const objects = (bucket: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/*` });

describe('deploy options', () => {
  it('narrows the manifest reads of both fan-out functions to deploy.fanOutManifestBuckets (defect 1: it was ignored)', () => {
    const narrowed = buildStack('dev', withDeploy({ fanOutManifestBuckets: ['ml-manifests', 'other.bucket'] })).Resources;
    for (const role of ['StartChildPipelinesRole', 'FanOutCallbackRole']) {
      expect(withAction(statementsOf(narrowed, role), 's3:GetObject').map((s) => s.Resource)).toEqual([[objects('ml-manifests'), objects('other.bucket')]]);
    }
    const open = buildStack('dev', config).Resources;
    expect(withAction(statementsOf(open, 'FanOutCallbackRole'), 's3:GetObject').map((s) => s.Resource)).toEqual([[objects('*')]]);
    expect(withAction(statementsOf(open, 'OnChildExecutionStatusRole'), 's3:GetObject')).toEqual([]);
  });

  it('returns every option the schema accepts, so none is dropped on the way to the template', () => {
    const full = withDeploy({
      fanOutManifestBuckets: ['ml-manifests'],
      fanOutResultsBuckets: ['ml-results'],
      childPipelines: 'child-*',
      lambdaStepPartitions: { databases: ['db'], dataBuckets: ['data-bucket'] },
      lakeFormation: true,
      vpc: { subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0a'] },
    });
    const resolved = deployOptions(full);
    for (const [key, value] of Object.entries(full.deploy ?? {})) expect([key, resolved[key as keyof typeof resolved]]).toEqual([key, value]);
    // @ts-expect-error: an option deployOptions() does not return is a compile error, not a silent default.
    expect(resolved.fanOutManifestBucket).toBeUndefined();
  });

  it('lets the fan-in functions write results only to deploy.fanOutResultsBuckets, and tells them which (none by default)', () => {
    const fanIn = ['FanOutCallback', 'OnChildExecutionStatus', 'SweepFanOuts'];
    const none = buildStack('dev', config);
    for (const id of [...fanIn, 'StartChildPipelines']) expect(withAction(statementsOf(none.Resources, `${id}Role`), 's3:PutObject')).toEqual([]);
    for (const id of fanIn) expect(none.functions[`${id[0]?.toLowerCase()}${id.slice(1)}`]?.environment?.FAN_OUT_RESULTS_BUCKETS).toBe('');
    const some = buildStack('dev', withDeploy({ fanOutResultsBuckets: ['ml-results', 'audit.results'] }));
    for (const id of fanIn) {
      expect(withAction(statementsOf(some.Resources, `${id}Role`), 's3:PutObject').map((s) => s.Resource)).toEqual([[objects('ml-results'), objects('audit.results')]]);
      expect(some.functions[`${id[0]?.toLowerCase()}${id.slice(1)}`]?.environment?.FAN_OUT_RESULTS_BUCKETS).toBe('ml-results,audit.results');
    }
    expect(withAction(statementsOf(some.Resources, 'StartChildPipelinesRole'), 's3:PutObject')).toEqual([]);
  });

  it('lets the fan-in functions retry exactly the child pipelines they may start (deploy.childPipelines, default *)', () => {
    const child = (pattern: string) => [
      { 'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:pipeline/${pattern}` },
      { 'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:pipeline/${pattern}/execution/*` },
    ];
    for (const [built, pattern] of [[buildStack('dev', config), '*'], [buildStack('dev', withDeploy({ childPipelines: 'child-*' })), 'child-*']] as const) {
      for (const id of ['FanOutCallback', 'OnChildExecutionStatus', 'SweepFanOuts']) {
        const statements = statementsOf(built.Resources, `${id}Role`);
        expect(withAction(statements, 'sagemaker:RetryPipelineExecution').map((s) => s.Resource)).toEqual([child(pattern)]);
        expect(withAction(statements, 'sagemaker:StartPipelineExecution').map((s) => s.Resource)).toEqual([[child(pattern)[0]]]);
      }
      expect(withAction(statementsOf(built.Resources, 'StartChildPipelinesRole'), 'sagemaker:RetryPipelineExecution')).toEqual([]);
    }
  });

  it('refuses a bad bucket or child pattern, naming the option', () => {
    expect(() => withDeploy({ fanOutResultsBuckets: ['Bad_Bucket'] })).toThrow(/deploy\.fanOutResultsBuckets\[0\]: expected an S3 bucket name/);
    expect(() => withDeploy({ childPipelines: 'child/*' })).toThrow(/deploy\.childPipelines: expected a pipeline name or pattern/);
    expect(() => withDeploy({ childPipelines: '' })).toThrow(/deploy\.childPipelines/);
  });
});

describe('a configuration with no pipeline (defect 2)', () => {
  const empty = buildStack('dev', parsePostProcessingConfig({ pipelines: {} })).Resources;

  it('keeps the status function\'s permission to send to its own on-failure queue', () => {
    expect(withAction(statementsOf(empty, 'OnPipelineExecutionStatusRole'), 'sqs:SendMessage').map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': ['PostProcessingFailedEventsQueue', 'Arn'] },
    ]);
  });

  it('creates no rule for it and no queue policy naming no rule', () => {
    expect(Object.keys(empty).filter((id) => id.startsWith('PipelineStatus') || id.startsWith('PipelineStepStatus'))).toEqual([]);
    expect(empty.PostProcessingFailedEventsQueuePolicy).toBeUndefined();
    expect(JSON.stringify(empty)).not.toContain('"aws:SourceArn":[]');
    expect(empty.FanOutFailedEventsQueuePolicy?.Type).toBe('AWS::SQS::QueuePolicy');
  });
});

describe('registration alarms (defect 3)', () => {
  const route = (database: string, table: string) => ({ database, table, location: `s3://data-bucket/${table}/`, strategy: 'glue', scope: 'table' });

  it('give tables whose names differ only in ".", "_" or "-" an alarm each', () => {
    const tables = [route('sales-eu', 'orders'), route('sales_eu', 'orders'), route('sales', 'eu_orders'), route('sales', 'eu-orders')];
    const built = buildStack('dev', parsePostProcessingConfig({ pipelines: { p: { routes: tables } } })).Resources;
    const alarms = Object.entries(built).filter(([, r]) => r.Properties.MetricName === 'RegistrationsFailed');
    expect(alarms).toHaveLength(4);
    expect(new Set(alarms.map(([, r]) => r.Properties.AlarmName)).size).toBe(4);
  });

  it('keep logical IDs of the longest names within 255 alphanumerics, distinct', () => {
    const [a, b] = [registrationAlarmId(`${'d'.repeat(120)}.${'t'.repeat(150)}`), registrationAlarmId(`${'d'.repeat(120)}.${'t'.repeat(149)}u`)];
    for (const id of [a, b]) expect(id).toMatch(/^[A-Za-z0-9]{1,255}$/);
    expect(a).not.toBe(b);
    const longest = parsePostProcessingConfig({ pipelines: { p: { routes: [route('d'.repeat(120), 't'.repeat(150))] } } });
    expect(() => buildStack('dev', longest)).not.toThrow();
  });
});

describe('the stage (defect 4)', () => {
  it('is refused over 256 characters (the stack\'s STAGE tag), naming the stage and the limit', () => {
    expect(() => buildStack('s'.repeat(257), config)).toThrow(/stage "s+\.\.\." is 257 characters: at most 256/);
    expect(buildStack('s'.repeat(256), config).stackName.length).toBeLessThanOrEqual(128);
  });
});

describe('the timing rules', () => {
  const built = buildStack('dev', config);

  it('hold for the catalog: visibility 6 x the consumer\'s timeout, the shared maxReceiveCount, the lease, the gauge period', () => {
    expect(timingProblems(FUNCTIONS, built.Resources)).toEqual([]);
    const queue = built.Resources.FanOutQueue?.Properties as { VisibilityTimeout: number; RedrivePolicy: { maxReceiveCount: number } };
    expect(queue.VisibilityTimeout).toBe(FUNCTIONS.fanOutCallback.timeout * 6);
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(FAN_OUT_QUEUE_MAX_RECEIVE_COUNT);
    expect(built.Resources.FanOutsStalledAlarm?.Properties.Period).toBe(FUNCTIONS.sweepFanOuts.trigger.rateMinutes * 60);
  });

  it('fail the build when a function that claims fan-outs may outlive the claim lease', () => {
    const slow: Catalog = { ...FUNCTIONS, sweepFanOuts: { ...FUNCTIONS.sweepFanOuts, timeout: CLAIM_LEASE_MS / 1000 } };
    expect(() => buildStack('dev', config, slow)).toThrow(TimingRuleError);
    expect(() => buildStack('dev', config, slow)).toThrow(/CLAIM_LEASE_MS \(150000 ms\) must outlast sweepFanOuts's timeout \(150 s\)/);
  });

  it('name a queue, a redrive or an alarm period that breaks them', () => {
    const broken = structuredClone(built.Resources);
    Object.assign(broken.FanOutQueue?.Properties ?? {}, { VisibilityTimeout: 300, RedrivePolicy: { maxReceiveCount: 3 } });
    Object.assign(broken.FanOutsStalledAlarm?.Properties ?? {}, { Period: 300 });
    expect(timingProblems(FUNCTIONS, broken)).toEqual([
      "FanOutQueue's VisibilityTimeout (300) must be 6 x fanOutCallback's timeout (120 s)",
      `FanOutQueue's maxReceiveCount must be FAN_OUT_QUEUE_MAX_RECEIVE_COUNT (${FAN_OUT_QUEUE_MAX_RECEIVE_COUNT})`,
      "FanOutsStalledAlarm's period (300 s) must be the sweep's rate (900 s)",
    ]);
  });

  it('give createPartitions the LambdaStep\'s whole 10 minutes', () => {
    expect(built.functions.createPartitions?.timeout).toBe(600);
  });
});

/** `pipelines` pipelines named `<prefix><i>-aaa…` of `nameLength` characters, `perPipeline` glue routes each. */
function scaled(pipelines: number, nameLength: number, perPipeline: number, tableLength: number, upper = false): PostProcessingConfig {
  const entries = Array.from({ length: pipelines }, (_, i) => {
    const routes = Array.from({ length: perPipeline }, (_, j) => {
      const k = i * perPipeline + j;
      const table = `t${k}_`.padEnd(tableLength, 'y');
      return { database: `d${k % 20}_`.padEnd(20, 'x'), table, location: `s3://bucket-${k % 5}/${table}/`, strategy: 'glue', scope: 'table', ...(j === 0 ? { trigger: 'step', steps: ['s'], scope: 'outputs' } : {}) };
    });
    return [`${upper ? 'P' : 'p'}${i}-`.padEnd(nameLength, 'a'), { routes }];
  });
  return parsePostProcessingConfig({ pipelines: Object.fromEntries(entries) });
}

/** Checks the limits a stack's own resources may break: pattern size, policy sizes and counts. */
function expectWithinLimits(resources: Resources) {
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern) {
      expect([id, jsonSize(r.Properties.EventPattern, resources) <= limit('eventPatternChars')]).toEqual([id, true]);
    }
    if (r.Type === 'AWS::IAM::ManagedPolicy') expect([id, jsonSize(r.Properties.PolicyDocument, resources) <= limit('managedPolicyChars')]).toEqual([id, true]);
    if (r.Type === 'AWS::IAM::Role') {
      const props = r.Properties as { Policies: { PolicyName: string; PolicyDocument: unknown }[]; ManagedPolicyArns?: unknown[] };
      expect([id, props.Policies.reduce((sum, p) => sum + jsonSize(p.PolicyDocument, resources), 0) <= limit('roleInlinePolicyChars')]).toEqual([id, true]);
      expect([id, (props.ManagedPolicyArns ?? []).length <= limit('managedPoliciesPerRole')]).toEqual([id, true]);
    }
  }
}

describe('configurations at scale (defect 5)', () => {
  it('fit 100 pipelines of 256-character names: the rules split by pattern size, each pipeline matched once; the role in managed policies', () => {
    const big = scaled(100, 256, 1, 30);
    const built = buildStack('production', big).Resources;
    expectWithinLimits(built);
    const rules = Object.entries(built).filter(([id]) => /^PipelineStatusRule\d+$/.test(id));
    expect(rules.length).toBeGreaterThan(1);
    const matched = rules.flatMap(([, r]) => (r.Properties.EventPattern as { detail: { pipelineArn: { 'equals-ignore-case': { 'Fn::Sub': string } }[] } }).detail.pipelineArn);
    expect(matched.map((m) => m['equals-ignore-case']['Fn::Sub'].split('pipeline/')[1]).sort()).toEqual(Object.keys(big.pipelines).sort());
    for (const [id] of rules) expect(built[`${id}Permission`]?.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
    expect((built.PostProcessingFailedEventsQueuePolicy?.Properties.PolicyDocument as { Statement: { Condition: { ArnEquals: { 'aws:SourceArn': unknown[] } } }[] }).Statement[0]?.Condition.ArnEquals['aws:SourceArn']).toHaveLength(
      Object.keys(built).filter((id) => /^Pipeline(Step)?StatusRule\d+$/.test(id)).length,
    );
    expect(Object.values(built).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy').length).toBeGreaterThan(1);
  });

  it('fit 100 pipelines of 64-character names and 200 routed tables, granting exactly what the statements say (nothing widened)', () => {
    const big = scaled(100, 64, 2, 30);
    const built = buildStack('production', big).Resources;
    expectWithinLimits(built);
    const granted = grants(statementsOf(built, 'OnPipelineExecutionStatusRole'));
    const wanted = grants(postProcessingStatements(stackContext('production', big)));
    expect([...wanted].filter((g) => !granted.has(g))).toEqual([]);
    expect([...granted].filter((g) => !wanted.has(g) && !g.startsWith('logs:') && !g.startsWith('sqs:SendMessage'))).toEqual([]);
    expect(Object.keys(built).filter((id) => id.startsWith('RegistrationsFailed'))).toHaveLength(200);
  });

  it('refuse what cannot fit, with one message naming the option and the limits', () => {
    const tooBig = scaled(100, 256, 2, 150, true);
    expect(() => buildStack('production', tooBig)).toThrow(StackLimitError);
    expect(() => buildStack('production', tooBig)).toThrow(
      /^pipelines \(their names, routes and tables\): onPipelineExecutionStatus's IAM permissions need about \d+ characters: more than a role holds \(10240 inline plus 10 managed policies of 6144; IAM quotas\)/,
    );
  });
});

describe('deploy warnings', () => {
  it('name the shipped example pipelines and buckets, and alarms that notify nobody', () => {
    expect(deployWarnings(config)).toEqual([
      'config/post-processing.json still routes the shipped example pipelines myPipeline-123, nightly-report: replace them (docs/deploy.md)',
      'config/post-processing.json still names the shipped example buckets example-ml-bucket, example-athena-results, example-reports-bucket',
      'the alarms notify nobody: set deploy.alarms.email or deploy.alarms.topicArn (docs/monitoring.md)',
    ]);
    // The list of examples is the shipped file's.
    expect(Object.keys(shipped.pipelines).sort()).toEqual([...SHIPPED_EXAMPLES.pipelines].sort());
    const buckets = JSON.stringify(shipped).match(/s3:\/\/[a-z0-9.-]+/g)?.map((uri) => uri.slice(5)) ?? [];
    expect([...new Set(buckets)].sort()).toEqual([...SHIPPED_EXAMPLES.buckets].sort());
    const own = parsePostProcessingConfig({
      pipelines: { daily: { routes: [{ database: 'db', table: 't', location: 's3://data-bucket/t/', strategy: 'glue', scope: 'table' }] } },
      deploy: { alarms: { email: ['ops@example.com'] } },
    });
    expect(deployWarnings(own)).toEqual([]);
    expect(deployWarnings(parsePostProcessingConfig({ ...own, deploy: { alarms: { enabled: false } } }))).toEqual([]);
  });
});

describe('infra/serverless.js (what serverless.yml reads)', () => {
  it('prints a refusal once, to stderr, and ends the command with exit code 1 (no osls noise around it)', () => {
    // Outside jest's module system, as osls loads it (tsx compiles the TypeScript).
    const { JEST_WORKER_ID: _worker, ...env } = process.env;
    const result = spawnSync(process.execPath, ['-e', `require('./infra/serverless.js').stackOf('${'s'.repeat(257)}')`], {
      cwd: path.join(__dirname, '..', '..'),
      env,
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^The stack would exceed AWS limits:\n- stage "s{40}\.\.\." is 257 characters: at most 256 [^\n]*$/);
    expect(result.stdout).toBe('');
  });
});
