/**
 * "Where is my fan-out?": a fan-out's state from the state table alone (no SageMaker call), shaped to
 * be read in a terminal (`sls invoke -f fanOutProgress`).
 */
import { attemptsOf, toleranceExceeded, type ChildRecord, type ChildStatus, type FanInState } from './fan-in-state';
import type { FanInStore, FanOutSnapshot } from './fan-in-store';

/** Children listed one by one (failed, pending) at most: the counts hold the rest. */
export const MAX_LISTED_CHILDREN = 100;

export interface FanOutProgress {
  /** One line: state, counts, times, callback. */
  summary: string;
  parentExecutionArn: string;
  found: boolean;
  state?: FanInState;
  /** COMPLETED or STOPPED: the parent's CallbackStep was answered (or had stopped waiting). */
  callbackSent?: boolean;
  total?: number;
  /** Children by state: pending (waiting for quota), running, succeeded, failed, stopped, cancelled. */
  children?: Record<ChildState, number>;
  startedAt?: string;
  lastChildEndedAt?: string;
  minutesSinceLastProgress?: number;
  failedChildren?: { id: number; name: string; status: string; failureReason: string; attempts: number; executionArn?: string }[];
  /** RetryPipelineExecution calls sent for children (childRetries and redrive). */
  retried?: number;
  /** The tolerance asked for (toleratedFailureCount, toleratedFailurePercentage) and whether it was exceeded. */
  tolerance?: { count?: number; percentage?: number; exceeded: boolean };
  /** maxRunning, when asked for. */
  maxRunning?: number;
  /** The results object written (resultsS3Uri), once the fan-out ended. */
  resultsObject?: string;
  pendingChildren?: { id: number; name: string }[];
  /** Listed children left out (more than MAX_LISTED_CHILDREN). */
  notListed?: { failed: number; pending: number };
  /** What this report read from the table. */
  reads?: FanOutSnapshot['reads'];
}

type ChildState = 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'cancelled';

const STATE_OF: Record<ChildStatus, ChildState> = {
  PENDING: 'pending',
  STARTED: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Stopped: 'stopped',
  CANCELLED: 'cancelled',
};

const CALLBACK: Record<FanInState, string> = {
  RUNNING: 'callback not sent',
  COMPLETING: 'callback being sent',
  COMPLETED: 'callback sent',
  STOPPING: 'stopping: failure callback being sent',
  STOPPED: 'stopped: failure callback sent',
};

/** Reads the fan-out of `parentExecutionArn` and reports it. */
export async function fanOutProgress(store: FanInStore, parentExecutionArn: string, now: number = Date.now()): Promise<FanOutProgress> {
  const snapshot = await store.snapshot(parentExecutionArn);
  if (!snapshot) {
    return { summary: 'no fan-out recorded for this execution (wrong ARN, stage or region?)', parentExecutionArn, found: false };
  }
  return describeFanOut(snapshot, now);
}

const minutesBetween = (from: string | undefined, now: number) =>
  from === undefined || Number.isNaN(Date.parse(from)) ? undefined : Math.floor((now - Date.parse(from)) / 60_000);

/** The report of a fan-out read from the table (pure). */
export function describeFanOut({ header, children, reads }: FanOutSnapshot, now: number): FanOutProgress {
  const counts: Record<ChildState, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, stopped: 0, cancelled: 0 };
  for (const child of children) counts[STATE_OF[child.status] ?? 'pending'] += 1;
  const byId = (a: ChildRecord, b: ChildRecord) => a.id - b.id;
  const failed = children.filter((c) => c.status === 'Failed' || c.status === 'Stopped').sort(byId);
  const pending = children.filter((c) => c.status === 'PENDING').sort(byId);
  const minutesSinceLastProgress = minutesBetween(header.lastEndedAt ?? header.createdAt, now);
  const ended = counts.succeeded + counts.failed + counts.stopped;
  const since = minutesSinceLastProgress === undefined ? '' : `, last progress ${minutesSinceLastProgress} min ago`;
  const summary =
    `${header.state}: ${ended} of ${header.total} children ended (${counts.succeeded} succeeded, ${counts.failed} failed, ` +
    `${counts.stopped} stopped), ${counts.running} running, ${counts.pending} pending${counts.cancelled ? `, ${counts.cancelled} cancelled` : ''}` +
    `${header.retried ? `, ${header.retried} retries` : ''}${toleranceExceeded(header) ? ', tolerated failures exceeded' : ''}${since}; ${CALLBACK[header.state]}`;
  return {
    summary,
    parentExecutionArn: header.parentExecutionArn,
    found: true,
    state: header.state,
    callbackSent: header.state === 'COMPLETED' || header.state === 'STOPPED',
    total: header.total,
    children: counts,
    ...(header.createdAt ? { startedAt: header.createdAt } : {}),
    ...(header.lastEndedAt ? { lastChildEndedAt: header.lastEndedAt } : {}),
    ...(minutesSinceLastProgress === undefined ? {} : { minutesSinceLastProgress }),
    failedChildren: failed.slice(0, MAX_LISTED_CHILDREN).map((c) => ({
      id: c.id,
      name: c.displayName,
      status: c.status,
      failureReason: c.failureReason ?? 'not recorded (see the child execution)',
      attempts: attemptsOf(c),
      ...(c.executionArn ? { executionArn: c.executionArn } : {}),
    })),
    pendingChildren: pending.slice(0, MAX_LISTED_CHILDREN).map((c) => ({ id: c.id, name: c.displayName })),
    retried: header.retried ?? 0,
    ...(header.policy?.toleratedFailureCount === undefined && header.policy?.toleratedFailurePercentage === undefined
      ? {}
      : {
          tolerance: {
            ...(header.policy.toleratedFailureCount === undefined ? {} : { count: header.policy.toleratedFailureCount }),
            ...(header.policy.toleratedFailurePercentage === undefined ? {} : { percentage: header.policy.toleratedFailurePercentage }),
            exceeded: toleranceExceeded(header),
          },
        }),
    ...(header.policy?.maxRunning === undefined ? {} : { maxRunning: header.policy.maxRunning }),
    ...(header.resultsObject === undefined ? {} : { resultsObject: header.resultsObject }),
    notListed: { failed: Math.max(0, failed.length - MAX_LISTED_CHILDREN), pending: Math.max(0, pending.length - MAX_LISTED_CHILDREN) },
    reads,
  };
}
