// The names of every named resource of a stage, fitted to their service's length limit. osls accepts
// any stage of [A-Za-z0-9-]+ (no length limit), and the stage's length eats into each name's budget:
// `sagemaker-pipeline-functions-production-onPipelineExecutionStatus` is 65 characters where Lambda
// allows 64. Rule (docs/iam.md, "Name lengths"): a name `<service>-<stage>-<suffix>` that fits its
// limit is kept as is (existing stacks keep their names); a longer one becomes
// `<service>-<stage cut>-<hash>-<suffix>`, where <hash> is the first 8 hex digits of the SHA-256 of
// the whole stage and <stage cut> the stage's first characters that still fit (dropped, with its
// hyphen, when none fit). The service prefix (which holds `sagemaker`, the word the managed policy
// AmazonSageMakerPipelinesIntegrations requires in a function's name: docs/lambda-step.md) and the suffix
// are never cut, so the names of one stage stay distinct and readable.
// serverless.yml reads `${file(infra/_names.js):stage.<path>}`; infra modules call the functions.
'use strict';

const { createHash } = require('node:crypto');

const SERVICE = 'sagemaker-pipeline-functions';
const HASH_LENGTH = 8;
// osls uploads the template to `serverless/<service>/<stage>/<13-digit ms>-<24-char ISO time>/
// compiled-cloudformation-template.json` (its longest artifact key), and S3 keys are at most 1024
// bytes: a longer stage packages but cannot deploy, so packaging refuses it.
const MAX_STAGE_LENGTH = 1024 - `serverless/${SERVICE}//${'0'.repeat(13)}-${'0'.repeat(24)}/compiled-cloudformation-template.json`.length;

/** Name length limits of the services (characters). */
const LIMITS = {
  function: 64, // Lambda FunctionName (the log group is /aws/lambda/<name>, within its 512)
  rule: 64, // EventBridge rule
  queue: 80, // SQS queue (.fifo included)
  table: 255, // DynamoDB table
  workGroup: 128, // Athena workgroup
  stack: 128, // CloudFormation stack
  alarm: 255, // CloudWatch alarm
  topic: 256, // SNS topic
};

/** The first 8 hex digits of the SHA-256 of the stage. */
const stageHash = (stage) => createHash('sha256').update(stage).digest('hex').slice(0, HASH_LENGTH);

/**
 * `<service>-<stage>[-<suffix>]`, fitted to `limit` characters by the rule above. Throws when the
 * suffix alone leaves no room for the stage's hash (a suffix to shorten, not a stage to refuse).
 */
function resourceName(stage, suffix, limit) {
  const tail = suffix ? `-${suffix}` : '';
  const full = `${SERVICE}-${stage}${tail}`;
  if (full.length <= limit) return full;
  // What `<stage cut>-<hash>` may take between `<service>-` and the tail.
  const room = limit - SERVICE.length - 1 - tail.length;
  if (room < HASH_LENGTH) {
    throw new Error(`the name suffix "${suffix}" is too long for a ${limit}-character name (stage "${stage}")`);
  }
  const keep = room - HASH_LENGTH - 1;
  return `${SERVICE}-${keep > 0 ? `${stage.slice(0, keep)}-` : ''}${stageHash(stage)}${tail}`;
}

/** The LambdaStep targets (serverless.yml: descriptions starting with 'LambdaStep:'). */
const LAMBDA_STEP_FUNCTIONS = [
  'concat',
  'joinStrings',
  'versionedName',
  'exampleOutputs',
  'createPartitions',
  'repairTable',
  'startChildPipelines',
];

/** Lambda function names of the functions in serverless.yml. */
const FUNCTIONS = [
  ...LAMBDA_STEP_FUNCTIONS,
  'fanOutCallback',
  'onChildExecutionStatus',
  'sweepFanOuts',
  'fanOutProgress',
  'onPipelineExecutionStatus',
];

const functionName = (stage, fn) => resourceName(stage, fn, LIMITS.function);
/** The n-th EventBridge rule of onPipelineExecutionStatus (1: execution status, 2: step status). */
const pipelineStatusRuleName = (stage, n) => resourceName(stage, `pipeline-status-${n}`, LIMITS.rule);

/** Every name of a stage, as serverless.yml and the infra modules use them. */
function stageNames(stage) {
  if (stage.length > MAX_STAGE_LENGTH) {
    throw new Error(
      `stage "${stage.slice(0, 40)}..." is ${stage.length} characters: at most ${MAX_STAGE_LENGTH} fit in the S3 key osls uploads the template to (1024 bytes)`,
    );
  }
  return {
    stack: resourceName(stage, '', LIMITS.stack),
    functions: Object.fromEntries(FUNCTIONS.map((fn) => [fn, functionName(stage, fn)])),
    rules: {
      childStatus: resourceName(stage, 'child-status', LIMITS.rule),
      fanOutSweep: resourceName(stage, 'fan-out-sweep', LIMITS.rule),
      pipelineStatus: [1, 2].map((n) => pipelineStatusRuleName(stage, n)),
    },
    fanOut: {
      table: resourceName(stage, 'fan-out', LIMITS.table),
      queue: resourceName(stage, 'fan-out', LIMITS.queue),
      deadLetterQueue: resourceName(stage, 'fan-out-dlq', LIMITS.queue),
      failedEvents: resourceName(stage, 'fan-out-failed-events', LIMITS.queue),
    },
    postProcessingFailedQueue: resourceName(stage, 'post-processing-failed', LIMITS.queue),
    // The stack's Athena workgroup (repairTable), named `<service>-<stage>` as before.
    workGroup: resourceName(stage, '', LIMITS.workGroup),
  };
}

module.exports = {
  SERVICE,
  LIMITS,
  MAX_STAGE_LENGTH,
  FUNCTIONS,
  LAMBDA_STEP_FUNCTIONS,
  resourceName,
  functionName,
  pipelineStatusRuleName,
  stageNames,
  // serverless.yml: `${file(infra/_names.js):stage.functions.concat}` and the like.
  stage: async ({ resolveVariable }) => stageNames(await resolveVariable('sls:stage')),
};
