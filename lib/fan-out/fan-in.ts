/**
 * The fan-in's dispatch: which transition a queue message or a child's end event leads to. A parent's
 * CallbackStep starts the children (same core, same tokens as the LambdaStep form) and waits; each
 * child's end is counted once; the last end sends the callback exactly once. The sweep (sweep.ts) is
 * the third way in.
 */
import type { FanInMessage } from './callback-message';
import { childEnded } from './child-transitions';
import type { FanInDeps } from './fan-in-deps';
import type { EndStatus } from './fan-in-state';
import { beginFanOut, resumeFanOut, stopFanOut } from './fan-out-transitions';

/** Handles one queue message: a start, a Stopping notice, or a resume. */
export async function handleFanInMessage(deps: FanInDeps, message: FanInMessage): Promise<void> {
  if ('resumeFanOut' in message) return resumeFanOut(deps, message.resumeFanOut);
  if ('status' in message) return stopFanOut(deps, message.pipelineExecutionArn, message.token);
  return beginFanOut(deps, message.pipelineExecutionArn, message.token, message.arguments);
}

/** A child's terminal status event: counted when the execution is a fan-out child, ignored otherwise. */
export async function onChildExecutionEnd(deps: FanInDeps, childExecutionArn: string, status: EndStatus): Promise<'ignored' | 'recorded'> {
  const found = await deps.store.lookup(childExecutionArn);
  if (!found) return 'ignored';
  await childEnded(deps, found, childExecutionArn, status);
  return 'recorded';
}
