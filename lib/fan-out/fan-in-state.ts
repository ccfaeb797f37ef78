/**
 * The fan-in's state and the rules on it (pure): what a fan-out and its children hold, which counter a
 * child's end moves, which failures the header names, and when a claim counts as abandoned. The store
 * (fan-in-store.ts) only reads and writes what these rules decide.
 */
import type { ChildStart } from './plan';
import { CLAIM_LEASE_MS } from './timing';

export type FanInState = 'RUNNING' | 'COMPLETING' | 'COMPLETED' | 'STOPPING' | 'STOPPED';
export type ChildStatus = 'PENDING' | 'STARTED' | 'Succeeded' | 'Failed' | 'Stopped' | 'CANCELLED';
export type EndStatus = 'Succeeded' | 'Failed' | 'Stopped';
/** The header's counter of each end status. */
export type EndCounter = 'succeeded' | 'failed' | 'stopped';

const END_COUNTER: Readonly<Record<EndStatus, EndCounter>> = { Succeeded: 'succeeded', Failed: 'failed', Stopped: 'stopped' };

/** A pipeline execution status that ends the execution (what a child's end is recorded as). */
export const isEndStatus = (status: string | undefined): status is EndStatus => status !== undefined && Object.hasOwn(END_COUNTER, status);

/** The header counter a child's end moves (Stopped is counted apart from Failed; the callback adds them up). */
export const endCounter = (status: EndStatus): EndCounter => END_COUNTER[status];

export interface FanInHeader {
  parentExecutionArn: string;
  callbackToken: string;
  state: FanInState;
  total: number;
  endedCount: number;
  succeeded: number;
  failed: number;
  stopped: number;
  /** Children not started yet (a hint: it may lag, never lead). */
  pendingCount: number;
  failOnChildFailure: boolean;
  maxConcurrency: number;
  /** `<id, 4 digits>|<display name>` of the first MAX_FAILED_LISTED children that failed or stopped (the child items hold them all). */
  failedChildren: string[];
  /** Every child is recorded: a redelivered start message records none again. */
  childrenRecorded?: boolean;
  /** When the fan-out was recorded (ISO time). */
  createdAt?: string;
  /** When a child's end was last counted (ISO time; absent until the first). */
  lastEndedAt?: string;
  /** The Distributed Map options the fan-out was started with (absent: not asked). */
  policy?: FanOutPolicy;
  /**
   * Children holding a place under `policy.maxRunning`, with when it was taken (ms): taken before a
   * start, freed when the child's end is counted or given back when the quota refused its start (a
   * child whose start failed otherwise keeps its place until, after PLACE_LEASE_MS, another call
   * starts it). Absent when no place limit applies (placeLimit).
   */
  places?: Place[];
  /** RetryPipelineExecution calls sent for children (childRetries, and the parent's redrive). */
  retried?: number;
  /** The results object written for the current callback token (its s3:// URI). */
  resultsObject?: string;
  /** The callback token whose redrive (a retried parent) is under way. */
  redrive?: string;
  /** Sweeps in a row whose starts all failed (SWEEP_START_FAILURES_MAX); absent once a start succeeds. */
  sweepStartFailures?: number;
}

/**
 * The places a fan-out's children take: `maxRunning`, when it is below the number of children (at or
 * above it, it limits nothing, and the header keeps no map of places to write with every end).
 */
export const placeLimit = (header: Pick<FanInHeader, 'policy' | 'total'>): number | undefined => {
  const max = header.policy?.maxRunning;
  return max !== undefined && max < header.total ? max : undefined;
};

/** A child's place under maxRunning. */
export interface Place {
  id: number;
  takenAt: number;
}

/** The CallbackStep's Distributed Map options, as the header keeps them. */
export interface FanOutPolicy {
  maxRunning?: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  stopOnFailure?: boolean;
  childRetries?: number;
  resultsS3Uri?: string;
}

/** True when a tolerance is given and failed + stopped children exceed it (Distributed Map: either one exceeded fails). */
export function toleranceExceeded(header: Pick<FanInHeader, 'failed' | 'stopped' | 'total' | 'policy'>): boolean {
  const notSucceeded = header.failed + header.stopped;
  const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = header.policy ?? {};
  if (count !== undefined && notSucceeded > count) return true;
  return percentage !== undefined && header.total > 0 && (notSucceeded * 100) / header.total > percentage;
}

/** True when the fan-out's outcome is decided by a tolerance (rather than failOnChildFailure). */
export const hasTolerance = (header: Pick<FanInHeader, 'policy'>): boolean =>
  header.policy?.toleratedFailureCount !== undefined || header.policy?.toleratedFailurePercentage !== undefined;

/** A child as the table holds it: its planned start, and what became of it. */
export interface ChildRecord extends ChildStart {
  /** Executions of it begun: its start, then each RetryPipelineExecution (absent: 1). */
  attempts?: number;
  status: ChildStatus;
  executionArn?: string;
  /** When it moved to STARTED (ISO time). */
  startedAt?: string;
  /** Why it failed, when known (SageMaker's FailureReason, or the start's refusal). */
  failureReason?: string;
}

/** Where a started child's end is recorded: its fan-out, its id, and its record as started. */
export interface ChildLookup {
  parentExecutionArn: string;
  childId: number;
  displayName: string;
  record: ChildRecord;
  /** The fan-out's number of children: where among them a hand-off looks for pending ones. */
  fanOutSize?: number;
  /** The fan-out's `maxRunning`: its end hands its place over only once counted. */
  maxRunning?: number;
  /** The fan-out's `childRetries`: a failure within them is retried, not counted. */
  childRetries?: number;
  /** The fan-out has a tolerance: a failure is counted before the next child starts. */
  failFast?: boolean;
}

/** Executions begun of a child (1 until retried). */
export const attemptsOf = (record: { attempts?: number }): number => record.attempts ?? 1;

/** Failed children named in the header (and so in the callback): the item stays far below DynamoDB's 400 KB at 10,000 children. */
export const MAX_FAILED_LISTED = 100;

/** True when the end just counted (`header` as it left the count) is one of the first MAX_FAILED_LISTED failures, which the header names. */
export const namesFailure = (header: FanInHeader, status: EndStatus): boolean =>
  status !== 'Succeeded' && header.failed + header.stopped <= MAX_FAILED_LISTED;

/** A failed child as the header names it: sorted by id, then its display name. */
export const failedChildEntry = (child: { id: number; displayName: string }): string => `${String(child.id).padStart(4, '0')}|${child.displayName}`;

/** The display names the header holds of failed children, in id order. */
export const failedChildNames = (header: FanInHeader): string[] => header.failedChildren.map((entry) => entry.slice(entry.indexOf('|') + 1));

/** A claim (COMPLETING, STOPPING) made before this time (ms) was abandoned by a crashed invocation and may be taken over. */
export const abandonedClaimsBefore = (now: number): number => now - CLAIM_LEASE_MS;

/** Every child ended while the fan-out runs (or its completion claim is held): the callback is due. */
export const isCallbackDue = (header: FanInHeader): boolean =>
  (header.state === 'RUNNING' || header.state === 'COMPLETING') && (header.endedCount >= header.total || toleranceExceeded(header));
