/**
 * Wraps a Lambda handler with the Powertools logger and metrics, in the order middy documents (logger,
 * then metrics). Written out rather than with middy: @middy/core loads node:stream/web and the web
 * streams at cold start, for streamed responses no function here sends (docs/design.md, "Bundle
 * sizes and cold start").
 */
import type { Context } from 'aws-lambda';
import { InvalidInputError, safeMessage, truncate } from './errors';
import { JsonTextError, parseJsonText } from './json-text';
import { isPipelineExecutionArn } from './execution-arn';
import { logger, metrics } from './powertools';

/**
 * Publishes the metrics the invocation added, like Powertools' logMetrics, but says nothing when it
 * added none: logMetrics then warns "No application metrics to publish" on every such invocation
 * (an ignored event, a fan-in message, each test), a warning nobody can act on here.
 */
function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) {
    metrics.publishStoredMetrics();
  } else {
    // What publishStoredMetrics would have cleared: the next invocation starts from nothing.
    metrics.clearDimensions();
    metrics.clearMetadata();
  }
}

/**
 * The handler with the Lambda context in every log line (keys appended during the invocation are
 * dropped after it, as injectLambdaContext's resetKeys does) and its metrics published after it,
 * whether it returns or throws; a string event meant as JSON that is not JSON is refused first
 * (refuseNonJsonEvent). `metrics: false` for a function that publishes none.
 */
export function withPowertools<E, R>(handler: (event: E, context: Context) => Promise<R>, options: { metrics?: boolean } = {}) {
  const publish = options.metrics !== false;
  return async (event: E, context: Context): Promise<R> => {
    logger.refreshSampleRateCalculation();
    logger.addContext(context);
    logger.logEventIfEnabled(event);
    try {
      refuseNonJsonEvent(event);
      return await handler(event, context);
    } catch (error) {
      // `sls invoke local` sets IS_LOCAL; on Lambda the thrown error is left as it is.
      if (process.env.IS_LOCAL) showErrorName(error);
      throw error;
    } finally {
      logger.clearBuffer();
      logger.resetKeys();
      if (publish) flushMetrics();
    }
  };
}

/**
 * Lambda reports a thrown error's `name` as its `errorType`; `sls invoke local` reports
 * `error.constructor.name`, which minification shortens to a letter or two (`"t"`, `"jt"`). Gives the
 * error an own `constructor` named after its `name`, so the local output shows what Lambda would
 * (cheaper than esbuild's keepNames: +26 KB for the largest bundle).
 */
export function showErrorName(error: unknown): void {
  if (!(error instanceof Error) || error.constructor.name === error.name) return;
  const named = Object.defineProperty(() => undefined, 'name', { value: error.name });
  Object.defineProperty(error, 'constructor', { value: named, enumerable: false, configurable: true, writable: true });
}

/**
 * `sls invoke local --data '{str1: "a"}'` passes text that is not JSON as a string event: say so, and
 * where, rather than let the schema answer that the event is not an object. Only text meant as JSON
 * (starting with `{` or `[`) is judged; Lambda itself delivers only parsed JSON.
 */
export function refuseNonJsonEvent(event: unknown): void {
  if (typeof event !== 'string' || !/^\s*[[{]/.test(event)) return;
  try {
    parseJsonText(event, { lenient: true });
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw new InvalidInputError(safeMessage(`Invalid input: event: not valid JSON (${error.message})`), ['event']);
  }
}

/**
 * The pipeline execution ARN an event carries at its top level, if any (a LambdaStep input fed
 * from Execution.PipelineExecutionArn, whatever its name): the invocation's correlation id.
 */
export function findExecutionArn(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  return Object.values(event).find(isPipelineExecutionArn);
}

/**
 * The invocation's correlation id: the execution ARN the event carries, else its `pipelineExecutionArn`
 * input as given (local runs pass other forms), so that input is never ignored.
 */
export function correlationIdOf(event: unknown): string | undefined {
  const arn = findExecutionArn(event);
  if (arn !== undefined || typeof event !== 'object' || event === null || !('pipelineExecutionArn' in event)) return arn;
  const given = event.pipelineExecutionArn;
  return typeof given === 'string' && given.trim() !== '' ? truncate(given.trim(), 256) : undefined;
}
