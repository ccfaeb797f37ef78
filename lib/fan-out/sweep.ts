/**
 * The fan-in's backstop: a child whose end event never reached onChildExecutionStatus (a rule that
 * gave up, an event left in the failed-events queue) would leave its parent waiting up to SageMaker's
 * 672-hour limit. On a schedule, the sweep reads the status of every started child of the fan-outs that
 * have been running for a while and records the ends it finds, through the same idempotent path as the
 * events, so an end the event also delivers is still counted once. It then starts pending children the
 * freed capacity allows, and sends the callback a crashed invocation left unsent (all children ended
 * but no callback, or a completion claim whose lease expired).
 */
import pLimit from 'p-limit';
import { describeError } from '../core/errors';
import { logger } from '../core/powertools';
import { childEnded, recordChildEnd, startPendingChildren } from './child-transitions';
import { abandonFanOut, finishAbandonedCompletion } from './completion';
import type { FanInDeps } from './fan-in-deps';
import { isEndStatus, placeLimit, type FanInHeader } from './fan-in-state';
import { describeExecution, errorName } from './sagemaker';
import { SWEEP_START_FAILURES_MAX } from './timing';

export interface SweepOptions {
  /** Fan-outs created, and children started, less than this long ago are left to their events. */
  minAgeMs: number;
  /** DescribePipelineExecution calls at a time. Default 5. */
  concurrency?: number;
  /** No fan-out or child is begun with less time left. Default 15 s. */
  reserveMs?: number;
  now?: () => number;
  /** The sweep's order (injectable for tests). */
  random?: () => number;
}

export interface SweepResult {
  fanOuts: number;
  childrenChecked: number;
  /** Ends found by the sweep that no event had recorded. */
  endsRecovered: number;
  /** Callbacks sent in place of an invocation that claimed the completion and crashed. */
  completionsTakenOver: number;
  /** Fan-outs whose sweep failed (logged each); the next sweep tries them again. */
  failed: string[];
  /** Time ran short before every fan-out was swept. */
  unfinished: boolean;
}

/** A copy of `items` in random order (Fisher-Yates). */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Takes over abandoned completions, then sweeps the RUNNING fan-outs older than `minAgeMs` within the
 * remaining time. Fan-outs (listed in full first: keys only) and their children are swept in random
 * order, so a sweep that runs out of time does not always leave the same ones to the next.
 */
export async function sweepFanOuts(deps: FanInDeps, options: SweepOptions): Promise<SweepResult> {
  const reserveMs = options.reserveMs ?? 15_000;
  const random = options.random ?? Math.random;
  const createdBefore = new Date((options.now ?? Date.now)() - options.minAgeMs).toISOString();
  const result: SweepResult = { fanOuts: 0, childrenChecked: 0, endsRecovered: 0, completionsTakenOver: 0, failed: [], unfinished: false };
  for (const parent of await deps.store.fanOutsIn('COMPLETING', createdBefore)) {
    if (deps.remainingTimeMs() < reserveMs) {
      result.unfinished = true;
      return result;
    }
    try {
      // The claim itself refuses a live one: only a claim past its lease is taken over.
      if (await finishAbandonedCompletion(deps, parent)) result.completionsTakenOver += 1;
    } catch (error) {
      logger.error('fan-out completion failed', { parent, error: describeError(error) });
      result.failed.push(parent);
    }
  }
  for (const parent of shuffled(await deps.store.fanOutsIn('RUNNING', createdBefore), random)) {
    if (deps.remainingTimeMs() < reserveMs) {
      result.unfinished = true;
      break;
    }
    result.fanOuts += 1;
    const swept = await sweepFanOut(deps, parent, { concurrency: options.concurrency ?? 5, reserveMs, startedBefore: createdBefore, random });
    result.childrenChecked += swept.checked;
    result.endsRecovered += swept.recovered;
    result.unfinished ||= swept.unfinished;
    if (swept.failure) {
      logger.error('fan-out sweep failed', { parent, error: describeError(swept.failure.error) });
      result.failed.push(parent);
    }
  }
  return result;
}

/**
 * Reads each STARTED child's status and records the ends; then starts what is pending, or completes.
 * Never leaves work running when it returns: after a failure no new check begins, and the checks
 * already begun are waited for (they would otherwise go on outside the invocation).
 */
