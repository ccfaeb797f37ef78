/**
 * The running fan-outs at a glance, for the gauges the sweep emits every run (dashboard, stalled
 * fan-out alarm): how many run, how many made no progress for too long, how many children wait.
 */
import pLimit from 'p-limit';
import type { FanInHeader } from './fan-in-state';
import type { FanInStore } from './fan-in-store';

export interface FanOutCensus {
  running: number;
  /** Running fan-outs with children left and no end counted for longer than `stalledAfterMs`. */
  stalled: string[];
  /** Children not started yet (waiting for quota), over every running fan-out. */
  childrenPending: number;
  /** Children started and not ended, over every running fan-out. */
  childrenRunning: number;
}

/**
 * True when the fan-out has children left and nothing ended since `stalledAfterMs` before `now`
 * (counted from its creation until a first child ends).
 */
export function isStalled(header: FanInHeader, now: number, stalledAfterMs: number): boolean {
  if (header.endedCount >= header.total) return false;
  const since = header.lastEndedAt ?? header.createdAt;
  return since !== undefined && Date.parse(since) < now - stalledAfterMs;
}

/** Reads the header of every RUNNING fan-out (one index query, one GetItem each) and counts. */
export async function fanOutCensus(store: FanInStore, options: { now: number; stalledAfterMs: number }): Promise<FanOutCensus> {
  const parents = await store.fanOutsIn('RUNNING', new Date(options.now + 1).toISOString());
  const limit = pLimit(10);
  const headers = await Promise.all(parents.map((parent) => limit(() => store.get(parent))));
  const census: FanOutCensus = { running: 0, stalled: [], childrenPending: 0, childrenRunning: 0 };
  for (const header of headers) {
    // The index is eventually consistent: a fan-out that completed meanwhile is not counted.
    if (header?.state !== 'RUNNING') continue;
    census.running += 1;
    census.childrenPending += Math.max(0, header.pendingCount);
    census.childrenRunning += Math.max(0, header.total - header.endedCount - Math.max(0, header.pendingCount));
    if (isStalled(header, options.now, options.stalledAfterMs)) census.stalled.push(header.parentExecutionArn);
  }
  return census;
}
