/**
 * The fan-in's timing facts, once: the template (infra) and the functions read them from here, and
 * infra asserts the rules that tie them to the functions' timeouts when the stack is packaged.
 */

/**
 * A claim (COMPLETING, STOPPING) older than this is taken as abandoned by a crashed invocation. It must
 * outlast every function that claims (fanOutCallback, onChildExecutionStatus, sweepFanOuts), so a live
 * claim is never taken, and stay short enough that Lambda's asynchronous retries of the event that
 * found the claim (about 1 and 3 minutes later) can take it over.
 */
export const CLAIM_LEASE_MS = 150_000;

/**
 * A place under maxRunning held this long by a child still PENDING was taken by an invocation that
 * died or whose start failed: another call may then start that child (same token, same execution).
 * The functions that take places are the ones that claim, so the same rule and value hold.
 */
export const PLACE_LEASE_MS = CLAIM_LEASE_MS;

/**
 * Deliveries of one fan-in queue message before SQS moves it to the dead-letter queue (the queue's
 * RedrivePolicy.maxReceiveCount). fanOutCallback fails the parent's step on the last of them.
 */
export const FAN_OUT_QUEUE_MAX_RECEIVE_COUNT = 5;

/**
 * Sweeps in a row whose starts of a fan-out's pending children all failed with an error that might pass
 * (throttling, an outage) before the sweep gives up: the fan-out is closed and its parent's step failed,
 * as the last delivery of a queue message does. At the sweep's rate (15 min), an hour.
 */
export const SWEEP_START_FAILURES_MAX = 4;
