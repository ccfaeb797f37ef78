/**
 * The fan-out request: the inputs of `startChildPipelines` and the `arguments` of the fan-in
 * CallbackStep message. Pipelines pass only strings, so lists arrive as JSON (or comma-separated) strings.
 */
import * as z from 'zod/mini';
import { JsonNumber, JsonTextError, parseJsonText } from '../core/json-text';
import { executionArnProblem, isPipelineExecutionArn } from '../core/execution-arn';
import { boolean, coerced, float, integer, list, MAX_INPUT_DEPTH, nonEmptyText } from '../lambda-step/inputs';
import { MAX_PARAMETER_NAME_LENGTH, PARAMETER_NAME } from './parameter-name';

/** Most children (pipelines x items) the LambdaStep form starts: what one invocation can start within its 600 s. */
export const MAX_CHILDREN = 1000;
/** Most children (pipelines x items) of the CallbackStep form, which starts them as the quota allows, over any time. */
export const MAX_CALLBACK_CHILDREN = 10_000;
/** The parameter a scalar item is passed as when `itemParameter` is not given. */
export const DEFAULT_ITEM_PARAMETER = 'item';
export const DEFAULT_MAX_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 50;
/** Most children running at once that `maxRunning` may ask for (the CallbackStep form's child limit). */
export const MAX_RUNNING = MAX_CALLBACK_CHILDREN;
/** Most RetryPipelineExecution calls per child that `childRetries` may ask for. */
export const MAX_CHILD_RETRIES = 5;

const itemSchema = z.union(
  [z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown())],
  { error: 'expected a string, number, boolean or object' },
);
export type FanOutItem = z.infer<typeof itemSchema>;

/**
 * `items` as JSON text, parsed as written (lib/core/json-text.ts): numbers keep their text, a key given
 * twice, a `__proto__` key or nesting deeper than MAX_INPUT_DEPTH is refused naming where. A list item that
 * is a number a JavaScript number would change (`12345678901234567890`, `1.10`) passes as its text.
 */
const itemsText = <S extends z.core.$ZodType>(schema: S) =>
  coerced((value, ctx) => {
    let parsed = value;
    if (typeof value === 'string') {
      try {
        parsed = parseJsonText(value, { maxDepth: MAX_INPUT_DEPTH });
      } catch (error) {
        if (!(error instanceof JsonTextError)) throw error;
        const where = `line ${error.line}, column ${error.column}`;
        if (error.kind === 'syntax') ctx.issues.push({ code: 'custom', message: `expected JSON (${where}: ${error.reason})`, input: value });
        else ctx.issues.push({ code: 'custom', message: error.reason, path: error.path, input: undefined });
        return value;
      }
    }
    return Array.isArray(parsed) ? parsed.map((item: unknown) => (item instanceof JsonNumber ? item.text : item)) : parsed;
  }, schema);

const fanOutFields = {
  pipelines: list(nonEmptyText(), { commaSeparated: true }).check(
    z.minLength(1, { error: 'expected at least one pipeline name or ARN' }),
  ),
  items: z.optional(
    itemsText(
      z
        .array(itemSchema, { error: 'expected a list (JSON) of items' })
        .check(
          z.minLength(1, { error: 'expected at least one item' }),
          z.maxLength(MAX_CALLBACK_CHILDREN, { error: `expected at most ${MAX_CALLBACK_CHILDREN} items` }),
        ),
    ),
  ),
  /** `s3://bucket/key` of a manifest (JSON array, JSON Lines or CSV): the items, instead of `items`. */
  itemsS3Uri: z.optional(nonEmptyText()),
  itemParameter: z.optional(
    nonEmptyText().check(
      z.maxLength(MAX_PARAMETER_NAME_LENGTH, { error: `expected a parameter name of at most ${MAX_PARAMETER_NAME_LENGTH} characters` }),
      z.regex(PARAMETER_NAME, { error: 'expected a pipeline parameter name (letters, digits, - or _)' }),
    ),
  ),
  // An ARN other than an execution's (a pipeline's ARN) would key every run of the parent alike: refused.
  parentExecutionArn: z.optional(
    nonEmptyText().check(z.refine((v) => !v.startsWith('arn:') || isPipelineExecutionArn(v), { error: (issue) => executionArnProblem(issue.input) })),
  ),
  displayNamePrefix: z.optional(nonEmptyText()),
  maxConcurrency: z.optional(integer({ min: 1, max: MAX_CONCURRENCY })),
};

/** Exactly one of `items` and `itemsS3Uri`. */
const oneItemSource = z.superRefine((input: { items?: unknown; itemsS3Uri?: unknown }, ctx) => {
  if (input.items === undefined && input.itemsS3Uri === undefined) {
    ctx.issues.push({ code: 'custom', path: ['items'], message: 'required, or itemsS3Uri (a manifest in S3) instead', input: undefined });
  }
  if (input.items !== undefined && input.itemsS3Uri !== undefined) {
    ctx.issues.push({ code: 'custom', path: ['itemsS3Uri'], message: 'not used when items is given: give one of them', input: input.itemsS3Uri });
  }
});

