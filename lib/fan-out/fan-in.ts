/**
 * The fan-in's dispatch: which transition a queue message or a child's end event leads to. A parent's
 * CallbackStep starts the children (same core, same tokens as the LambdaStep form) and waits; each
 * child's end is counted once; the last end sends the callback exactly once. The sweep (sweep.ts) is
 * the third way in.
 */
import { describeError, InvalidInputError } from '../core/errors';
import { logger } from '../core/powertools';
import { callbackAddress, parseFanInMessage, type CallbackAddress, type FanInMessage } from './callback-message';
import { deadLetterCallback, refusalCallback, type StepCallback } from './callback-outputs';
import { childEnded } from './child-transitions';
import { abandonFanOut, isFinalCallbackError, sendCallback } from './completion';
import type { FanInDeps } from './fan-in-deps';
import type { EndStatus } from './fan-in-state';
import { beginFanOut, resumeFanOut, stopFanOut } from './fan-out-transitions';
import { FAN_OUT_QUEUE_MAX_RECEIVE_COUNT } from './timing';

/** Handles one queue message: a start, a Stopping notice, or a resume. */
export async function handleFanInMessage(deps: FanInDeps, message: FanInMessage): Promise<void> {
  if ('resumeFanOut' in message) return resumeFanOut(deps, message.resumeFanOut);
  if ('status' in message) return stopFanOut(deps, message.pipelineExecutionArn, message.token);
  return beginFanOut(deps, message.pipelineExecutionArn, message.token, message.arguments);
}

/** One delivery of a queue message: its body, and how many times SQS has delivered it (ApproximateReceiveCount). */
export interface FanInDelivery {
  body: string;
  receiveCount?: number;
}

/** The delivery after which SQS moves a failing message to the dead-letter queue. */
export const isLastDelivery = (receiveCount: number | undefined): boolean =>
  receiveCount !== undefined && receiveCount >= FAN_OUT_QUEUE_MAX_RECEIVE_COUNT;

/**
 * Handles one delivery so that a parent whose token is readable is always answered: a malformed
 * message fails its step at once (naming the field); any other error is thrown for SQS to deliver the
 * message again, and on the last delivery the step is failed first, saying what failed.
 */
export async function handleFanInDelivery(deps: FanInDeps, delivery: FanInDelivery): Promise<void> {
  let message: FanInMessage | undefined;
  try {
    try {
      message = parseFanInMessage(delivery.body);
    } catch (error) {
      const address = callbackAddress(delivery.body);
      if (!(error instanceof InvalidInputError) || !address) throw error;
      logger.warn('fan-in message refused', { parent: address.pipelineExecutionArn, error });
      await tellParent(deps, address, refusalCallback(error));
      return;
    }
    await handleFanInMessage(deps, message);
  } catch (error) {
    if (isLastDelivery(delivery.receiveCount)) {
      const callback = deadLetterCallback(error, delivery.receiveCount ?? FAN_OUT_QUEUE_MAX_RECEIVE_COUNT);
      const told = await answerDeadLettered(deps, delivery.body, message, callback).catch((sendError: unknown) => {
        logger.error('the failure callback of a dead-lettered message could not be sent', { error: describeError(sendError) });
        return false;
      });
      if (told) logger.warn('last delivery failed: the parent step was failed');
    }
    throw error;
  }
}

/**
 * The last delivery of a message failed: its parent's step fails once. A recorded fan-out still
 * RUNNING for that token (or the fan-out a resume message names) is closed too, so that no pending
 * child starts for a step that has ended; otherwise the token the message carries is answered. `message`
 * is the body as parsed before the failure (undefined when it could not be parsed).
 */
async function answerDeadLettered(deps: FanInDeps, body: string, message: FanInMessage | undefined, callback: StepCallback): Promise<boolean> {
  const address = callbackAddress(body);
  const parent = address?.pipelineExecutionArn ?? (message && 'resumeFanOut' in message ? message.resumeFanOut : undefined);
  if (parent !== undefined) {
    // The table itself may be what failed (missing, unreachable): the message's token is then answered alone.
    const header = await deps.store.get(parent).catch((error: unknown) => {
      logger.warn('fan-out state unreadable for a dead-lettered message', { parent, error: describeError(error) });
      return undefined;
    });
    if (header?.state === 'RUNNING' && (address === undefined || header.callbackToken === address.token)) {
      if (await abandonFanOut(deps, header, callback)) return true;
    }
  }
  return address ? tellParent(deps, address, callback) : false;
}

/** Sends `callback`; false when SageMaker no longer takes the token (the step already ended: it needs no answer). */
async function tellParent(deps: FanInDeps, address: CallbackAddress, callback: StepCallback): Promise<boolean> {
  try {
    await sendCallback(deps, address.pipelineExecutionArn ?? '', address.token, callback);
    return true;
  } catch (error) {
    if (!isFinalCallbackError(error)) throw error;
    logger.error('callback refused: the parent no longer waits for this token', { parent: address.pipelineExecutionArn, error: describeError(error) });
    return false;
  }
}

/** A child's terminal status event: counted when the execution is a fan-out child, ignored otherwise. */
export async function onChildExecutionEnd(deps: FanInDeps, childExecutionArn: string, status: EndStatus): Promise<'ignored' | 'recorded'> {
  const found = await deps.store.lookup(childExecutionArn);
  if (!found) return 'ignored';
  await childEnded(deps, found, childExecutionArn, status);
  return 'recorded';
}
