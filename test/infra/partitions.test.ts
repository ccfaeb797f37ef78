/** infra/partitions.ts: the roles of createPartitions and repairTable, the workgroup and its bucket. */
import type { Statement } from '../../infra/cfn';
import { stackContext } from '../../infra/context';
import { partitionsIam, partitionsResources } from '../../infra/partitions';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';

const ctx = (lambdaStepPartitions?: { databases: string[]; dataBuckets: string[] }) =>
  stackContext('dev', parsePostProcessingConfig({ pipelines: {}, ...(lambdaStepPartitions ? { deploy: { lambdaStepPartitions } } : {}) }));
const functions = (c = ctx()): Record<string, Statement[]> => ({
  createPartitions: partitionsIam.createPartitions(c),
  repairTable: partitionsIam.repairTable(c),
});

describe('infra/partitions', () => {
  it('grants each function only named actions, never a wildcard action', () => {
    for (const statements of Object.values(functions())) {
      for (const s of statements) for (const action of s.Action) expect(action).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
    }
    expect(functions().createPartitions?.flatMap((s) => s.Action)).toEqual([
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

  it('narrows Glue and S3 to deploy.lambdaStepPartitions', () => {
    const narrowed = functions(ctx({ databases: ['sales_db'], dataBuckets: ['data-bucket'] }));
    for (const fn of ['createPartitions', 'repairTable']) {
      const text = JSON.stringify(narrowed[fn]);
      expect(text).toContain('database/sales_db');
      expect(text).toContain('table/sales_db/*');
      expect(text).toContain('s3:::data-bucket');
      expect(text).not.toContain('database/*');
      expect(text).not.toContain('s3:::*');
    }
  });

  it('makes the workgroup enforce its result location, the one prefix the role may write', () => {
    const resources = partitionsResources(ctx());
    expect(resources.AthenaResultsBucket?.Type).toBe('AWS::S3::Bucket');
    expect(resources.AthenaWorkGroup?.Properties.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      ResultConfiguration: { OutputLocation: { 'Fn::Sub': 's3://${AthenaResultsBucket}/repair-table/' } },
    });
    const put = functions().repairTable?.filter((s) => s.Action.includes('s3:PutObject')).map((s) => s.Resource);
    expect(put).toEqual([{ 'Fn::Sub': '${AthenaResultsBucket.Arn}/repair-table/*' }]);
  });
});
