// IAM and resources of the partition registration functions (createPartitions, repairTable).
// The table is a LambdaStep input, known only at run time: Glue access is scoped to this account's
// catalog and the databases listed (default every database), S3 listing to the data buckets listed
// (default every bucket; listing only, no object read). A deployment that knows its tables narrows
// both with `deploy.lambdaStepPartitions: { databases, dataBuckets }` in config/post-processing.json.
'use strict';

const { ATHENA_GLUE_ACTIONS, LAKE_FORMATION_DATA_ACCESS, RETAIN } = require('./_resources');
const { stageNames } = require('./_names');

const glueArn = (suffix) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:${suffix}` });
const bucketArn = (bucket) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` });

/** Glue resources of the given databases' tables (the catalog ARN is required by every Glue call). */
function glueResources(databases) {
  return [glueArn('catalog'), ...databases.flatMap((db) => [glueArn(`database/${db}`), glueArn(`table/${db}/*`)])];
}

function partitionsInfra(ctx, { databases = ['*'], dataBuckets = ['*'] } = {}) {
  const workGroupName = stageNames(ctx.stage).workGroup;
  const resultsPrefix = 'repair-table/';
  const listData = {
    Effect: 'Allow',
    Action: ['s3:ListBucket', 's3:GetBucketLocation'],
    Resource: dataBuckets.map(bucketArn),
  };
  return {
    functions: {
      createPartitions: [
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
          Resource: glueResources(databases),
        },
        listData,
      ],
      repairTable: [
        {
          Effect: 'Allow',
          Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'],
          Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:athena:\${AWS::Region}:\${AWS::AccountId}:workgroup/${workGroupName}` },
        },
        {
          // Athena runs MSCK REPAIR TABLE and ALTER TABLE ADD PARTITION with the caller's permissions.
          Effect: 'Allow',
          Action: ATHENA_GLUE_ACTIONS,
          Resource: glueResources(databases),
        },
        listData,
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:GetBucketLocation'],
          Resource: { 'Fn::GetAtt': ['AthenaResultsBucket', 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          Resource: { 'Fn::Sub': `\${AthenaResultsBucket.Arn}/${resultsPrefix}*` },
        },
        ...(ctx.lakeFormation ? [LAKE_FORMATION_DATA_ACCESS] : []),
      ],
    },
    resources: {
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
          Name: workGroupName,
          Description: 'Queries of the repairTable function (MSCK REPAIR TABLE, ALTER TABLE ADD PARTITION)',
          RecursiveDeleteOption: true,
          WorkGroupConfiguration: {
            // Results go where the role may write, even if a step input names another outputLocation.
            EnforceWorkGroupConfiguration: true,
            ResultConfiguration: {
              OutputLocation: { 'Fn::Sub': `s3://\${AthenaResultsBucket}/${resultsPrefix}` },
              EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
            },
            PublishCloudWatchMetricsEnabled: true,
          },
        },
      },
    },
  };
}

module.exports = (ctx) => partitionsInfra(ctx, (ctx && ctx.partitionAccess) || {});
module.exports.partitionsInfra = partitionsInfra;
