// The operator's post-processing configuration (config/post-processing.json), loaded and validated at
// deploy time with the same schema as the tests and the function (lib/post-processing/config.ts, run
// through tsx). A bad file fails `sls package`/`sls deploy` with a message naming the field.
// serverless.yml reads the values below with `${file(infra/_config.js):<name>}`; infra/index.js passes
// the parsed config to every infra module as `ctx.config`. (index.js skips `_` files as modules.)
 
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const { pipelineStatusRuleName } = require('./_names');

const CONFIG_FILE = path.join(__dirname, '..', 'config', 'post-processing.json');
const EXECUTION_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Status Change';
const STEP_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Step Status Change';
const EXECUTION_STATUSES = ['Executing', 'Succeeded', 'Failed', 'Stopping', 'Stopped'];

/** Reads and validates a config file with the function's own schema (throws an error naming the bad field). */
function parseConfigFile(file) {
  // Under jest, ts-jest already compiles TypeScript (and tsx's loader clashes with jest's module system).
  const schema = process.env.JEST_WORKER_ID
    ? require('../lib/post-processing/config.ts')
    : require('tsx/cjs/api').require('../lib/post-processing/config.ts', __filename);
  const source = path.relative(path.join(__dirname, '..'), file);
  let raw;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Invalid ${source}: not readable JSON (${error.message})`);
  }
  const config = schema.parsePostProcessingConfig(raw, source);
  return { config, deploy: schema.deployOptions(config), alarms: schema.alarmOptions(config), trigger: schema.triggerOf };
}

let cached;
/** The deployed config/post-processing.json, parsed once. */
function loadConfig() {
  cached ??= parseConfigFile(CONFIG_FILE);
  return cached;
}

const sub = (text) => ({ 'Fn::Sub': text });
const pipelineArn = (name) => sub(`arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:pipeline/${name}`);

/** Configured pipeline names; with `trigger` given, only those having a route with that trigger. */
function pipelineNames(trigger) {
  const { config, trigger: triggerOf } = loadConfig();
  return Object.entries(config.pipelines)
    .filter(([, p]) => trigger === undefined || p.routes.some((r) => triggerOf(r) === trigger))
    .map(([name]) => name);
}

/** The name of the function's n-th rule (fixed, so the on-failure queue's policy can name it). */
const ruleName = pipelineStatusRuleName;

/**
 * The function's EventBridge events: execution status changes of every configured pipeline, and
 * succeeded steps of pipelines with `trigger: step` routes. Pipeline names are matched ignoring case
 * (SageMaker may lower-case them in ARNs). Failed deliveries go to the on-failure queue.
 */
function eventBridgeEvents(stage) {
  const dlq = { 'Fn::GetAtt': ['PostProcessingFailedEventsQueue', 'Arn'] };
  const retryPolicy = { maximumEventAge: 86400, maximumRetryAttempts: 20 };
  const matchPipelines = (names) => names.map((n) => ({ 'equals-ignore-case': pipelineArn(n) }));
  const events = [];
  const all = pipelineNames();
  if (all.length > 0) {
    events.push({
      eventBridge: {
        name: ruleName(stage, 1),
        description: 'SageMaker pipeline execution status changes of the pipelines in config/post-processing.json',
        pattern: {
          source: ['aws.sagemaker'],
          'detail-type': [EXECUTION_STATUS_CHANGE],
          detail: { pipelineArn: matchPipelines(all), currentPipelineExecutionStatus: EXECUTION_STATUSES },
        },
        retryPolicy,
        deadLetterQueueArn: dlq,
      },
    });
  }
  const early = pipelineNames('step');
  if (early.length > 0) {
    events.push({
      eventBridge: {
        name: ruleName(stage, 2),
        description: 'Succeeded steps of the pipelines with trigger: step routes in config/post-processing.json',
        pattern: {
          source: ['aws.sagemaker'],
          'detail-type': [STEP_STATUS_CHANGE],
          detail: { pipelineArn: matchPipelines(early), currentStepStatus: ['Succeeded'] },
        },
        retryPolicy,
        deadLetterQueueArn: dlq,
      },
    });
  }
  return events;
}

/** `{ key: value }` of the cost-allocation tag, or `{}`. */
function tags() {
  const tag = loadConfig().deploy.costAllocationTag;
  return tag ? { [tag.key]: tag.value } : {};
}

/** provider.vpc: `{ subnetIds, securityGroupIds }`, or null (no VPC). */
function vpc() {
  return loadConfig().deploy.vpc ?? null;
}

module.exports = {
  loadConfig,
  parseConfigFile,
  pipelineNames,
  ruleName,
  eventBridgeEvents: async ({ resolveVariable }) => eventBridgeEvents(await resolveVariable('sls:stage')),
  buildEventBridgeEvents: eventBridgeEvents,
  tags: () => tags(),
  vpc: () => vpc(),
  logRetentionInDays: () => loadConfig().deploy.logRetentionInDays,
  maximumRetryAttempts: () => loadConfig().deploy.maximumRetryAttempts,
  // sweepFanOuts' FAN_OUT_STALLED_AFTER_MINUTES (a string, as Lambda's environment takes).
  fanOutStalledAfterMinutes: () => String(loadConfig().alarms.fanOutStalledAfterMinutes),
};
