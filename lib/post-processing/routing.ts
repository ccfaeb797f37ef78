/**
 * Routing: which configured routes an EventBridge event asks to run. Pure: no AWS call.
 * Pipeline names are compared without case: SageMaker treats names as case-insensitive and some
 * ARNs carry them lower-cased (the developer guide's samples keep the case), so either form routes.
 */
import { pipelineNameFromArn, type PipelineExecutionStatusChangeEvent, type PipelineStepStatusChangeEvent } from '../core/sagemaker-events';
import { triggerOf, type PostProcessingConfig, type Route } from './config';

export type PipelineEvent = PipelineExecutionStatusChangeEvent | PipelineStepStatusChangeEvent;

/** What to do with one event. */
export type RoutingDecision =
  | { action: 'ignore'; pipeline: string | undefined; reason: string }
  | { action: 'explain-failure'; pipeline: string }
  | { action: 'register'; pipeline: string; routes: Route[]; trigger: 'execution' }
  | { action: 'register'; pipeline: string; routes: Route[]; trigger: 'step'; stepName: string; processingJobArn: string };

/** The configured pipeline an ARN belongs to (its configured name and routes), compared without case. */
export function findPipeline(config: PostProcessingConfig, pipelineArn: string): { name: string; routes: Route[] } | undefined {
  const name = pipelineNameFromArn(pipelineArn)?.toLowerCase();
  if (name === undefined) return undefined;
  const entry = Object.entries(config.pipelines).find(([configured]) => configured.toLowerCase() === name);
  return entry && { name: entry[0], routes: entry[1].routes };
}

const isExecutionEvent = (event: PipelineEvent): event is PipelineExecutionStatusChangeEvent =>
  'currentPipelineExecutionStatus' in event.detail;

/** Decides what an execution or step status event triggers under the configuration. */
export function routeEvent(config: PostProcessingConfig, event: PipelineEvent): RoutingDecision {
  const found = findPipeline(config, event.detail.pipelineArn);
  if (found === undefined) {
    return { action: 'ignore', pipeline: pipelineNameFromArn(event.detail.pipelineArn), reason: 'pipeline not in the configuration' };
  }
  const pipeline = found.name;

  if (isExecutionEvent(event)) {
    const status = event.detail.currentPipelineExecutionStatus;
    if (status === 'Failed') return { action: 'explain-failure', pipeline };
    if (status !== 'Succeeded') return { action: 'ignore', pipeline, reason: `status ${status} triggers nothing` };
    const routes = found.routes.filter((r) => triggerOf(r) === 'execution');
    if (routes.length === 0) return { action: 'ignore', pipeline, reason: 'no route triggers on execution success' };
    return { action: 'register', pipeline, routes, trigger: 'execution' };
  }

  const { currentStepStatus: status, stepName } = event.detail;
  if (status !== 'Succeeded') return { action: 'ignore', pipeline, reason: `step status ${status} triggers nothing` };
  const processingJobArn = event.detail.metadata?.processingJob?.arn;
  if (processingJobArn === undefined) return { action: 'ignore', pipeline, reason: `step ${stepName} is not a processing step` };
  const routes = found.routes.filter((r) => triggerOf(r) === 'step' && (r.steps === undefined || r.steps.includes(stepName)));
  if (routes.length === 0) return { action: 'ignore', pipeline, reason: `no route triggers on step ${stepName}` };
  return { action: 'register', pipeline, routes, trigger: 'step', stepName, processingJobArn };
}
