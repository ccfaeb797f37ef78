/**
 * The slot hand-off: a child's end frees a place under the concurrent-execution quota, and that same
 * invocation starts one pending child with it. Concurrent ends look for candidates from places of
 * their own (a hash of the ended execution), so they rarely try the same child first.
 */
import { describeError } from '../core/errors';
import { Metric } from '../core/metric-names';
import { logger, metrics, MetricUnit } from '../core/powertools';
import type { FanInDeps } from './fan-in-deps';
import type { ChildRecord, EndStatus } from './fan-in-state';
import type { ChildStart } from './plan';
import { startChildExecution } from './sagemaker';
import { isQuotaError } from './start-children';

/**
 * Pending children a child's end reads (one Query, whatever the number): it tries them from a place of
 * its own among them, so concurrent ends whose places fall in one run of started children still
 * rarely try the same child first.
 */
const HANDOFF_CANDIDATES = 16;

/** A small, stable hash of a text (FNV-1a): where a child's end starts among the candidates. */
export function spread(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** The ended child, as the hand-off writes it. */
export interface EndedChild {
  record: ChildRecord;
  status: EndStatus;
  failureReason?: string;
}

/**
 * Starts one pending child with the capacity an end freed, and writes the ended child's item (with
 * the started child's lookup, in one BatchWriteItem). Concurrent ends read the index from different
 * places (a hash of the ended execution over the fan-out's ids), so they rarely meet on a candidate;
 * one another end took is passed over (`onTaken` sees to it: it may have been cancelled, or have ended).
 * Children so start in no set order after the first wave. Undefined when none started (none pending,
 * quota full, an error the resume message or the sweep will meet again).
 */
export async function handOffSlot(
  deps: FanInDeps,
  parent: string,
  ended: EndedChild,
  endedExecutionArn: string,
  fanOutSize: number | undefined,
  hints: { childRetries?: number },
  onTaken: (child: ChildStart, executionArn: string) => Promise<void>,
): Promise<{ child: ChildStart; executionArn: string } | undefined> {
  // Concurrent ends look from different places among the children (a retried event from the same one).
  const from = fanOutSize ? spread(endedExecutionArn) % fanOutSize : 0;
  const found = await deps.store.pendingChildren(parent, HANDOFF_CANDIDATES, from);
  // Ends whose places fall in one run of started children read the same candidates: each tries them
  // from its own first one, so two rarely try the same child first.
  const first = found.length > 0 ? spread(`${endedExecutionArn}#candidate`) % found.length : 0;
  const candidates = [...found.slice(first), ...found.slice(0, first)];
  let endWritten = false;
  for (const candidate of candidates) {
    let executionArn: string;
    try {
      executionArn = await startChildExecution(deps.sageMaker, candidate);
    } catch (error) {
      // Quota taken by other executions, or an error: the child stays pending for the resume message or the sweep.
      if (!isQuotaError(error)) logger.warn('child start failed, left pending', { parent, child: candidate.displayName, error: describeError(error) });
      break;
    }
    const startedAt = new Date().toISOString();
    await deps.store.writeHandOff(parent, ended, { child: candidate, executionArn, startedAt, hints: { fanOutSize, ...hints } });
    endWritten = true;
    if (await deps.store.moveToStarted(parent, candidate.id, executionArn, startedAt)) {
      metrics.addMetric(Metric.FanOutChildrenStarted, MetricUnit.Count, 1);
      return { child: candidate, executionArn };
    }
    // Another end took it (the same token returned the same execution), or Stopping cancelled it.
    await onTaken(candidate, executionArn);
  }
  if (!endWritten) await deps.store.writeHandOff(parent, ended);
  return undefined;
}
