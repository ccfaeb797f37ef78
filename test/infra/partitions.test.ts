// eslint-disable-next-line @typescript-eslint/no-require-imports
const infra = require('../../infra/partitions.js') as {
  (ctx: { stage: string; partitionAccess?: { databases?: string[]; dataBuckets?: string[] } }): {
    functions: Record<string, Statement[]>;
    resources: Record<string, { Type: string }>;
  };
  partitionsInfra(ctx: { stage: string }, options: { databases?: string[]; dataBuckets?: string[] }): { functions: Record<string, Statement[]> };
};

interface Statement {
  Action: string[];
  Resource: unknown;
}

describe('infra/partitions', () => {
  it('grants each function only named actions, never a wildcard action', () => {
    const { functions } = infra({ stage: 'dev' });
    expect(Object.keys(functions)).toEqual(['createPartitions', 'repairTable']);
    for (const statements of Object.values(functions)) {
      for (const s of statements) for (const action of s.Action) expect(action).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
    }
    expect(functions.createPartitions?.flatMap((s) => s.Action)).toEqual([
      'glue:GetTable',
      'glue:BatchGetPartition',
      'glue:BatchCreatePartition',
      'glue:BatchUpdatePartition',
      'glue:BatchDeletePartition',
      'glue:GetPartitions',
      's3:ListBucket',
      's3:GetBucketLocation',
    ]);
  });

  it('narrows Glue and S3 to the databases and buckets given', () => {
    const { functions } = infra.partitionsInfra({ stage: 'prod' }, { databases: ['sales_db'], dataBuckets: ['data-bucket'] });
    const text = JSON.stringify(functions.createPartitions);
    expect(text).toContain('database/sales_db');
    expect(text).toContain('table/sales_db/*');
    expect(text).toContain('s3:::data-bucket');
    expect(text).not.toContain('database/*');
  });

  it('takes the narrowing from deploy.lambdaStepPartitions, passed by infra/index.js', () => {
    const { functions } = infra({ stage: 'prod', partitionAccess: { databases: ['sales_db'], dataBuckets: ['data-bucket'] } });
    for (const fn of ['createPartitions', 'repairTable']) {
      const text = JSON.stringify(functions[fn]);
      expect(text).toContain('table/sales_db/*');
      expect(text).toContain('s3:::data-bucket');
      expect(text).not.toContain('database/*');
      expect(text).not.toContain('s3:::*');
    }
  });

  it('creates the Athena workgroup and its private results bucket', () => {
    const { resources } = infra({ stage: 'dev' });
    expect(resources.AthenaWorkGroup?.Type).toBe('AWS::Athena::WorkGroup');
    expect(resources.AthenaResultsBucket?.Type).toBe('AWS::S3::Bucket');
  });

  it('makes the workgroup enforce its result location, the one prefix the role may write', () => {
    const { functions, resources } = infra({ stage: 'dev' });
    const workGroup = resources.AthenaWorkGroup as unknown as { Properties: { WorkGroupConfiguration: Record<string, unknown> } };
    expect(workGroup.Properties.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      ResultConfiguration: { OutputLocation: { 'Fn::Sub': 's3://${AthenaResultsBucket}/repair-table/' } },
    });
    const put = functions.repairTable?.filter((s) => s.Action.includes('s3:PutObject')).map((s) => s.Resource);
    expect(put).toEqual([{ 'Fn::Sub': '${AthenaResultsBucket.Arn}/repair-table/*' }]);
  });
});
