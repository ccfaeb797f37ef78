/**
 * IAM and resources of the partition registration functions (createPartitions, repairTable). The
 * table is a LambdaStep input, known only at run time: Glue access is scoped to this account's catalog
 * and the databases listed (default every database), S3 listing to the data buckets listed (default
 * every bucket; listing only). `deploy.lambdaStepPartitions: { databases, dataBuckets }` narrows both.
 */
import { arn, getAtt, RETAIN, sub, type CfnValue, type Resources, type Statement } from './cfn';
import type { StackContext } from './context';
import { ATHENA_GLUE_ACTIONS, bucketArn, LAKE_FORMATION_DATA_ACCESS } from './iam';
import { stageNames } from './names';

const RESULTS_PREFIX = 'repair-table/';

/** Glue resources of the given databases' tables (the catalog ARN is required by every Glue call). */
const glueResources = (databases: string[]): CfnValue[] => [
  arn('glue', 'catalog'),
  ...databases.flatMap((db) => [arn('glue', `database/${db}`), arn('glue', `table/${db}/*`)]),
];

const access = (ctx: StackContext) => ({
  databases: ctx.deploy.lambdaStepPartitions?.databases ?? ['*'],
  dataBuckets: ctx.deploy.lambdaStepPartitions?.dataBuckets ?? ['*'],
});

const listData = (ctx: StackContext): Statement => ({
  Effect: 'Allow',
  Action: ['s3:ListBucket', 's3:GetBucketLocation'],
  Resource: access(ctx).dataBuckets.map(bucketArn),
});

export const partitionsIam = {
  createPartitions: (ctx: StackContext): Statement[] => [
    {
      Effect: 'Allow',
      Action: [
        'glue:GetTable',
        'glue:BatchGetPartition',
        'glue:BatchCreatePartition',
        'glue:BatchUpdatePartition',
        'glue:BatchDeletePartition',
        'glue:GetPartitions',
      ],
      Resource: glueResources(access(ctx).databases),
    },
    listData(ctx),
  ],
  repairTable: (ctx: StackContext): Statement[] => [
    {
      Effect: 'Allow',
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'],
      Resource: arn('athena', `workgroup/${stageNames(ctx.stage).workGroup}`),
    },
    // Athena runs MSCK REPAIR TABLE and ALTER TABLE ADD PARTITION with the caller's permissions.
    { Effect: 'Allow', Action: ATHENA_GLUE_ACTIONS, Resource: glueResources(access(ctx).databases) },
    listData(ctx),
    { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: getAtt('AthenaResultsBucket', 'Arn') },
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: sub(`\${AthenaResultsBucket.Arn}/${RESULTS_PREFIX}*`),
    },
    ...(ctx.deploy.lakeFormation ? [LAKE_FORMATION_DATA_ACCESS] : []),
  ],
};

/** repairTable's Athena workgroup and its results bucket. */
export function partitionsResources(ctx: StackContext): Resources {
  return {
    // Query results of repairTable: private, encrypted, expired after 30 days. Retained: a non-empty
    // bucket would make `sls remove` fail; left behind, it empties itself by its lifecycle rule.
    AthenaResultsBucket: {
      ...RETAIN,
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: [{ Id: 'expire-query-results', Status: 'Enabled', ExpirationInDays: 30 }] },
      },
    },
    AthenaWorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: stageNames(ctx.stage).workGroup,
        Description: 'Queries of the repairTable function (MSCK REPAIR TABLE, ALTER TABLE ADD PARTITION)',
        RecursiveDeleteOption: true,
        WorkGroupConfiguration: {
          // Results go where the role may write, even if a step input names another outputLocation.
          EnforceWorkGroupConfiguration: true,
          ResultConfiguration: {
            OutputLocation: sub(`s3://\${AthenaResultsBucket}/${RESULTS_PREFIX}`),
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
          PublishCloudWatchMetricsEnabled: true,
        },
      },
    },
  };
}
