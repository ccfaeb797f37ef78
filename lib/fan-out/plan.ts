/** Plans a fan-out: one child start per pipeline and item, with its display name, parameters and token. */
import { InvalidInputError } from '../core/errors';
import { stringifyJson } from '../core/json-text';
import { pipelineNameFromArn } from '../core/sagemaker-events';
import { childDisplayName } from './display-name';
import { itemParameters, type PipelineParameter } from './parameters';
import { DEFAULT_ITEM_PARAMETER, MAX_CHILDREN, type FanOutItem } from './request';
import { childRequestToken } from './tokens';

const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
const PIPELINE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

export interface ChildStart {
  /** Position in the plan (pipeline-major), a stable id of the child within its fan-out. */
  id: number;
  /** The pipeline as the input named it (name or ARN): what StartPipelineExecution is called with. */
  pipeline: string;
  pipelineName: string;
  itemIndex: number;
  displayName: string;
  parameters: PipelineParameter[];
  clientRequestToken: string;
  /** The item as the input gave it, as JSON text (numbers as written): the results object's `item`. */
  itemJson?: string;
  /** A retry: RetryPipelineExecution of this execution (with `clientRequestToken`) instead of a new start. */
  retryOf?: string;
  /** Executions begun of this child (1 until retried). */
  attempts?: number;
}

export interface FanOutRequest {
  pipelines: readonly string[];
  items: readonly FanOutItem[];
  itemParameter?: string;
  displayNamePrefix?: string;
  /** How errors name item `index` (0-based): `items[index]` by default; a manifest names its line. */
  itemLabel?: (index: number) => string;
}

/** The most children a fan-out form may start, and why (said in the error). */
export interface ChildLimit {
  maxChildren: number;
  reason?: string;
}

const DEFAULT_LIMIT: ChildLimit = { maxChildren: MAX_CHILDREN };

/** The pipeline name of a name or ARN; throws an InvalidInputError naming `pipelines[i]` for anything else. */
export function pipelineName(identifier: string, index: number): string {
  if (PIPELINE_NAME.test(identifier)) return identifier;
  const fromArn = PIPELINE_ARN.test(identifier) ? pipelineNameFromArn(identifier) : undefined;
  if (fromArn) return fromArn;
  const field = `pipelines[${index}]`;
  throw new InvalidInputError(`${field}: "${identifier.slice(0, 60)}" is neither a pipeline name nor a pipeline ARN`, [field]);
}

/** The pipeline names of `pipelines` (names or ARNs), each a valid name and listed once; throws an InvalidInputError naming `pipelines[i]`. */
export function checkPipelineNames(pipelines: readonly string[]): string[] {
  const names = pipelines.map(pipelineName);
  // SageMaker pipeline names are case-insensitive: `Child` and `child` are one pipeline.
  const folded = names.map((name) => name.toLowerCase());
  names.forEach((name, i) => {
    if (folded.indexOf(folded[i] ?? '') !== i) throw new InvalidInputError(`pipelines[${i}]: ${name} is listed twice`, [`pipelines[${i}]`]);
  });
  return names;
}

/** The item's JSON text for the results object; none when it cannot be written as read (its parameters' checks name it). */
function itemJsonOf(item: unknown): { itemJson?: string } {
  try {
    return { itemJson: stringifyJson(item) };
  } catch {
    return {};
  }
}

/**
 * Every child start of the fan-out, pipeline by pipeline then item by item, validated before anything
 * starts. `runKey` (the parent execution ARN or a run id) makes the tokens unique to the run.
 */
export function planChildStarts(request: FanOutRequest, runKey: string, limit: ChildLimit = DEFAULT_LIMIT): ChildStart[] {
  const total = request.pipelines.length * request.items.length;
  if (total > limit.maxChildren) {
    const field = request.itemLabel ? 'itemsS3Uri' : 'items';
    throw new InvalidInputError(
      `${field}: ${request.pipelines.length} pipelines x ${request.items.length} items = ${total} children (at most ${limit.maxChildren}${limit.reason ? `: ${limit.reason}` : ''})`,
      [field],
    );
  }
  const names = checkPipelineNames(request.pipelines);
  const itemParameter = request.itemParameter ?? DEFAULT_ITEM_PARAMETER;
  const parameters = request.items.map((item, i) => itemParameters(item, i, itemParameter, request.itemLabel?.(i)));
  return request.pipelines.flatMap((pipeline, p) => {
    const name = names[p] ?? pipeline;
    return parameters.map((params, itemIndex) => {
      const displayName = childDisplayName(request.displayNamePrefix ?? name, itemIndex + 1);
      return {
        id: p * request.items.length + itemIndex,
        pipeline,
        pipelineName: name,
        itemIndex,
        displayName,
        parameters: params,
        clientRequestToken: childRequestToken(runKey, name, itemIndex, displayName, params),
        ...itemJsonOf(request.items[itemIndex]),
      };
    });
  });
}

/**
 * Checks every child's parameter names against its pipeline's declared parameters (the API refuses
 * unknown names), so a typo fails before any child starts. The field blamed is the one to fix: the
 * object item's key, or `itemParameter` for a scalar item.
 */
export function checkDeclaredParameters(
  plan: readonly ChildStart[],
  declared: ReadonlyMap<string, ReadonlySet<string> | undefined>,
  items: readonly FanOutItem[],
  itemLabel: (index: number) => string = (i) => `items[${i}]`,
): void {
  for (const child of plan) {
    const names = declared.get(child.pipelineName);
    if (!names) continue;
    const unknown = child.parameters.find((p) => !names.has(p.Name));
    if (unknown) {
      const item = items[child.itemIndex];
      const field = typeof item === 'object' && item !== null ? `${itemLabel(child.itemIndex)}.${unknown.Name.slice(0, 60)}` : 'itemParameter';
      const known = [...names].slice(0, 10).join(', ') || 'none';
      throw new InvalidInputError(
        `${field}: pipeline ${child.pipelineName} has no parameter "${unknown.Name.slice(0, 60)}" (declared: ${known})`,
        [field],
      );
    }
  }
}
