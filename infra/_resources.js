// IAM resource builders narrowed by the post-processing config: the routed Glue tables, their S3
// Locations, the Athena workgroups and output locations, the configured pipelines. Any infra module
// can use them with `ctx.config` (e.g. to limit a function to the routed tables).
'use strict';

const sub = (text) => ({ 'Fn::Sub': text });
const arn = (service, resource, region = true) =>
  sub(`arn:\${AWS::Partition}:${service}:${region ? '${AWS::Region}:${AWS::AccountId}' : ':'}:${resource}`);

/** Every route of every pipeline, with its pipeline name. */
function routedTables(config) {
  return Object.entries(config.pipelines).flatMap(([pipeline, p]) => p.routes.map((route) => ({ pipeline, ...route })));
}

/** Pipeline names as configured, plus their lower-case spelling (SageMaker may lower-case names in ARNs). */
function pipelineNameVariants(config) {
  return [...new Set(Object.keys(config.pipelines).flatMap((n) => [n, n.toLowerCase()]))];
}

/** The executions of the configured pipelines. */
const pipelineExecutionArns = (config) => pipelineNameVariants(config).map((n) => arn('sagemaker', `pipeline/${n}/execution/*`));

/** Glue authorises table and partition calls on the catalog, the database and the table. */
function glueTableArns(tables) {
  const dbs = [...new Set(tables.map((t) => t.database))];
  const keys = [...new Set(tables.map((t) => `${t.database}/${t.table}`))];
  return [arn('glue', 'catalog'), ...dbs.map((d) => arn('glue', `database/${d}`)), ...keys.map((k) => arn('glue', `table/${k}`))];
}

/** `s3://bucket/a/b` -> `{ bucket, prefix: 'a/b/' }` (prefix '' for the bucket root). */
function splitS3Uri(uri) {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  const key = match[2];
  return { bucket: match[1], prefix: key === '' || key.endsWith('/') ? key : `${key}/` };
}

const bucketArn = (bucket) => arn('s3', bucket, false);
const objectsArn = ({ bucket, prefix }) => arn('s3', `${bucket}/${prefix}*`, false);

/** Listing of each bucket limited to the prefixes (s3:prefix condition), per bucket. */
function listStatements(uris) {
  const byBucket = new Map();
  for (const { bucket, prefix } of uris.map(splitS3Uri)) byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), prefix]);
  return [...byBucket].map(([bucket, prefixes]) => {
    const statement = { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn(bucket) };
    // A Location at the bucket root lists the whole bucket: no condition can narrow it.
    if (!prefixes.includes('')) statement.Condition = { StringLike: { 's3:prefix': prefixes.flatMap((p) => [p, `${p}*`]) } };
    return statement;
  });
}

/** Read access (list under the prefix, get objects, bucket location) to table Locations. */
function s3ReadStatements(uris) {
  if (uris.length === 0) return [];
  const parts = uris.map(splitS3Uri);
  return [
    ...listStatements(uris),
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: parts.map(objectsArn) },
    { Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: [...new Set(parts.map((p) => p.bucket))].map(bucketArn) },
  ];
}

/** What Athena needs on its query result location, done with the caller's credentials. */
function athenaOutputStatements(uris) {
  if (uris.length === 0) return [];
  const parts = uris.map(splitS3Uri);
  const buckets = [...new Set(parts.map((p) => p.bucket))].map(bucketArn);
  return [
    { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: buckets },
    ...listStatements(uris),
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: parts.map(objectsArn),
    },
  ];
}

/**
 * Spread into a resource that holds what must outlive the stack (fan-out state, failed events):
 * `sls remove` and a replacement leave it in the account (docs/iam.md, What `sls remove` leaves behind).
 */
const RETAIN = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };

// Athena asks Lake Formation for temporary credentials to data it governs with the caller's identity.
// The action takes no resource narrower than `*` (the template test allow-lists it).
const LAKE_FORMATION_DATA_ACCESS = { Effect: 'Allow', Action: ['lakeformation:GetDataAccess'], Resource: '*' };

const workGroupArn = (name) => arn('athena', `workgroup/${name}`);

// Athena runs MSCK REPAIR TABLE and ALTER TABLE ADD PARTITION against Glue with the caller's rights.
const ATHENA_GLUE_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
];

/**
 * A queue policy letting the EventBridge rules named `ruleNames` send the events they could not
 * deliver to the queue `queueId` (their dead-letter queue). Exact names, no pattern: names fitted
 * by infra/_names.js need not share a prefix.
 */
function eventBridgeDeadLetterPolicy(queueId, ruleNames) {
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': ruleNames.map((name) => arn('events', `rule/${name}`)) } },
          },
        ],
      },
    },
  };
}

module.exports = {
  ATHENA_GLUE_ACTIONS,
  RETAIN,
  LAKE_FORMATION_DATA_ACCESS,
  eventBridgeDeadLetterPolicy,
  arn,
  routedTables,
  pipelineNameVariants,
  pipelineExecutionArns,
  glueTableArns,
  splitS3Uri,
  s3ReadStatements,
  athenaOutputStatements,
  workGroupArn,
};
