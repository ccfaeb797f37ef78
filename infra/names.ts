/**
 * The names of every named resource of a stage, fitted to their service's length limit. osls accepts
 * any stage of [A-Za-z0-9-]+; infra/limits.ts's checkStage refuses one over 256 characters (the STAGE
 * tag osls puts on the stack). Rule (docs/iam.md, "Name lengths"): a name `<service>-<stage>-<suffix>`
 * that fits its limit is kept as is; a longer one becomes `<service>-<stage cut>-<hash>-<suffix>`,
 * where <hash> is the first 8 hex digits of the SHA-256 of the whole stage and <stage cut> the stage's
 * first characters that still fit (dropped, with its hyphen, when none fit). The service prefix (which
 * holds `sagemaker`, the word the managed policy AmazonSageMakerPipelinesIntegrations requires in a
 * function's name: docs/lambda-step.md) and the suffix are never cut.
 */
import { createHash } from 'node:crypto';

export const SERVICE = 'sagemaker-pipeline-functions';
const HASH_LENGTH = 8;

/** Name length limits of the services (characters). */
export const NAME_LIMITS = {
  function: 64, // Lambda FunctionName (the log group is /aws/lambda/<name>, within its 512)
  rule: 64, // EventBridge rule
  queue: 80, // SQS queue (.fifo included)
  table: 255, // DynamoDB table
  workGroup: 128, // Athena workgroup
  stack: 128, // CloudFormation stack
  alarm: 255, // CloudWatch alarm
  topic: 256, // SNS topic
  dashboard: 255, // CloudWatch dashboard
} as const;

/** The first 8 hex digits of the SHA-256 of a text. */
export const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);

/**
 * `<service>-<stage>[-<suffix>]`, fitted to `limit` characters by the rule above. Throws when the
 * suffix alone leaves no room for the stage's hash (a suffix to shorten, not a stage to refuse).
 */
export function resourceName(stage: string, suffix: string, limit: number): string {
  const tail = suffix ? `-${suffix}` : '';
  const full = `${SERVICE}-${stage}${tail}`;
  if (full.length <= limit) return full;
  const room = limit - SERVICE.length - 1 - tail.length;
  if (room < HASH_LENGTH) {
    throw new Error(`the name suffix "${suffix}" is too long for a ${limit}-character name (stage "${stage}")`);
  }
  const keep = room - HASH_LENGTH - 1;
  return `${SERVICE}-${keep > 0 ? `${stage.slice(0, keep)}-` : ''}${shortHash(stage)}${tail}`;
}

/** A Lambda function's fitted name. */
export const functionName = (stage: string, fn: string): string => resourceName(stage, fn, NAME_LIMITS.function);
/** An EventBridge rule's fitted name. */
export const ruleName = (stage: string, suffix: string): string => resourceName(stage, suffix, NAME_LIMITS.rule);
/** An SQS queue's fitted name. */
export const queueName = (stage: string, suffix: string): string => resourceName(stage, suffix, NAME_LIMITS.queue);

/** The names that are not a function's or a queue's: the stack, the table, the workgroup. */
export function stageNames(stage: string) {
  return {
    stack: resourceName(stage, '', NAME_LIMITS.stack),
    fanOutTable: resourceName(stage, 'fan-out', NAME_LIMITS.table),
    // The stack's Athena workgroup (repairTable), named `<service>-<stage>`.
    workGroup: resourceName(stage, '', NAME_LIMITS.workGroup),
    alarmTopic: resourceName(stage, 'alarms', NAME_LIMITS.topic),
    dashboard: resourceName(stage, '', NAME_LIMITS.dashboard),
  };
}
