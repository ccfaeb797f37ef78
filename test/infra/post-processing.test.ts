/** onPipelineExecutionStatus's IAM and the stack's deploy options, built from configs in memory (no sls command here). */
import fc from 'fast-check';
import type { Statement } from '../../infra/cfn';
import { stackContext } from '../../infra/context';
import { postProcessingStatements } from '../../infra/post-processing';
import { buildStack } from '../../infra/stack';
import { parsePostProcessingConfig, type PostProcessingConfig } from '../../lib/post-processing/config';

interface Ctx {
  stage: string;
  config: PostProcessingConfig;
}
interface Role {
  Type: string;
  Properties: { Tags?: { Key: string; Value: string }[]; Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
}
const postProcessing = (c: Ctx) => ({ functions: { onPipelineExecutionStatus: postProcessingStatements(stackContext(c.stage, c.config)) } });
const withDeployOf = (config: PostProcessingConfig, deploy: PostProcessingConfig['deploy']) => parsePostProcessingConfig({ ...config, deploy });
const build = (c: Ctx) => ({ Resources: buildStack(c.stage, c.config).Resources as unknown as Record<string, Role> });

const glueOnly = parsePostProcessingConfig({
  pipelines: {
    'Daily-Features': {
      routes: [{ database: 'db', table: 't', location: 's3://data-bucket/t/', strategy: 'glue', scope: 'table', glue: { removeMissing: true } }],
    },
  },
});
const ctx = (overrides: Partial<Ctx> = {}): Ctx => ({ stage: 'dev', config: glueOnly, ...overrides });
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('infra/post-processing.ts', () => {
  it('grants only what the configured strategies and scopes call', () => {
    const statements = postProcessing(ctx()).functions.onPipelineExecutionStatus ?? [];
    expect(actionsOf(statements).sort()).toEqual(
      [
        'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutionSteps',
        'glue:GetTable',
        'glue:BatchGetPartition',
        'glue:BatchCreatePartition',
        'glue:GetPartitions',
        'glue:BatchDeletePartition',
        's3:ListBucket',
        's3:GetObject',
        's3:GetBucketLocation',
      ].sort(),
    );
  });

  it('names a pipeline\'s executions as configured and lower-cased', () => {
    const [sagemaker] = postProcessing(ctx()).functions.onPipelineExecutionStatus ?? [];
    expect(JSON.stringify(sagemaker?.Resource)).toContain('pipeline/Daily-Features/execution/*');
    expect(JSON.stringify(sagemaker?.Resource)).toContain('pipeline/daily-features/execution/*');
  });

  it('lists a bucket-root Location without a prefix condition, and a prefix with one', () => {
    const root = parsePostProcessingConfig({
      pipelines: { p: { routes: [{ database: 'db', table: 't', location: 's3://data-bucket', strategy: 'glue', scope: 'table' }] } },
    });
    const list = (c: PostProcessingConfig) =>
      (postProcessing(ctx({ config: c })).functions.onPipelineExecutionStatus ?? []).find((s) => actionsOf([s]).includes('s3:ListBucket'));
    expect(list(root)?.Condition).toBeUndefined();
    expect(list(glueOnly)?.Condition).toEqual({ StringLike: { 's3:prefix': ['t/*'] } });
  });
});

describe('the stack\'s deploy options', () => {
  it('adds the ENI actions to every role when a VPC is configured', () => {
    const { Resources } = build(ctx({ config: withDeployOf(glueOnly, { vpc: { subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0a'] } }) }));
    const roles = Object.values(Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(1);
    for (const role of roles) {
      const statements = role.Properties.Policies?.flatMap((p) => p.PolicyDocument.Statement) ?? [];
      expect(statements).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['ec2:CreateNetworkInterface']), Resource: '*' }));
    }
  });

  it('adds no EC2 action without a VPC', () => {
    const { Resources } = build(ctx());
    expect(JSON.stringify(Resources)).not.toContain('ec2:');
  });

  it('tags the roles and the queue with the cost-allocation tag', () => {
    const { Resources } = build(ctx({ config: withDeployOf(glueOnly, { costAllocationTag: { key: 'cost-center', value: 'ml' } }) }));
    for (const resource of Object.values(Resources).filter((r) => ['AWS::IAM::Role', 'AWS::SQS::Queue'].includes(r.Type))) {
      expect(resource.Properties.Tags).toContainEqual({ Key: 'cost-center', Value: 'ml' });
    }
  });
});

describe('KMS keys, workgroup result locations and Lake Formation (deploy options)', () => {
  const TABLE_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const RESULTS_KEY = 'arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef';
  const athenaRoute = (workGroup: string) => ({
    database: 'db',
    table: 't',
    location: 's3://data-bucket/t/',
    strategy: 'athena-add',
    scope: 'table',
    athena: { workGroup, outputLocation: 's3://client-results/asked/' },
  });
  const withDeploy = (deploy: Record<string, unknown>, workGroup = 'analytics') =>
    parsePostProcessingConfig({ pipelines: { p: { routes: [athenaRoute(workGroup)] } }, deploy });
  const statementsOf = (config: PostProcessingConfig) => postProcessing(ctx({ config })).functions.onPipelineExecutionStatus ?? [];
  const withAction = (statements: Statement[], action: string) => statements.filter((s) => actionsOf([s]).includes(action));

  it('grants kms:Decrypt on exactly the table data keys, and GenerateDataKey + Decrypt on exactly the workgroup\'s results key', () => {
    const config = withDeploy({
      kms: { tableDataKeys: [TABLE_KEY] },
      athenaWorkGroups: [{ name: 'analytics', outputLocation: 's3://wg-results/athena/', resultsKmsKey: RESULTS_KEY }],
    });
    const statements = statementsOf(config);
    const kms = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
    expect(kms).toEqual([
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [TABLE_KEY] },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [RESULTS_KEY] },
    ]);
    for (const action of actionsOf(statements)) expect(action).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
  });

  it('grants S3 on the result location the workgroup enforces, not on the one the route asks for', () => {
    const enforced = statementsOf(withDeploy({ athenaWorkGroups: [{ name: 'analytics', outputLocation: 's3://wg-results/athena/' }] }));
    const put = JSON.stringify(withAction(enforced, 's3:PutObject').map((s) => s.Resource));
    expect(put).toContain('s3:::wg-results/athena/*');
    expect(put).not.toContain('client-results');
    expect(JSON.stringify(withAction(enforced, 's3:ListBucketMultipartUploads').map((s) => s.Resource))).toContain('s3:::wg-results');
    // Without the workgroup's settings, the route's own location (as before).
    const plain = statementsOf(withDeploy({}));
    expect(JSON.stringify(withAction(plain, 's3:PutObject').map((s) => s.Resource))).toContain('s3:::client-results/asked/*');
    expect(actionsOf(plain).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  it('gives the results key of a workgroup without an enforced location, keeping the route\'s location', () => {
    const statements = statementsOf(withDeploy({ athenaWorkGroups: [{ name: 'analytics', resultsKmsKey: RESULTS_KEY }] }));
    expect(JSON.stringify(withAction(statements, 's3:PutObject').map((s) => s.Resource))).toContain('s3:::client-results/asked/*');
    expect(withAction(statements, 'kms:GenerateDataKey').map((s) => s.Resource)).toEqual([[RESULTS_KEY]]);
  });

  it('adds lakeformation:GetDataAccess to the Athena callers only when deploy.lakeFormation is set', () => {
    const on = build(ctx({ config: withDeploy({ lakeFormation: true }) })).Resources;
    const off = build(ctx({ config: withDeploy({}) })).Resources;
    const granted = (all: Record<string, Role>, role: string) =>
      (all[role]?.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement).filter((s) => actionsOf([s]).includes('lakeformation:GetDataAccess'));
    for (const role of ['OnPipelineExecutionStatusRole', 'RepairTableRole']) {
      expect(granted(on, role)).toEqual([{ Effect: 'Allow', Action: ['lakeformation:GetDataAccess'], Resource: '*' }]);
      expect(granted(off, role)).toEqual([]);
    }
    // The Glue API callers do not go through Athena: Lake Formation grants alone govern them.
    expect(granted(on, 'CreatePartitionsRole')).toEqual([]);
  });

  it('refuses an alias, a bad ARN, an unused or repeated workgroup, naming the field', () => {
    const bad = (deploy: Record<string, unknown>) => () => withDeploy(deploy);
    expect(bad({ kms: { tableDataKeys: ['arn:aws:kms:us-east-1:111122223333:alias/data'] } })).toThrow(/deploy\.kms\.tableDataKeys\[0\]: expected a KMS key ARN/);
    expect(bad({ athenaWorkGroups: [{ name: 'analytics', resultsKmsKey: 'key/*' }] })).toThrow(/deploy\.athenaWorkGroups\[0\]\.resultsKmsKey: expected a KMS key ARN/);
    expect(bad({ athenaWorkGroups: [{ name: 'other', resultsKmsKey: RESULTS_KEY }] })).toThrow(/deploy\.athenaWorkGroups\[0\]\.name: no Athena route uses workgroup other/);
    expect(
      bad({ athenaWorkGroups: [{ name: 'analytics', resultsKmsKey: RESULTS_KEY }, { name: 'analytics', outputLocation: 's3://wg-results/' }] }),
    ).toThrow(/deploy\.athenaWorkGroups\[1\]\.name: analytics is listed twice/);
    expect(bad({ athenaWorkGroups: [{ name: 'analytics' }] })).toThrow(/deploy\.athenaWorkGroups\[0\]: expected outputLocation, resultsKmsKey or both/);
    expect(bad({ athenaWorkGroups: [{ name: 'analytics', outputLocation: 's3://wg-results/${AWS::Region}/' }] })).toThrow(
      /deploy\.athenaWorkGroups\[0\]\.outputLocation/,
    );
    // The default workgroup of an Athena route is primary.
    expect(() => withDeploy({ athenaWorkGroups: [{ name: 'primary', resultsKmsKey: RESULTS_KEY }] }, 'primary')).not.toThrow();
  });

  it('accepts a key only as a KMS key ARN, and otherwise names the field (any string)', () => {
    const KEY = /^arn:aws(-cn|-us-gov|-iso|-iso-[a-z])?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(TABLE_KEY, RESULTS_KEY, `${TABLE_KEY}*`, `${TABLE_KEY}\n`, TABLE_KEY.toUpperCase())), (key) => {
        const parse = () => withDeploy({ kms: { tableDataKeys: [key] } });
        if (KEY.test(key)) expect(statementsOf(parse()).find((s) => actionsOf([s]).includes('kms:Decrypt'))?.Resource).toEqual([key]);
        else expect(parse).toThrow(/deploy\.kms\.tableDataKeys\[0\]/);
      }),
    );
  });
});
