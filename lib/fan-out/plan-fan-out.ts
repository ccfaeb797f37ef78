/**
 * The planning both fan-out forms share: the items (inline, or read from a manifest), the plan, and
 * its checks against the child pipelines (each exists, declares every parameter) before anything starts.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import { InvalidInputError } from '../core/errors';
import { manifestFormat, parseManifestWithColumns } from './manifest';
import { checkDeclaredParameters, checkPipelineNames, planChildStarts, type ChildLimit, type ChildStart } from './plan';
import { MAX_CALLBACK_CHILDREN, MAX_CHILDREN, type FanOutItem, type StartChildPipelinesInput } from './request';
import { describeChildPipeline } from './sagemaker';

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
  limit: ChildLimit,
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
