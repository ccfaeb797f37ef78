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
import { finishAbandonedCompletion, recordChildEnd, startPendingChildren, type FanInDeps } from './fan-in';
import type { EndStatus } from './fan-in-store';
import { errorName, executionStatus } from './sagemaker';

const ENDED: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Stopped']);

export interface SweepOptions {
  /** Fan-outs created less than this long ago are left to their events. */
  minAgeMs: number;
  /** DescribePipelineExecution calls at a time. Default 5. */
  concurrency?: number;
  /** No fan-out or child is begun with less time left. Default 15 s. */
  reserveMs?: number;
  now?: () => number;
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

/** Takes over abandoned completions, then sweeps every RUNNING fan-out older than `minAgeMs`, oldest first, within the remaining time. */
export async function sweepFanOuts(deps: FanInDeps, options: SweepOptions): Promise<SweepResult> {
  const reserveMs = options.reserveMs ?? 15_000;
  const createdBefore = new Date((options.now ?? Date.now)() - options.minAgeMs).toISOString();
  const result: SweepResult = { fanOuts: 0, childrenChecked: 0, endsRecovered: 0, completionsTakenOver: 0, failed: [], unfinished: false };
  for await (const parent of deps.store.fanOutsIn('COMPLETING', createdBefore)) {
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
  for await (const parent of deps.store.fanOutsIn('RUNNING', createdBefore)) {
    if (deps.remainingTimeMs() < reserveMs) {
      result.unfinished = true;
      break;
    }
    result.fanOuts += 1;
    try {
      const swept = await sweepFanOut(deps, parent, { concurrency: options.concurrency ?? 5, reserveMs });
      result.childrenChecked += swept.checked;
      result.endsRecovered += swept.recovered;
      result.unfinished ||= swept.unfinished;
    } catch (error) {
      logger.error('fan-out sweep failed', { parent, error: describeError(error) });
      result.failed.push(parent);
    }
  }
  return result;
}

/** Reads each STARTED child's status and records the ends; then starts what is pending, or completes. */
export async function sweepFanOut(
  deps: FanInDeps,
  parent: string,
  options: { concurrency: number; reserveMs: number },
): Promise<{ checked: number; recovered: number; unfinished: boolean }> {
  const header = await deps.store.get(parent);
  if (header?.state !== 'RUNNING') return { checked: 0, recovered: 0, unfinished: false };
  const started = (await deps.store.children(parent)).filter((c) => c.status === 'STARTED' && c.executionArn);
  const limit = pLimit(options.concurrency);
  let checked = 0;
  let recovered = 0;
  let unfinished = false;
  await Promise.all(
    started.map((child) =>
      limit(async () => {
        if (deps.remainingTimeMs() < options.reserveMs) {
          unfinished = true;
          return;
        }
        checked += 1;
        let status: string | undefined;
        try {
          status = await executionStatus(deps.sageMaker, child.executionArn ?? '');
        } catch (error) {
          // The execution is gone (its pipeline was deleted): it can never report an end.
          if (errorName(error) !== 'ResourceNotFound') throw error;
          status = 'Failed';
        }
        if (!status || !ENDED.has(status)) return;
        // Not counted: its event was being recorded at the same moment.
        if (!(await recordChildEnd(deps, parent, child, status as EndStatus))) return;
        recovered += 1;
        logger.warn('child end recorded by the sweep: its status event was not processed', {
          parent,
          child: child.displayName,
          childExecutionArn: child.executionArn,
          status,
        });
      }),
    ),
  );
  const now = await deps.store.get(parent);
  // Capacity the recovered ends freed, and the callback of an all-ended fan-out a crash left unsent.
  if (now?.state === 'RUNNING' && !unfinished) await startPendingChildren(deps, now, { scheduleResume: false });
  return { checked, recovered, unfinished };
}