const isObjectItem = (item: FanOutItem) => typeof item === 'object' && item !== null;

/** Inputs that would be ignored are refused: `itemParameter` names only scalar items' parameter. */
const itemParameterIsUsed = z.superRefine((input: { items?: FanOutItem[]; itemParameter?: string }, ctx) => {
  // A manifest's items are read later: its own checks apply then.
  if (input.itemParameter !== undefined && input.items !== undefined && input.items.every(isObjectItem)) {
    ctx.issues.push({
      code: 'custom',
      continue: true,
      path: ['itemParameter'],
      message: "not used: every item is an object, whose keys name the child's parameters (leave itemParameter out)",
      input: input.itemParameter,
    });
  }
});

export const RUN_KEY_REQUIRED = 'required, or runId instead (one of them keys the idempotency tokens of the children)';

/** The inputs of the LambdaStep form: `runId` keys the children's tokens when there is no parent execution ARN. */
export const StartChildPipelinesInput = z
  .object({ ...fanOutFields, runId: z.optional(nonEmptyText()) })
  .check(
    oneItemSource,
    itemParameterIsUsed,
    z.superRefine((input, ctx) => {
      if (input.parentExecutionArn === undefined && input.runId === undefined) {
        ctx.issues.push({ code: 'custom', continue: true, path: ['parentExecutionArn'], message: RUN_KEY_REQUIRED, input: undefined });
      }
      if (input.parentExecutionArn !== undefined && input.runId !== undefined) {
        ctx.issues.push({
          code: 'custom',
          continue: true,
          path: ['runId'],
          message: 'not used when parentExecutionArn is given (the parent execution keys the tokens): give one of them',
          input: input.runId,
        });
      }
    }),
  );
export type StartChildPipelinesInput = z.infer<typeof StartChildPipelinesInput>;

/** `failOnChildFailure` is the all-or-nothing rule: with a tolerance given, the tolerance decides. */
const oneFailureRule = z.superRefine(
  (input: { failOnChildFailure?: boolean; toleratedFailureCount?: number; toleratedFailurePercentage?: number; stopOnFailure?: boolean }, ctx) => {
    if (input.failOnChildFailure !== undefined && (input.toleratedFailureCount !== undefined || input.toleratedFailurePercentage !== undefined)) {
      ctx.issues.push({
        code: 'custom',
        continue: true,
        path: ['failOnChildFailure'],
        message: 'not used when toleratedFailureCount or toleratedFailurePercentage is given: give one rule',
        input: input.failOnChildFailure,
      });
    }
    if (input.stopOnFailure === true && input.toleratedFailureCount === undefined && input.toleratedFailurePercentage === undefined) {
      ctx.issues.push({
        code: 'custom',
        continue: true,
        path: ['stopOnFailure'],
        message: 'not used without toleratedFailureCount or toleratedFailurePercentage (the step fails early only when they are exceeded)',
        input: input.stopOnFailure,
      });
    }
  },
);

/** `s3://bucket/prefix/`: where the fan-out's results object goes (its key is chosen per parent step run). */
const resultsS3Uri = nonEmptyText().check(
  z.regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, { error: 'expected s3://bucket/prefix/ (a bucket name, then an optional key prefix)' }),
  z.maxLength(900, { error: 'expected at most 900 characters (S3 keys hold at most 1024 bytes)' }),
);

/**
 * The CallbackStep form also takes `failOnChildFailure` (default true), the Distributed Map options
 * (`maxRunning`, `toleratedFailureCount`, `toleratedFailurePercentage`, `stopOnFailure`,
 * `childRetries`) and `resultsS3Uri`. It has no `runId`: the message's parent execution ARN (or
 * `parentExecutionArn`) keys the tokens, so a run id would be ignored.
 */
export const FanInArguments = z
  .object({
    ...fanOutFields,
    failOnChildFailure: z.optional(boolean()),
    maxRunning: z.optional(integer({ min: 1, max: MAX_RUNNING })),
    toleratedFailureCount: z.optional(integer({ min: 0, max: MAX_CALLBACK_CHILDREN })),
    toleratedFailurePercentage: z.optional(float().check(z.gte(0, { error: 'expected a number >= 0' }), z.lte(100, { error: 'expected a number <= 100' }))),
    stopOnFailure: z.optional(boolean()),
    childRetries: z.optional(integer({ min: 0, max: MAX_CHILD_RETRIES })),
    resultsS3Uri: z.optional(resultsS3Uri),
  })
  .check(oneItemSource, itemParameterIsUsed, oneFailureRule);
export type FanInArguments = z.infer<typeof FanInArguments>;
