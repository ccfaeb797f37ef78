/** Deterministic idempotency tokens (ClientRequestToken: 32-128 characters). */
import { createHash } from 'node:crypto';
import type { PipelineParameter } from './parameters';

const VERSION = 'sagemaker-pipeline-functions/fan-out/v1';

const sha256 = (parts: readonly unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/**
 * The StartPipelineExecution token of one child: sha256 (64 hex characters) of the run key (parent
 * execution ARN or run id), the pipeline, the item index, and the request's content (display name and
 * parameters, sorted). The same request always gets the same token; a changed item under the same run
 * key gets a new one (a new child) rather than reusing a token with different parameters.
 */
export function childRequestToken(
  runKey: string,
  pipeline: string,
  itemIndex: number,
  displayName: string,
  parameters: readonly PipelineParameter[],
): string {
  const sorted = [...parameters].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)).map((p) => [p.Name, p.Value]);
  return sha256([VERSION, runKey, pipeline, itemIndex, displayName, sorted]);
}

/** The ClientRequestToken of the fan-in's one SendPipelineExecutionStep{Success,Failure} call. */
export function callbackRequestToken(parentExecutionArn: string, callbackToken: string, outcome: 'success' | 'failure'): string {
  return sha256([VERSION, 'callback', parentExecutionArn, callbackToken, outcome]);
}

/** The RetryPipelineExecution token of a child's retry `attempt` (2 for the first retry). */
export const childRetryToken = (executionArn: string, attempt: number): string => sha256([VERSION, 'retry', executionArn, attempt]);

/** The token of a child's redrive for the parent step's callback token `callbackToken` (its retry, or a new start). */
export const redriveToken = (parentExecutionArn: string, childId: number, callbackToken: string): string =>
  sha256([VERSION, 'redrive', parentExecutionArn, childId, callbackToken]);
