/**
 * The fan-out request: the inputs of `startChildPipelines` and the `arguments` of the fan-in
 * CallbackStep message. Pipelines pass only strings, so lists arrive as JSON (or comma-separated) strings.
 */
import * as z from 'zod/mini';
import { boolean, integer, json, list, nonEmptyText } from '../lambda-step/inputs';

/** Most children (pipelines x items) one fan-out may start. */
export const MAX_CHILDREN = 1000;
/** The parameter a scalar item is passed as when `itemParameter` is not given. */
export const DEFAULT_ITEM_PARAMETER = 'item';
export const DEFAULT_MAX_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 50;

const itemSchema = z.union(
  [z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown())],
  { error: 'expected a string, number, boolean or object' },
);
export type FanOutItem = z.infer<typeof itemSchema>;

export const fanOutFields = {
  pipelines: list(nonEmptyText(), { commaSeparated: true }).check(
    z.minLength(1, { error: 'expected at least one pipeline name or ARN' }),
  ),
  items: json(
    z
      .array(itemSchema, { error: 'expected a list (JSON) of items' })
      .check(
        z.minLength(1, { error: 'expected at least one item' }),
        z.maxLength(MAX_CHILDREN, { error: `expected at most ${MAX_CHILDREN} items` }),
      ),
  ),
  itemParameter: z.optional(nonEmptyText()),
  parentExecutionArn: z.optional(nonEmptyText()),
  runId: z.optional(nonEmptyText()),
  displayNamePrefix: z.optional(nonEmptyText()),
  maxConcurrency: z.optional(integer({ min: 1, max: MAX_CONCURRENCY })),
};

/** The inputs of the LambdaStep form. */
export const StartChildPipelinesInput = z.object(fanOutFields);
export type StartChildPipelinesInput = z.infer<typeof StartChildPipelinesInput>;

/** The CallbackStep form also takes `failOnChildFailure` (default true). */
export const FanInArguments = z.object({ ...fanOutFields, failOnChildFailure: z.optional(boolean()) });
export type FanInArguments = z.infer<typeof FanInArguments>;