export async function sweepFanOut(
  deps: FanInDeps,
  parent: string,
  options: { concurrency: number; reserveMs: number; startedBefore: string; random?: () => number },
): Promise<{ checked: number; recovered: number; unfinished: boolean; failure?: { error: unknown } }> {
  let checked = 0;
  let recovered = 0;
  let unfinished = false;
  let failure: { error: unknown } | undefined;
  try {
    const header = await deps.store.get(parent);
    if (header?.state !== 'RUNNING') return { checked, recovered, unfinished };
    // A fan-out with Distributed Map options takes an end through its event's path (retry, place, tolerance).
    const policy = header.policy !== undefined;
    // Children started recently are left to their events, like young fan-outs (and a just-started
    // execution that reads as not found is a lagging read, not a deleted one).
    const started = (await deps.store.children(parent)).filter(
      (c) => c.status === 'STARTED' && c.executionArn && (c.startedAt === undefined || c.startedAt < options.startedBefore),
    );
    const limit = pLimit(options.concurrency);
    // Every task catches its own error, so Promise.all returns only when all of them have finished.
    await Promise.all(
      shuffled(started, options.random).map((child) =>
        limit(async () => {
          if (failure) return;
          if (deps.remainingTimeMs() < options.reserveMs) {
            unfinished = true;
            return;
          }
          checked += 1;
          try {
            let status: string | undefined;
            let failureReason: string | undefined;
            try {
              ({ status, failureReason } = await describeExecution(deps.sageMaker, child.executionArn ?? ''));
            } catch (error) {
              // The execution is gone (its pipeline was deleted): it can never report an end.
              if (errorName(error) !== 'ResourceNotFound') throw error;
              status = 'Failed';
              failureReason = 'execution not found (its pipeline was deleted?): recorded as failed by the sweep';
            }
            if (!isEndStatus(status)) return;
            // Not counted: its event was being recorded at the same moment.
            // Through the same path as its event (a retry within childRetries, a place under maxRunning) when its lookup is there.
            const found = policy && child.executionArn !== undefined ? await deps.store.lookup(child.executionArn) : undefined;
            const counted = found
              ? await childEnded(deps, found, child.executionArn ?? '', status, failureReason)
              : await recordChildEnd(deps, parent, child, status, failureReason, { releasePlace: placeLimit(header) !== undefined });
            if (!counted) return;
            recovered += 1;
            logger.warn('child end recorded by the sweep: its status event was not processed', {
              parent,
              child: child.displayName,
              childExecutionArn: child.executionArn,
              status,
            });
          } catch (error) {
            failure ??= { error };
          }
        }),
      ),
    );
    if (failure || unfinished) return { checked, recovered, unfinished, failure };
    const now = await deps.store.get(parent);
    // Capacity the recovered ends freed, and the callback of an all-ended fan-out a crash left unsent.
    if (now?.state === 'RUNNING') await startOrGiveUp(deps, now);
  } catch (error) {
    failure ??= { error };
  }
  return { checked, recovered, unfinished, failure };
}

/**
 * Starts what the freed capacity allows. The sweep is the only retry of a start that failed in an end
 * event's invocation (no resume message follows those), so a start error that lasts (throttling, an
 * outage) would be retried every sweep until the parent's 672-hour limit: after
 * SWEEP_START_FAILURES_MAX sweeps in a row whose starts all failed, the fan-out is closed and its step
 * failed, as the last delivery of a queue message does.
 */
async function startOrGiveUp(deps: FanInDeps, header: FanInHeader): Promise<void> {
  const { started, startError } = await startPendingChildren(deps, header, { scheduleResume: false });
  if (startError === undefined || started > 0) return;
  const parent = header.parentExecutionArn;
  const failures = await deps.store.countSweepStartFailure(parent);
  logger.warn('no pending child could be started by the sweep', { parent, sweepsInARow: failures, error: describeError(startError.error) });
  if (failures < SWEEP_START_FAILURES_MAX) return;
  const reason = `StartPipelineExecution failed in ${failures} sweeps in a row: ${describeError(startError.error)}`;
  await abandonFanOut(deps, header, { outcome: 'failure', reason });
}
