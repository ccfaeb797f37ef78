/** The LambdaStep form of the fan-out: start one child execution per pipeline and item, and return at once. */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import { describeError, InvalidInputError, PartialFailureError } from '../core/errors';
import { manifestFormat, parseManifestWithColumns } from './manifest';
import { checkDeclaredParameters, checkPipelineNames, planChildStarts, type ChildLimit, type ChildStart } from './plan';
import {
  DEFAULT_MAX_CONCURRENCY,
  MAX_CALLBACK_CHILDREN,
  MAX_CHILDREN,
  RUN_KEY_REQUIRED,
  type FanOutItem,
  type StartChildPipelinesInput,
} from './request';
import { describeChildPipeline, recentExecutionArns } from './sagemaker';
import { startChildExecutions, type StartOptions } from './start-children';

export const MAX_OUTPUT_VALUE_LENGTH = 1024;

export interface StartChildPipelinesResult {
  /** Children this invocation started. */
  startedCount: number;
  /** Children that were already running or done (a re-run): the token returned an existing execution. */
  alreadyStartedCount: number;
  total: number;
  /** The execution ARNs in plan order as a JSON list, or "" when the list exceeds 1024 characters. */
  executionArns: string;
  executionArnsTruncated: boolean;
}

/** The run key the tokens derive from: the parent execution ARN, else the run id. */
export function runKeyOf(input: Pick<StartChildPipelinesInput, 'parentExecutionArn' | 'runId'>): string {
  const key = input.parentExecutionArn ?? input.runId;
  if (!key) {
    throw new InvalidInputError(`parentExecutionArn: ${RUN_KEY_REQUIRED}`, [
      'parentExecutionArn',
      'runId',
    ]);
  }
  return key;
}

/** Reads a manifest object (`s3://bucket/key`): its key and UTF-8 text. */
export type ReadManifest = (uri: string) => Promise<{ key: string; text: string }>;

export interface PlanDeps {
  sageMaker: SageMakerClient;
  /** Needed only when the input names `itemsS3Uri`. */
  readManifest?: ReadManifest;
}

/** The LambdaStep form's limit, said in its error. */
export const LAMBDA_STEP_LIMIT: ChildLimit = {
  maxChildren: MAX_CHILDREN,
  reason: `what one LambdaStep invocation can start; the CallbackStep form (fanOutCallback) takes up to ${MAX_CALLBACK_CHILDREN}`,
};
export const CALLBACK_STEP_LIMIT: ChildLimit = { maxChildren: MAX_CALLBACK_CHILDREN };

interface ResolvedItems {
  items: FanOutItem[];
  itemLabel?: (index: number) => string;
  /** A CSV manifest's header: its columns are named when a pipeline does not declare them. */
  csvColumns?: string[];
}

/** The items of the request: inline, or read from the manifest `itemsS3Uri` (every refusal names its line or column). */
async function resolveItems(deps: PlanDeps, input: StartChildPipelinesInput, limit: ChildLimit): Promise<ResolvedItems> {
  if (input.items !== undefined) return { items: input.items };
  const uri = input.itemsS3Uri;
  if (uri === undefined) throw new InvalidInputError('items: required, or itemsS3Uri (a manifest in S3) instead', ['items']);
  if (!deps.readManifest) throw new InvalidInputError('itemsS3Uri: this function reads no manifest', ['itemsS3Uri']);
  const { key, text } = await deps.readManifest(uri);
  const format = manifestFormat(key, text);
  const maxItems = Math.max(1, Math.floor(limit.maxChildren / Math.max(1, input.pipelines.length)));
  const { items: parsed, columns } = parseManifestWithColumns(text, format, { maxItems, ...(limit.reason ? { reason: limit.reason } : {}) });
  if (input.itemParameter !== undefined && parsed.every((p) => typeof p.item === 'object' && p.item !== null)) {
    // As for inline items: an input that would be ignored is refused.
    throw new InvalidInputError(
      "itemParameter: not used: every item of the manifest is an object (or a CSV row), whose keys name the child's parameters (leave itemParameter out)",
      ['itemParameter'],
    );
  }
  const lines = parsed.map((p) => p.line);
  const unit = format === 'json' ? 'item' : 'line';
  return {
    items: parsed.map((p) => p.item),
    itemLabel: (i) => `itemsS3Uri: ${unit} ${lines[i] ?? i + 1}`,
    ...(format === 'csv' ? { csvColumns: columns } : {}),
  };
}

