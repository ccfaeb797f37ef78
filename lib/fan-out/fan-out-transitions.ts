/**
 * The transitions of a whole fan-out: begin (record it and start what the quota allows), resume (start
 * what waited for quota), stop (the parent is stopping). Completion is completion.ts's.
 */
import pLimit from 'p-limit';
import { describeError, InvalidInputError, NotFoundError } from '../core/errors';
import { logger } from '../core/powertools';
import { parseStepInput } from '../lambda-step/define-step';
import { refusalCallback, stoppedEarlierCallback, stoppingCallback } from './callback-outputs';
import { startPendingChildren } from './child-transitions';
import { claimFanOut, isFinalCallbackError, sendCallback } from './completion';
import type { FanInDeps } from './fan-in-deps';
import type { ChildStart } from './plan';
import { CALLBACK_STEP_LIMIT, planCheckedFanOut } from './plan-fan-out';
import type { FanInHeader, FanOutPolicy } from './fan-in-state';
import { DEFAULT_MAX_CONCURRENCY, FanInArguments } from './request';
import { checkResultsBucket } from './results';
import { redriveToken } from './tokens';
import { stopChildExecution } from './sagemaker';

/**
 * Records the fan-out and its children (as PENDING), then starts what the quota allows. Input errors and
 * missing pipelines fail the parent's step at once (a retry could not fix them); other errors are thrown
 * so the message is retried.
 */
export async function beginFanOut(deps: FanInDeps, parent: string, callbackToken: string, args: Record<string, unknown>): Promise<void> {
  let plan: ChildStart[];
  let input: FanInArguments;
  try {
    input = parseStepInput(FanInArguments, args);
    if (input.resultsS3Uri !== undefined) checkResultsBucket(input.resultsS3Uri, deps.resultsBuckets ?? []);
    plan = await planCheckedFanOut(deps, input, input.parentExecutionArn ?? parent, CALLBACK_STEP_LIMIT);
  } catch (error) {
    if (!(error instanceof InvalidInputError || error instanceof NotFoundError)) throw error;
    logger.warn('fan-out refused', { parent, error });
    await sendCallback(deps, parent, callbackToken, refusalCallback(error));
    return;
  }
  const fresh = await deps.store.create({
    parentExecutionArn: parent,
    callbackToken,
    total: plan.length,
    pendingCount: plan.length,
    failOnChildFailure: input.failOnChildFailure ?? true,
    maxConcurrency: input.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    ...(policyOf(input) ? { policy: policyOf(input) } : {}),
  });
  let header = await deps.store.get(parent);
  // A Stopping message that came first recorded the fan-out (no children: total 0) and, its callback
  // failing, gave the state back to RUNNING for its retry: the parent is stopping, start nothing.
  if (header && header.total === 0 && header.state !== 'STOPPED') {
    logger.info('fan-out is being stopped: nothing to start', { parent, state: header.state });
    return;
  }
  if (header && header.callbackToken !== callbackToken) {
    // RetryPipelineExecution ran the CallbackStep again (same parent ARN, new token): answer the new token.
    if (header.state === 'STOPPED') {
      await sendCallback(deps, parent, callbackToken, stoppedEarlierCallback);
      return;
    }
    await deps.store.renewCallbackToken(parent, callbackToken);
    header = await deps.store.get(parent);
  }
  if (header?.state !== 'RUNNING') {
    logger.info('fan-out no longer running: nothing to start', { parent, state: header?.state });
    return;
  }
  if (header.redrive === callbackToken) header = (await redriveFailedChildren(deps, header)) ?? header;
  // A redelivered message finds its children recorded: one conditional put each would cost as much as recording them.
  if (!header.childrenRecorded) {
    await deps.store.putChildren(parent, plan, fresh);
    await deps.store.markChildrenRecorded(parent);
  }
  await startPendingChildren(deps, header, { scheduleResume: true });
}

