// CloudFormation resources built from the infra/<capability>.js modules: one IAM role per function
// (least privilege: its own log group plus the statements its module declares) and each module's
// own resources (queues, tables, rules). serverless.yml: `resources: ${file(infra/index.js):resources}`.
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const { functionName } = require('./_names');

// Lambda creates and deletes the network interfaces of a function in a VPC with its role. These EC2
// actions take no resource narrower than `*` that works for every subnet (Lambda's own managed policy
// AWSLambdaVPCAccessExecutionRole grants them on `*`): the template test allow-lists them.
const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

// Resource types that take a `Tags: [{Key, Value}]` list: the cost-allocation tag is added to them.
const TAGGABLE = new Set([
  'AWS::IAM::Role',
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::Events::Rule',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
]);

/** Loads every infra module but this one, in name order. */
function loadModules() {
  return fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'index.js' && !f.startsWith('_'))
    .sort()
    .map((f) => require(path.join(__dirname, f)));
}

/** The role of one function: logs on its own log group, ENI management in a VPC, then the module's statements. */
function functionRole(fnName, { stage, vpc }, statements) {
  const logGroup = `/aws/lambda/${functionName(stage, fnName)}`;
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [
        {
          PolicyName: `${fnName}-policy`,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroup}:*` },
              },
              ...(vpc ? [{ Effect: 'Allow', Action: VPC_ENI_ACTIONS, Resource: '*' }] : []),
              ...statements,
            ],
          },
        },
      ],
    },
  };
}

/** Role logical id of a function: `concat` -> `ConcatRole`. */
const roleId = (fnName) => `${fnName[0].toUpperCase()}${fnName.slice(1)}Role`;

/** Adds the cost-allocation tag to every taggable resource that does not set it. */
function tagResources(Resources, tags) {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0) return;
  for (const resource of Object.values(Resources)) {
    if (!TAGGABLE.has(resource.Type)) continue;
    const existing = resource.Properties.Tags ?? [];
    const missing = entries.filter(([Key]) => !existing.some((t) => t.Key === Key)).map(([Key, Value]) => ({ Key, Value }));
    resource.Properties.Tags = [...existing, ...missing];
  }
}

/**
 * Builds the template's Resources. `ctx` is what every module receives:
 * `{ stage, config, vpc, tags }`: `config` is the validated config/post-processing.json (its routed
 * tables can narrow any module's resources: see infra/_resources.js), `vpc` the VPC option or null,
 * `tags` the cost-allocation tag as `{ key: value }`.
 * A module exports `(ctx) => ({ functions: { fnName: [statements] }, resources: { LogicalId: {...} } })`;
 * it may add `finish: ({ functions }) => resources`, called once every module's functions are known
 * (the monitoring module's alarms cover every function).
 */
function build(ctx) {
  const Resources = {};
  const functionNames = [];
  const finishers = [];
  for (const make of loadModules()) {
    const { functions = {}, resources = {}, finish } = make(ctx);
    for (const [fnName, statements] of Object.entries(functions)) {
      Resources[roleId(fnName)] = functionRole(fnName, ctx, statements);
      functionNames.push(fnName);
    }
    Object.assign(Resources, resources);
    if (finish) finishers.push(finish);
  }
  for (const finish of finishers) Object.assign(Resources, finish({ functions: [...functionNames] }));
  tagResources(Resources, ctx.tags);
  return { Resources };
}

/** The context of the deployed stage: the validated post-processing config and the stage parameters. */
function context(stage, params = {}) {
  const { config, deploy } = require('./_config').loadConfig();
  const tag = deploy.costAllocationTag;
  return {
    stage,
    config,
    vpc: deploy.vpc ?? null,
    tags: tag ? { [tag.key]: tag.value } : {},
    childPipelines: params.childPipelines ?? '*',
    // createPartitions / repairTable: the databases and data buckets they may touch (default all).
    partitionAccess: deploy.lambdaStepPartitions ?? {},
    // startChildPipelines / fanOutCallback: the buckets their manifests (itemsS3Uri) are read from (default all).
    manifestBuckets: deploy.fanOutManifestBuckets ?? ['*'],
    // deploy.lakeFormation: the Athena callers (repairTable here) need lakeformation:GetDataAccess.
    lakeFormation: config.deploy?.lakeFormation ?? false,
  };
}

module.exports = {
  build,
  context,
  roleId,
  resources: async ({ resolveVariable }) =>
    build(
      context(await resolveVariable('sls:stage'), { childPipelines: await resolveVariable("param:childPipelines, '*'") }),
    ),
};
