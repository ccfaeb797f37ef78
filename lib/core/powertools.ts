/** The one place Powertools is set up: a Logger and a Metrics instance shared by every function. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { escapeControlCharacters } from './errors';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metric-names';

export const SERVICE_NAME = METRICS_SERVICE;

// `sls invoke local` sets IS_LOCAL: keep its output to the result (no INFO logs, no EMF metric
// documents) unless a level or metrics are asked for explicitly.
const isLocal = Boolean(process.env.IS_LOCAL);
const defaultLevel = isLocal ? 'WARN' : 'INFO';
if (isLocal) process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/**
 * Escapes control characters in every logged string (inputs reach the logs in values and error
 * messages): a newline, NUL or ESC never reaches a log reader raw. Stacks keep their line breaks.
 */
export const logJsonReplacer = (key: string, value: unknown): unknown =>
  typeof value === 'string' ? escapeControlCharacters(value, { keepNewlines: key === 'stack' }) : value;

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  jsonReplacerFn: logJsonReplacer,
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL ?? defaultLevel) as 'INFO',
});

export const metrics = new Metrics({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
});

export { MetricUnit };
