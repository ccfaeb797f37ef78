/** infra/index.js and infra/post-processing.js built from configs in memory (no sls command here). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePostProcessingConfig, type PostProcessingConfig } from '../../lib/post-processing/config';

interface Statement {
  Action: string[] | string;
  Resource: unknown;
  Condition?: unknown;
}
interface Resource {
  Type: string;
  Properties: { Tags?: { Key: string; Value: string }[]; Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
}
interface Ctx {
  stage: string;
  config: PostProcessingConfig;
  vpc: { subnetIds: string[]; securityGroupIds: string[] } | null;
  tags: Record<string, string>;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const index = require('../../infra/index.js') as { build(ctx: Ctx): { Resources: Record<string, Resource> } };
const postProcessing = require('../../infra/post-processing.js') as (ctx: Ctx) => { functions: Record<string, Statement[]> };
const configLoader = require('../../infra/_config.js') as { parseConfigFile(file: string): { config: PostProcessingConfig } };
/* eslint-enable @typescript-eslint/no-require-imports */

const glueOnly = parsePostProcessingConfig({
  pipelines: {
    'Daily-Features': {
      routes: [{ database: 'db', table: 't', location: 's3://data-bucket/t/', strategy: 'glue', scope: 'table', glue: { removeMissing: true } }],
    },
  },
});
const ctx = (overrides: Partial<Ctx> = {}): Ctx => ({ stage: 'dev', config: glueOnly, vpc: null, tags: {}, ...overrides });
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('infra/post-processing', () => {
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
        'sqs:SendMessage',
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
    expect(list(glueOnly)?.Condition).toEqual({ StringLike: { 's3:prefix': ['t/', 't/*'] } });
  });
});

describe('infra/index build options', () => {
  it('adds the ENI actions to every role when a VPC is configured', () => {
    const { Resources } = index.build(ctx({ vpc: { subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0a'] } }));
    const roles = Object.values(Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(1);
    for (const role of roles) {
      const statements = role.Properties.Policies?.flatMap((p) => p.PolicyDocument.Statement) ?? [];
      expect(statements).toContainEqual(expect.objectContaining({ Action: expect.arrayContaining(['ec2:CreateNetworkInterface']), Resource: '*' }));
    }
  });

  it('adds no EC2 action without a VPC', () => {
    const { Resources } = index.build(ctx());
    expect(JSON.stringify(Resources)).not.toContain('ec2:');
  });

  it('tags the roles and the queue with the cost-allocation tag', () => {
    const { Resources } = index.build(ctx({ tags: { 'cost-center': 'ml' } }));
    for (const resource of Object.values(Resources).filter((r) => ['AWS::IAM::Role', 'AWS::SQS::Queue'].includes(r.Type))) {
      expect(resource.Properties.Tags).toContainEqual({ Key: 'cost-center', Value: 'ml' });
    }
  });
});

describe('infra/_config (deploy-time validation)', () => {
  it('refuses a bad config file, naming the file and the field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-config-'));
    const file = path.join(dir, 'post-processing.json');
    fs.writeFileSync(file, JSON.stringify({ pipelines: { p: { routes: [{ database: 'db', table: 't', location: 's3://data-bucket/t/', strategy: 'msck', scope: 'table' }] } } }));
    expect(() => configLoader.parseConfigFile(file)).toThrow(/post-processing\.json: pipelines\.p\.routes\[0\]\.strategy: expected one of glue/);
  });
});