/** A CSV column no child pipeline declares: named by its header, before any line is looked at. */
function checkCsvColumns(columns: readonly string[], declared: ReadonlyMap<string, ReadonlySet<string> | undefined>): void {
  for (const [pipeline, names] of declared) {
    if (!names) continue;
    const unknown = columns.find((c) => !names.has(c));
    if (unknown !== undefined) {
      const known = [...names].slice(0, 10).join(', ') || 'none';
      throw new InvalidInputError(
        `itemsS3Uri: column "${unknown.slice(0, 60)}": pipeline ${pipeline} has no such parameter (declared: ${known})`,
        ['itemsS3Uri'],
      );
    }
  }
}

/**
 * Plans and checks the fan-out (every pipeline exists, every parameter is declared) before anything
 * starts; used by both forms, with the form's child limit.
 */
export async function planCheckedFanOut(
  deps: PlanDeps,
  input: StartChildPipelinesInput,
  runKey: string,
  limit: ChildLimit = LAMBDA_STEP_LIMIT,
): Promise<ChildStart[]> {
  // Inline items are checked before any AWS call; the pipelines before a manifest of up to 8 MiB is read (or hides behind its errors).
  checkPipelineNames(input.pipelines);
  const inline = input.items === undefined ? undefined : planChildStarts({ ...input, items: input.items }, runKey, limit);
  const concurrency = pLimit(5);
  const described = await Promise.all(
    input.pipelines.map((pipeline) => concurrency(async () => ({ pipeline, info: await describeChildPipeline(deps.sageMaker, pipeline) }))),
  );
  const resolved = await resolveItems(deps, input, limit);
  const plan = inline ?? planChildStarts({ ...input, ...resolved }, runKey, limit);
  const declared = new Map(plan.map((c) => [c.pipelineName, described.find((d) => d.pipeline === c.pipeline)?.info.parameterNames]));
  if (resolved.csvColumns) checkCsvColumns(resolved.csvColumns, declared);
  checkDeclaredParameters(plan, declared, resolved.items, resolved.itemLabel);
  return plan;
}

/**
 * Starts every child, waiting for capacity when the concurrent-execution quota is full. Throws a
 * PartialFailureError (how many started, how many did not) when some could not start in time;
 * running it again starts only the rest, as the tokens are the same.
 */
export async function startChildPipelines(
  deps: PlanDeps & { sleep?: (ms: number) => Promise<void> },
  input: StartChildPipelinesInput,
  options: Pick<StartOptions, 'remainingTimeMs' | 'reserveMs' | 'capacityWaitMs'>,
): Promise<StartChildPipelinesResult> {
  const runKey = runKeyOf(input);
  const plan = await planCheckedFanOut(deps, input, runKey);
  // Only to tell re-started children from new ones in the counts; idempotency itself rests on the tokens.
  const known = new Set<string>();
  for (const pipeline of input.pipelines) {
    for (const arn of await recentExecutionArns(deps.sageMaker, pipeline, plan.length + 100)) known.add(arn);
  }
  const result = await startChildExecutions(deps, plan, {
    ...options,
    maxConcurrency: input.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    onQuota: 'wait',
    knownExecutionArns: known,
  });
  const alreadyStartedCount = result.started.filter((s) => s.alreadyStarted).length;
  const startedCount = result.started.length - alreadyStartedCount;
  const notStarted = result.pending.length + result.failed.length;
  if (notStarted > 0) {
    const first = result.failed[0];
    const why = first
      ? `${first.child.displayName}: ${describeError(first.error)}`
      : 'the concurrent pipeline execution quota stayed full until the step ran out of time';
    throw new PartialFailureError(
      `started ${startedCount} of ${plan.length} children (${alreadyStartedCount} already started), ${notStarted} not started (${why}); ` +
        'run the step again to start only the rest',
    );
  }
  const arns = JSON.stringify(result.started.map((s) => s.executionArn));
  const fits = arns.length <= MAX_OUTPUT_VALUE_LENGTH;
  return { startedCount, alreadyStartedCount, total: plan.length, executionArns: fits ? arns : '', executionArnsTruncated: !fits };
}
