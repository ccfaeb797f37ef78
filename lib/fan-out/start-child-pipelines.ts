/** The LambdaStep form of the fan-out: start one child execution per pipeline and item, and return at once. */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import { describeError, InvalidInputError, PartialFailureError } from '../core/errors';
import { checkDeclaredParameters, planChildStarts, type ChildStart } from './plan';
import { DEFAULT_MAX_CONCURRENCY, RUN_KEY_REQUIRED, type StartChildPipelinesInput } from './request';
import { describeChildPipeline, recentExecutionArns } from './sagemaker';
import { startChildExecutions, type StartOptions } from './start-children';

export const MAX_OUTPUT_VALUE_LENGTH = 1024;

export interface StartChildPipelinesResult {
  /** Children this invocation started. */
  startedCount: number;
  /** Children that were already running or done (a re-run): the token returned an existing execution. */
  alreadyStartedCount: number;
  total: number;
  /** The execution ARNs in plan order as a JSON list, or "" when the list exceeds 1024 characters. */
  executionArns: string;
  executionArnsTruncated: boolean;
}

/** The run key the tokens derive from: the parent execution ARN, else the run id. */
export function runKeyOf(input: Pick<StartChildPipelinesInput, 'parentExecutionArn' | 'runId'>): string {
  const key = input.parentExecutionArn ?? input.runId;
  if (!key) {
    throw new InvalidInputError(`parentExecutionArn: ${RUN_KEY_REQUIRED}`, [
      'parentExecutionArn',
      'runId',
    ]);
  }
  return key;
}

/**
 * Plans and checks the fan-out (every pipeline exists, every parameter is declared) before anything
 * starts; used by both forms.
 */
export async function planCheckedFanOut(sageMaker: SageMakerClient, input: StartChildPipelinesInput, runKey: string): Promise<ChildStart[]> {
  const plan = planChildStarts(input, runKey);
  const limit = pLimit(5);
  const described = await Promise.all(
    input.pipelines.map((pipeline) => limit(async () => ({ pipeline, info: await describeChildPipeline(sageMaker, pipeline) }))),
  );
  const declared = new Map(plan.map((c) => [c.pipelineName, described.find((d) => d.pipeline === c.pipeline)?.info.parameterNames]));
  checkDeclaredParameters(plan, declared, input.items);
  return plan;
}

/**
 * Starts every child, waiting for capacity when the concurrent-execution quota is full. Throws a
 * PartialFailureError (how many started, how many did not) when some could not start in time;
 * running it again starts only the rest, as the tokens are the same.
 */
export async function startChildPipelines(
  deps: { sageMaker: SageMakerClient; sleep?: (ms: number) => Promise<void> },
  input: StartChildPipelinesInput,
  options: Pick<StartOptions, 'remainingTimeMs' | 'reserveMs' | 'capacityWaitMs'>,
): Promise<StartChildPipelinesResult> {
  const runKey = runKeyOf(input);
  const plan = await planCheckedFanOut(deps.sageMaker, input, runKey);
  // Only to tell re-started children from new ones in the counts; idempotency itself rests on the tokens.
  const known = new Set<string>();
  for (const pipeline of input.pipelines) {
    for (const arn of await recentExecutionArns(deps.sageMaker, pipeline, input.items.length + 100)) known.add(arn);
  }
  const result = await startChildExecutions(deps, plan, {
    ...options,
    maxConcurrency: input.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    onQuota: 'wait',
    knownExecutionArns: known,
  });
  const alreadyStartedCount = result.started.filter((s) => s.alreadyStarted).length;
  const startedCount = result.started.length - alreadyStartedCount;
  const notStarted = result.pending.length + result.failed.length;
  if (notStarted > 0) {
    const first = result.failed[0];
    const why = first
      ? `${first.child.displayName}: ${describeError(first.error)}`
      : 'the concurrent pipeline execution quota stayed full until the step ran out of time';
    throw new PartialFailureError(
      `started ${startedCount} of ${plan.length} children (${alreadyStartedCount} already started), ${notStarted} not started (${why}); ` +
        'run the step again to start only the rest',
    );
  }
  const arns = JSON.stringify(result.started.map((s) => s.executionArn));
  const fits = arns.length <= MAX_OUTPUT_VALUE_LENGTH;
  return { startedCount, alreadyStartedCount, total: plan.length, executionArns: fits ? arns : '', executionArnsTruncated: !fits };
}
