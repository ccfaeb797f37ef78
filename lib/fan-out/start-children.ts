/**
 * The fan-out core: starts planned children with bounded concurrency, idempotent by token. Throttling
 * is retried inside the SDK client; the concurrent-execution quota (ResourceLimitExceeded) is waited
 * out here, within the caller's time, or deferred to the caller.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import type { ChildStart } from './plan';
import { errorName, startChildExecution } from './sagemaker';

export interface StartDeps {
  sageMaker: SageMakerClient;
  /** Injectable for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
}

export interface StartOptions {
  remainingTimeMs: () => number;
  maxConcurrency: number;
  /** `wait`: retry quota errors until time runs short (LambdaStep). `defer`: leave them pending (fan-in). */
  onQuota?: 'wait' | 'defer';
  /** Time kept for the caller after the last start; no start begins with less left. Default 10 s. */
  reserveMs?: number;
  /** First wait for capacity after ResourceLimitExceeded, doubled up to maxCapacityWaitMs. Default 2 s and 30 s. */
  capacityWaitMs?: number;
  maxCapacityWaitMs?: number;
  /** Executions known to exist before this call: a start returning one of them counts as already started. */
  knownExecutionArns?: ReadonlySet<string>;
  /**
   * Called once per started child, inside its concurrency slot (the fan-in records it there). False:
   * another caller had already taken the child (its start returned the same execution), so it does not
   * count toward `maxStarts`.
   */
  onStarted?: (child: ChildStart, executionArn: string) => Promise<boolean | void>;
  /** Stop after this many starts (a child's end frees one slot; the other candidates are spares). */
  maxStarts?: number;
}

export interface StartedChild {
  child: ChildStart;
  executionArn: string;
  alreadyStarted: boolean;
  /** False when onStarted said another caller had taken the child. */
  moved?: boolean;
}

export interface StartResult {
  started: StartedChild[];
  /** Not started: the quota was full (defer mode) or time ran short. Safe to start later with the same tokens. */
  pending: ChildStart[];
  /** Failed with an error other than the quota; the first one stops new starts. */
  failed: { child: ChildStart; error: unknown }[];
  /** Not tried: `maxStarts` children had started. */
  unneeded: ChildStart[];
}

export const isQuotaError = (error: unknown) => errorName(error) === 'ResourceLimitExceeded';

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts every child of `plan` at most `maxConcurrency` at a time and reports which started, which are
 * pending and which failed. Never throws for a child's error: the caller decides what a partial result means.
 */
export async function startChildExecutions(deps: StartDeps, plan: readonly ChildStart[], options: StartOptions): Promise<StartResult> {
  const sleep = deps.sleep ?? timer;
  const reserveMs = options.reserveMs ?? 10_000;
  const firstWait = options.capacityWaitMs ?? 2_000;
  const maxWait = options.maxCapacityWaitMs ?? 30_000;
  const limit = pLimit(options.maxConcurrency);
  const result: StartResult = { started: [], pending: [], failed: [], unneeded: [] };
  let counted = 0;
  let stopped = false;
  // In defer mode a full quota defers everything not yet begun: no point spending calls on errors.
  let quotaFull = false;

  const startOne = async (child: ChildStart): Promise<void> => {
    let wait = firstWait;
    for (;;) {
      if (options.maxStarts !== undefined && counted >= options.maxStarts) {
        result.unneeded.push(child);
        return;
      }
      if (stopped || quotaFull || options.remainingTimeMs() < reserveMs) {
        result.pending.push(child);
        return;
      }
      try {
        const executionArn = await startChildExecution(deps.sageMaker, child);
        const moved = (await options.onStarted?.(child, executionArn)) !== false;
        if (moved) counted += 1;
        result.started.push({ child, executionArn, alreadyStarted: options.knownExecutionArns?.has(executionArn) ?? false, ...(moved ? {} : { moved }) });
        return;
      } catch (error) {
        if (!isQuotaError(error)) {
          stopped = true;
          result.failed.push({ child, error });
          return;
        }
        if (options.onQuota !== 'wait' || options.remainingTimeMs() - wait < reserveMs) {
          quotaFull = options.onQuota !== 'wait';
          result.pending.push(child);
          return;
        }
        // Jittered so waiting children do not all retry at the same instant when capacity frees.
        await sleep(wait / 2 + Math.random() * (wait / 2));
        wait = Math.min(wait * 2, maxWait);
      }
    }
  };

  await Promise.all(plan.map((child) => limit(() => startOne(child))));
  const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
  result.started.sort((a, b) => byId(a.child, b.child));
  result.pending.sort(byId);
  result.failed.sort((a, b) => byId(a.child, b.child));
  return result;
}
