import shipped from '../../config/post-processing.json';
import { ConfigurationError } from '../../lib/core/errors';
import { deployOptions, parsePostProcessingConfig, type Route } from '../../lib/post-processing/config';
import { findPipeline } from '../../lib/post-processing/routing';

const route = (overrides: Partial<Record<keyof Route, unknown>> = {}) => ({
  database: 'analytics',
  table: 'features',
  location: 's3://bucket/features/',
  strategy: 'glue',
  scope: 'outputs',
  ...overrides,
});
const config = (r: object = route(), extra: object = {}) => ({ pipelines: { 'my-pipeline': { routes: [r] } }, ...extra });

const errorOf = (raw: unknown): string => {
  try {
    parsePostProcessingConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('parsePostProcessingConfig', () => {
  it('accepts the shipped example config', () => {
    const parsed = parsePostProcessingConfig(shipped);
    expect(Object.keys(parsed.pipelines)).toContain('myPipeline-123');
  });

  it('applies the deploy defaults', () => {
    expect(deployOptions(parsePostProcessingConfig(config()))).toEqual({
      logRetentionInDays: 30,
      maximumRetryAttempts: 2,
      fanOutResultsBuckets: [],
      childPipelines: '*',
    });
  });

  it('takes the databases and buckets the LambdaStep partition functions may touch, and names bad ones', () => {
    const access = { databases: ['sales_db'], dataBuckets: ['data-bucket'] };
    expect(deployOptions(parsePostProcessingConfig(config(route(), { deploy: { lambdaStepPartitions: access } }))).lambdaStepPartitions).toEqual(access);
    const message = errorOf(config(route(), { deploy: { lambdaStepPartitions: { databases: ['Sales'], dataBuckets: ['*'] } } }));
    expect(message).toMatch(/deploy\.lambdaStepPartitions\.databases\[0\]: expected a lower-case Glue database name/);
    expect(message).toMatch(/deploy\.lambdaStepPartitions\.dataBuckets\[0\]: expected an S3 bucket name/);
  });

  it('names the route field of an unknown strategy', () => {
    expect(errorOf(config(route({ strategy: 'crawler' })))).toMatch(
      /pipelines\.my-pipeline\.routes\[0\]\.strategy: expected one of glue \| athena-msck \| athena-add/,
    );
  });

  it('names a missing field', () => {
    const { location: _l, ...noLocation } = route();
    expect(errorOf(config(noLocation))).toMatch(/routes\[0\]\.location: required/);
  });

  it('refuses a misspelt field instead of ignoring it', () => {
    expect(errorOf(config(route({ glue: { removeMisssing: true } })))).toMatch(/routes\[0\]\.glue\.removeMisssing: unexpected field/);
  });

  it('refuses athena-msck scoped to outputs, naming the scope', () => {
    const athena = { outputLocation: 's3://results/athena/' };
    expect(errorOf(config(route({ strategy: 'athena-msck', athena })))).toMatch(/routes\[0\]\.scope: athena-msck always scans the whole table/);
  });

  it('requires the athena options for athena strategies', () => {
    expect(errorOf(config(route({ strategy: 'athena-add' })))).toMatch(/routes\[0\]\.athena: required for strategy athena-add/);
  });

  it('refuses glue options on an athena route', () => {
    const r = route({ strategy: 'athena-add', athena: { outputLocation: 's3://results/a/' }, glue: { removeMissing: true } });
    expect(errorOf(config(r))).toMatch(/routes\[0\]\.glue: not allowed with strategy athena-add/);
  });

  it.each([
    ['a wildcard', 's3://bucket/data/*'],
    ['a CloudFormation reference', 's3://bucket/${AWS::AccountId}/'],
    ['another scheme', 'https://bucket/data/'],
  ])('refuses a location with %s', (_what, location) => {
    expect(errorOf(config(route({ location })))).toMatch(/routes\[0\]\.location: expected an s3:\/\/bucket\/prefix\/ URI/);
  });

  it('refuses upper-case table names, which IAM would not match', () => {
    expect(errorOf(config(route({ table: 'Features' })))).toMatch(/routes\[0\]\.table: expected a lower-case Glue table name/);
  });

  it('refuses the same pipeline twice under different case', () => {
    const raw = { pipelines: { 'my-pipeline': { routes: [route()] }, 'My-Pipeline': { routes: [route({ table: 'other' })] } } };
    expect(errorOf(raw)).toMatch(/pipelines\.My-Pipeline: same pipeline as my-pipeline/);
  });

  it('refuses an invalid pipeline name', () => {
    expect(errorOf({ pipelines: { pipeline_2023: { routes: [route()] } } })).toMatch(/pipelines\.pipeline_2023: expected a SageMaker pipeline name/);
  });

  it('refuses a table routed twice for one pipeline', () => {
    const raw = { pipelines: { p: { routes: [route(), route({ scope: 'table' })] } } };
    expect(errorOf(raw)).toMatch(/pipelines\.p\.routes\[1\]\.table: analytics\.features is routed twice/);
  });

  it('names bad deploy options', () => {
    const raw = config(route(), {
      deploy: { logRetentionInDays: 31, maximumRetryAttempts: 5, vpc: { subnetIds: ['subnet-0abc'], securityGroupIds: ['default'] } },
    });
    const message = errorOf(raw);
    expect(message).toMatch(/deploy\.logRetentionInDays: expected one of 1, 3, 5/);
    expect(message).toMatch(/deploy\.maximumRetryAttempts/);
    expect(message).toMatch(/deploy\.vpc\.securityGroupIds\[0\]: expected a security group id/);
  });

  it('refuses a pipeline without routes', () => {
    expect(errorOf({ pipelines: { p: { routes: [] } } })).toMatch(/pipelines\.p\.routes: expected at least one route/);
  });

  it('refuses a __proto__ pipeline by name instead of dropping it unvalidated', () => {
    const raw = JSON.parse('{"pipelines": {"__proto__": {"routes": "not even a list"}, "p": {"routes": []}}}') as unknown;
    expect(errorOf(raw)).toBe(
      'Invalid config/post-processing.json: pipelines.__proto__: refused key (JavaScript objects cannot hold "__proto__" as data)',
    );
  });

  it('keeps constructor, prototype and toString as pipeline names, validated and routed', () => {
    expect(errorOf({ pipelines: { constructor: { routes: [] } } })).toMatch(/pipelines\.constructor\.routes: expected at least one route/);
    const parsed = parsePostProcessingConfig({ pipelines: { constructor: { routes: [route()] }, prototype: { routes: [route()] }, toString: { routes: [route()] } } });
    expect(Object.keys(parsed.pipelines)).toEqual(['constructor', 'prototype', 'toString']);
    expect(findPipeline(parsed, 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/tostring')?.name).toBe('toString');
  });

  it('escapes control characters of pipeline names in its message', () => {
    expect(errorOf({ pipelines: { 'a\nb': { routes: [route()] } } })).toMatch(/pipelines\.a\\nb: expected a SageMaker pipeline name/);
  });

  it('refuses a wildcard in steps, which would match no step, and says how to match every step', () => {
    expect(errorOf(config(route({ steps: ['*'] })))).toMatch(
      /routes\[0\]\.steps\[0\]: an exact step name, not a pattern: \* and \? match no step \(leave steps out to match every step\) \(got "\*"\)/,
    );
    expect(errorOf(config(route({ steps: ['score-?'] })))).toMatch(/routes\[0\]\.steps\[0\]: an exact step name/);
  });

  it('refuses steps on a route that would ignore them (scope table, trigger execution)', () => {
    expect(errorOf(config(route({ scope: 'table', steps: ['Process'] })))).toMatch(/routes\[0\]\.steps: not used: scope table with trigger execution/);
    expect(() => parsePostProcessingConfig(config(route({ scope: 'table', trigger: 'step', steps: ['Process'] })))).not.toThrow();
    expect(() => parsePostProcessingConfig(config(route({ steps: ['Process'] })))).not.toThrow();
  });

  it('states the rule of a refused retry count, not a bare "Invalid input"', () => {
    expect(errorOf(config(route(), { deploy: { maximumRetryAttempts: 5 } }))).toBe(
      'Invalid config/post-processing.json: deploy.maximumRetryAttempts: expected a whole number of retries from 0 to 2 (got 5)',
    );
    expect(errorOf(config(route(), { deploy: { maximumRetryAttempts: 1.5 } }))).toMatch(/deploy\.maximumRetryAttempts: expected a whole number of retries from 0 to 2 \(got 1\.5\)/);
  });

  it.each([
    ['deploy.vpc.subnetIds', { vpc: { subnetIds: [], securityGroupIds: ['sg-0a'] } }, 'subnet ids'],
    ['deploy.lambdaStepPartitions.databases', { lambdaStepPartitions: { databases: [], dataBuckets: ['data-bucket'] } }, 'Glue database names'],
    ['deploy.fanOutManifestBuckets', { fanOutManifestBuckets: [] }, 'bucket names'],
    ['deploy.kms.tableDataKeys', { kms: { tableDataKeys: [] } }, 'KMS key ARNs'],
  ])('states that %s needs at least one entry', (field, deploy, what) => {
    expect(errorOf(config(route(), { deploy }))).toBe(`Invalid config/post-processing.json: ${field}: expected a list of at least 1 ${what} (got [])`);
  });

  it('states the rule of a refused step list', () => {
    expect(errorOf(config(route({ steps: [] })))).toMatch(/routes\[0\]\.steps: expected a list of at least 1 step names \(got \[\]\)/);
    expect(errorOf(config(route({ steps: [''] })))).toMatch(/routes\[0\]\.steps\[0\]: expected a step name of 1-256 characters/);
  });

  describe('costAllocationTag', () => {
    const tag = (key: string, value: string) => config(route(), { deploy: { costAllocationTag: { key, value } } });

    it('accepts keys of 128 and values of 256 characters, values of any script, and the allowed symbols', () => {
      expect(deployOptions(parsePostProcessingConfig(tag('k'.repeat(128), 'v'.repeat(256)))).costAllocationTag).toEqual({ key: 'k'.repeat(128), value: 'v'.repeat(256) });
      expect(() => parsePostProcessingConfig(tag('Team 1/cost=centre+x:z_.-', 'Ünïcode 値 a@b'))).not.toThrow();
      expect(() => parsePostProcessingConfig(tag('team', ''))).not.toThrow();
    });

    it('states the length rule of a key over 128 or a value over 256 characters', () => {
      expect(errorOf(tag('k'.repeat(129), 'v'))).toMatch(/deploy\.costAllocationTag\.key: expected a tag key of 1-128 of A-Z a-z 0-9, space and _ \. : \/ = \+ - \(AWS's and osls's rules\) \(got/);
      expect(errorOf(tag('k', 'v'.repeat(257)))).toMatch(/deploy\.costAllocationTag\.value: expected a tag value of 0-256 letters/);
      expect(errorOf(tag('', 'v'))).toMatch(/deploy\.costAllocationTag\.key: expected a tag key of 1-128/);
    });

    it.each(['aws:team', 'AWS:team', 'Aws:team'])('refuses the reserved prefix in any case (%s), which fails at deploy', (key) => {
      expect(errorOf(tag(key, 'v'))).toMatch(/deploy\.costAllocationTag\.key: the aws: prefix is reserved for AWS, in any case/);
    });

    it.each(['team*', 'a,b', 'x\ny', 'a;b'])('refuses characters AWS does not allow in tags (%j)', (key) => {
      expect(errorOf(tag(key, 'v'))).toMatch(/deploy\.costAllocationTag\.key: expected a tag key of 1-128 of A-Z/);
      expect(errorOf(tag('team', key))).toMatch(/deploy\.costAllocationTag\.value: expected a tag value/);
    });

    it.each(['équipe', 'team@ml', '値'])('refuses key characters AWS allows but osls\'s provider.tags schema refuses (%j)', (key) => {
      expect(errorOf(tag(key, 'v'))).toMatch(/deploy\.costAllocationTag\.key: expected a tag key of 1-128 of A-Z a-z 0-9, space and _ \. : \/ = \+ - \(AWS's and osls's rules\)/);
    });
  });

  it('accepts every log retention CloudWatch Logs accepts, 1096 days included', () => {
    for (const days of [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]) {
      expect(deployOptions(parsePostProcessingConfig(config(route(), { deploy: { logRetentionInDays: days } }))).logRetentionInDays).toBe(days);
    }
    expect(errorOf(config(route(), { deploy: { logRetentionInDays: 1095 } }))).toMatch(/deploy\.logRetentionInDays: expected one of 1, 3, .*, 731, 1096, 1827, .*, 3653 \(the retention days CloudWatch Logs accepts\)/);
  });

  it('accepts pipeline names of 256 characters and refuses 257, stating the rule', () => {
    const name = (n: number) => `a${'-b'.repeat(Math.floor((n - 1) / 2))}${n % 2 === 0 ? 'c' : ''}`;
    expect(name(256)).toHaveLength(256);
    expect(Object.keys(parsePostProcessingConfig({ pipelines: { [name(256)]: { routes: [route()] } } }).pipelines)).toEqual([name(256)]);
    expect(errorOf({ pipelines: { [name(257)]: { routes: [route()] } } })).toMatch(
      /: expected a SageMaker pipeline name \(1-256 of a-z A-Z 0-9 -, starting and ending with a letter or digit\)$/,
    );
  });

  it('accepts Glue names of 255 characters and refuses 256, stating the rule', () => {
    expect(() => parsePostProcessingConfig(config(route({ database: 'd'.repeat(255), table: `t_-${'x'.repeat(252)}` })))).not.toThrow();
    expect(errorOf(config(route({ table: 't'.repeat(256) })))).toMatch(/routes\[0\]\.table: expected a lower-case Glue table name \(1-255 of a-z 0-9 _ -, not starting with -\)/);
  });

  it.each(['xn--bucket', 'sthree-data', 'amzn-s3-demo-bucket', 'data-s3alias', 'data--ol-s3', 'data.mrap', 'data--x-s3', 'data--table-s3', 'a..b', '192.168.1.1', 'ab', 'Bucket'])(
    'refuses the bucket name %s, which S3 does not allow, in bucket lists and in locations',
    (bucket) => {
      expect(errorOf(config(route(), { deploy: { fanOutManifestBuckets: [bucket] } }))).toMatch(/deploy\.fanOutManifestBuckets\[0\]: expected an S3 bucket name \(3-63 of a-z 0-9 \. -/);
      expect(errorOf(config(route({ location: `s3://${bucket}/data/` })))).toMatch(/routes\[0\]\.location: expected an s3:\/\/bucket\/prefix\/ URI \(a valid bucket name/);
    },
  );
});
