// eslint-disable-next-line @typescript-eslint/no-require-imports
const fanOutInfra = require('../../infra/fan-out.js') as (ctx: { stage: string; manifestBuckets?: string[] }) => {
  functions: Record<string, { Action: string[]; Resource: unknown }[]>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { context } = require('../../infra/index.js') as { context: (stage: string) => { manifestBuckets: string[] } };
import { PostProcessingConfig } from '../../lib/post-processing/config';

const objectArn = (bucket: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/*` });
const manifestReads = (fn: string, ctx: Parameters<typeof fanOutInfra>[0]) =>
  (fanOutInfra(ctx).functions[fn] ?? []).filter((s) => s.Action.some((a) => a.startsWith('s3:')));

describe('fan-out manifests (itemsS3Uri) in the roles', () => {
  it('lets the two fan-out functions that read manifests get objects, of every bucket by default', () => {
    for (const fn of ['startChildPipelines', 'fanOutCallback']) {
      expect(manifestReads(fn, { stage: 'dev' })).toEqual([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objectArn('*')] }]);
    }
    expect(manifestReads('onChildExecutionStatus', { stage: 'dev' })).toEqual([]);
    expect(manifestReads('sweepFanOuts', { stage: 'dev' })).toEqual([]);
  });

  it('narrows the reads to the buckets deploy.fanOutManifestBuckets lists', () => {
    expect(manifestReads('fanOutCallback', { stage: 'dev', manifestBuckets: ['ml-manifests', 'other.bucket'] })[0]?.Resource).toEqual([
      objectArn('ml-manifests'),
      objectArn('other.bucket'),
    ]);
    expect(context('dev').manifestBuckets).toEqual(['*']);
  });

  it('validates deploy.fanOutManifestBuckets as bucket names', () => {
    const config = (buckets: unknown) => PostProcessingConfig.safeParse({ pipelines: {}, deploy: { fanOutManifestBuckets: buckets } });
    expect(config(['ml-manifests']).success).toBe(true);
    expect(config([]).success).toBe(false);
    expect(config(['Bad_Bucket']).success).toBe(false);
  });
});
