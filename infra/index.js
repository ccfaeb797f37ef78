// CloudFormation resources built from the infra/<capability>.js modules: one IAM role per function
// (least privilege: its own log group plus the statements its module declares) and each module's
// own resources (queues, tables, rules). serverless.yml: `resources: ${file(infra/index.js):resources}`.
'use strict';

const path = require('node:path');
const fs = require('node:fs');

const SERVICE = 'sagemaker-pipeline-functions';

/** Loads every infra module but this one, in name order. */
function loadModules() {
  return fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'index.js' && !f.startsWith('_'))
    .sort()
    .map((f) => require(path.join(__dirname, f)));
}

/** The role of one function: logs on its own log group, then the module's statements. */
function functionRole(fnName, stage, statements) {
  const logGroup = `/aws/lambda/${SERVICE}-${stage}-${fnName}`;
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

/**
 * Builds the template's Resources. `ctx` is what every module receives: { stage }.
 * A module exports `(ctx) => ({ functions: { fnName: [statements] }, resources: { LogicalId: {...} } })`.
 */
function build(ctx) {
  const Resources = {};
  for (const make of loadModules()) {
    const { functions = {}, resources = {} } = make(ctx);
    for (const [fnName, statements] of Object.entries(functions)) {
      Resources[roleId(fnName)] = functionRole(fnName, ctx.stage, statements);
    }
    Object.assign(Resources, resources);
  }
  return { Resources };
}

module.exports = {
  build,
  roleId,
  resources: async ({ resolveVariable }) =>
    build({ stage: await resolveVariable('sls:stage'), childPipelines: await resolveVariable("param:childPipelines, '*'") }),
};