/** The Distributed Map options of the inputs, as the header keeps them (undefined when none is given). */
function policyOf(input: FanInArguments): FanOutPolicy | undefined {
  const policy: FanOutPolicy = {};
  if (input.maxRunning !== undefined) policy.maxRunning = input.maxRunning;
  if (input.toleratedFailureCount !== undefined) policy.toleratedFailureCount = input.toleratedFailureCount;
  if (input.toleratedFailurePercentage !== undefined) policy.toleratedFailurePercentage = input.toleratedFailurePercentage;
  if (input.stopOnFailure !== undefined) policy.stopOnFailure = input.stopOnFailure;
  if (input.childRetries !== undefined) policy.childRetries = input.childRetries;
  if (input.resultsS3Uri !== undefined) policy.resultsS3Uri = input.resultsS3Uri;
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/**
 * The parent was retried (same execution, new token) after its fan-out completed: each child that
 * failed or stopped (or was cancelled when the tolerance was exceeded) waits again as PENDING, to be
 * retried from its failed step (or started anew where SageMaker cannot retry it, with a token of its
 * own); the succeeded ones are kept. The new totals go to the new token.
 */
async function redriveFailedChildren(deps: FanInDeps, header: FanInHeader): Promise<FanInHeader | undefined> {
  const parent = header.parentExecutionArn;
  const token = header.callbackToken;
  const again = (await deps.store.children(parent)).filter((c) => c.status === 'Failed' || c.status === 'Stopped' || c.status === 'CANCELLED');
  let requeued = 0;
  for (const child of again) if (await deps.store.requeueForRedrive(parent, child, redriveToken(parent, child.id, token))) requeued += 1;
  await deps.store.endRedrive(parent, token);
  logger.info('fan-out redriven for the retried parent', { parent, requeued });
  return deps.store.get(parent);
}

/** The resume message: starts children still pending (the quota was full), and reschedules itself while some remain. */
export async function resumeFanOut(deps: FanInDeps, parent: string): Promise<void> {
  const header = await deps.store.get(parent);
  if (header?.state !== 'RUNNING') return;
  await startPendingChildren(deps, header, { scheduleResume: true });
}

/** The parent is stopping: stop its running children, cancel the pending ones, and fail the step once. */
export async function stopFanOut(deps: FanInDeps, parent: string, callbackToken: string): Promise<void> {
  if (!(await claimFanOut(deps, parent, 'STOPPING', { createIfMissing: { callbackToken } }))) {
    logger.info('fan-out already completed or stopping', { parent });
    return;
  }
  try {
    const children = await deps.store.children(parent);
    const limit = pLimit(5);
    const stopped = await Promise.all(
      children
        .filter((c) => c.status === 'STARTED' && c.executionArn)
        .map((c) => limit(() => stopChildExecution(deps.sageMaker, c.executionArn ?? ''))),
    );
    let cancelled = 0;
    for (const c of children.filter((c) => c.status === 'PENDING')) {
      if (await deps.store.cancel(parent, c.id)) {
        cancelled += 1;
        continue;
      }
      // A concurrent start marked it STARTED after the read above: it is running, stop it too.
      const now = await deps.store.getChild(parent, c.id);
      if (now?.status === 'STARTED' && now.executionArn) stopped.push(await stopChildExecution(deps.sageMaker, now.executionArn));
    }
    const header = await deps.store.get(parent);
    const token = header?.callbackToken || callbackToken;
    try {
      await sendCallback(deps, parent, token, stoppingCallback(stopped.filter(Boolean).length, cancelled));
    } catch (error) {
      if (!isFinalCallbackError(error)) throw error;
      logger.error('stop callback refused: the parent no longer waits for this token', { parent, error: describeError(error) });
    }
    await deps.store.release(parent, 'STOPPING', 'STOPPED');
  } catch (error) {
    await deps.store.release(parent, 'STOPPING', 'RUNNING');
    throw error;
  }
}
