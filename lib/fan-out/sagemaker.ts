/** SageMaker I/O of the fan-out: small adapters over a SageMakerClient (retries come from the client). */
import {
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  RetryPipelineExecutionCommand,
  SendPipelineExecutionStepFailureCommand,
  SendPipelineExecutionStepSuccessCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { NotFoundError, safeMessage } from '../core/errors';
import { MAX_FAILURE_REASON } from './callback-outputs';
import type { ChildStart } from './plan';
import { createHash } from 'node:crypto';

export interface ChildPipeline {
  pipelineArn: string;
  /** Parameter names the definition declares; undefined when the definition could not be read. */
  parameterNames?: ReadonlySet<string>;
}

export const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : undefined;

/** SageMaker errors no retry can fix: the request was refused (ValidationException) or names what is gone (ResourceNotFound). */
export const isPermanentError = (error: unknown): boolean => ['ValidationException', 'ResourceNotFound'].includes(errorName(error) ?? '');

function declaredParameters(definition: string | undefined): ReadonlySet<string> | undefined {
  if (!definition) return undefined;
  try {
    const parsed = JSON.parse(definition) as { Parameters?: unknown };
    if (!Array.isArray(parsed.Parameters)) return new Set();
    return new Set(parsed.Parameters.flatMap((p: unknown) => (typeof p === 'object' && p && 'Name' in p ? [String(p.Name)] : [])));
  } catch {
    return undefined;
  }
}

/** DescribePipeline: the pipeline's ARN and declared parameters; a missing pipeline is a NotFoundError naming it. */
export async function describeChildPipeline(client: SageMakerClient, pipeline: string): Promise<ChildPipeline> {
  try {
    const out = await client.send(new DescribePipelineCommand({ PipelineName: pipeline }));
    return { pipelineArn: out.PipelineArn ?? pipeline, parameterNames: declaredParameters(out.PipelineDefinition) };
  } catch (error) {
    if (errorName(error) === 'ResourceNotFound') throw new NotFoundError(`pipelines: pipeline ${pipeline} does not exist`, { cause: error });
    throw error;
  }
}

/**
 * RetryPipelineExecution: resumes a failed execution from its failed step, same ARN. The token makes a
 * repeated call a no-op. ConflictException: SageMaker cannot retry it in its status (unverified which
 * statuses besides Failed it takes); ResourceLimitExceeded: the quota, as for a start.
 */
export async function retryExecution(client: SageMakerClient, executionArn: string, clientRequestToken: string): Promise<void> {
  await client.send(new RetryPipelineExecutionCommand({ PipelineExecutionArn: executionArn, ClientRequestToken: clientRequestToken }));
}

/** Errors by which SageMaker refuses to retry an execution in its status (a new start with a token of its own follows). */
export const isRetryRefused = (error: unknown): boolean => ['ConflictException', 'ValidationException'].includes(errorName(error) ?? '');

/**
 * Starts a child: StartPipelineExecution with its deterministic token (the same token returns the same
 * execution), or, for a redriven child (`retryOf`), RetryPipelineExecution of its execution, falling
 * back to a new start with its own token when SageMaker cannot retry that execution.
 */
export async function startChildExecution(client: SageMakerClient, child: ChildStart): Promise<string> {
  if (child.retryOf !== undefined) {
    try {
      await retryExecution(client, child.retryOf, child.clientRequestToken);
      return child.retryOf;
    } catch (error) {
      if (!isRetryRefused(error)) throw error;
      // Refused because an earlier call (this token) already resumed it: that retry is the start.
      const { status } = await describeExecution(client, child.retryOf);
      if (status === 'Executing' || status === 'Succeeded') return child.retryOf;
    }
  }
  const out = await client.send(
    new StartPipelineExecutionCommand({
      PipelineName: child.pipeline,
      PipelineExecutionDisplayName: child.displayName,
      PipelineParameters: child.parameters,
      ClientRequestToken: child.clientRequestToken,
    }),
  );
  if (!out.PipelineExecutionArn) throw new Error(`StartPipelineExecution returned no ARN for ${child.displayName}`);
  return out.PipelineExecutionArn;
}

/** The ARNs of the `limit` most recent executions of a pipeline (newest first), to tell re-started children from new ones. */
export async function recentExecutionArns(client: SageMakerClient, pipeline: string, limit: number): Promise<Set<string>> {
  const arns = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListPipelineExecutionsCommand({ PipelineName: pipeline, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100, NextToken }),
    );
    for (const e of page.PipelineExecutionSummaries ?? []) if (e.PipelineExecutionArn) arns.add(e.PipelineExecutionArn);
    NextToken = page.NextToken;
  } while (NextToken && arns.size < limit);
  return arns;
}

/** The current status of an execution (Executing, Succeeded, Failed, Stopping, Stopped). */
export async function executionStatus(client: SageMakerClient, executionArn: string): Promise<string | undefined> {
  return (await describeExecution(client, executionArn)).status;
}

/** DescribePipelineExecution: the execution's status, and why it failed when it did. */
export async function describeExecution(client: SageMakerClient, executionArn: string): Promise<{ status?: string; failureReason?: string }> {
  const out = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: executionArn }));
  return { status: out.PipelineExecutionStatus, ...(out.FailureReason ? { failureReason: out.FailureReason } : {}) };
}

/**
 * StopPipelineExecution. An execution that already ended (or is stopping) is not an error here: the
 * API answers ValidationException/ConflictException/ResourceNotFound, reported as `false`.
 */
export async function stopChildExecution(client: SageMakerClient, executionArn: string): Promise<boolean> {
  try {
    const token = createHash('sha256').update(`stop:${executionArn}`).digest('hex');
    await client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: executionArn, ClientRequestToken: token }));
    return true;
  } catch (error) {
    if (['ValidationException', 'ConflictException', 'ResourceNotFound'].includes(errorName(error) ?? '')) return false;
    throw error;
  }
}

/** SendPipelineExecutionStepSuccess: ends the parent's callback step with string outputs. */
export async function sendStepSuccess(
  client: SageMakerClient,
  callbackToken: string,
  outputs: Record<string, string>,
  clientRequestToken: string,
): Promise<void> {
  await client.send(
    new SendPipelineExecutionStepSuccessCommand({
      CallbackToken: callbackToken,
      OutputParameters: Object.entries(outputs).map(([Name, Value]) => ({ Name, Value })),
      ClientRequestToken: clientRequestToken,
    }),
  );
}

/** SendPipelineExecutionStepFailure: fails the parent's callback step (FailureReason escaped and cut to 256 characters). */
export async function sendStepFailure(client: SageMakerClient, callbackToken: string, reason: string, clientRequestToken: string): Promise<void> {
  await client.send(
    new SendPipelineExecutionStepFailureCommand({
      CallbackToken: callbackToken,
      FailureReason: safeMessage(reason, MAX_FAILURE_REASON),
      ClientRequestToken: clientRequestToken,
    }),
  );
}
