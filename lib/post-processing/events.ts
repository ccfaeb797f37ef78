/** Parsing of the EventBridge events the post-processing receives (schemas in lib/core/sagemaker-events.ts). */
import { InvalidInputError } from '../core/errors';
import {
  PIPELINE_STEP_STATUS_CHANGE,
  PipelineExecutionStatusChangeEvent,
  PipelineStepStatusChangeEvent,
} from '../core/sagemaker-events';
import { formatInputIssues, issueFields } from '../lambda-step/input-errors';
import type { PipelineEvent } from './routing';

/** Parses an execution or step status change event (chosen by its detail-type), naming every bad field. */
export function parsePipelineEvent(event: unknown): PipelineEvent {
  const isStep = typeof event === 'object' && event !== null && (event as Record<string, unknown>)['detail-type'] === PIPELINE_STEP_STATUS_CHANGE;
  const parsed = isStep ? PipelineStepStatusChangeEvent.safeParse(event) : PipelineExecutionStatusChangeEvent.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(formatInputIssues(parsed.error.issues), issueFields(parsed.error.issues));
  return parsed.data;
}

/** The event's kind and its current status. */
export function statusOf(event: PipelineEvent): { kind: 'execution' | 'step'; status: string } {
  return 'currentStepStatus' in event.detail
    ? { kind: 'step', status: event.detail.currentStepStatus }
    : { kind: 'execution', status: event.detail.currentPipelineExecutionStatus };
}
