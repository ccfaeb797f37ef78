/**
 * Schemas of the SageMaker EventBridge events the functions react to, as the developer guide
 * documents them: https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html
 * Only the ARNs and the current status are required: every other detail field may be missing.
 */
import * as z from 'zod/mini';

export const PIPELINE_EXECUTION_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Status Change';
export const PIPELINE_STEP_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Step Status Change';

export const PipelineExecutionStatus = z.enum(['Executing', 'Succeeded', 'Failed', 'Stopping', 'Stopped']);
export type PipelineExecutionStatus = z.infer<typeof PipelineExecutionStatus>;

export const StepStatus = z.enum(['Starting', 'Executing', 'Succeeded', 'Failed', 'Stopping', 'Stopped']);

const envelope = {
  version: z.optional(z.string()),
  id: z.string(),
  source: z.literal('aws.sagemaker'),
  account: z.optional(z.string()),
  time: z.optional(z.string()),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
};

export const PipelineExecutionStatusChangeEvent = z.object({
  ...envelope,
  'detail-type': z.literal(PIPELINE_EXECUTION_STATUS_CHANGE),
  detail: z.object({
    pipelineArn: z.string(),
    pipelineExecutionArn: z.string(),
    currentPipelineExecutionStatus: PipelineExecutionStatus,
    previousPipelineExecutionStatus: z.optional(z.string()),
    pipelineExecutionDisplayName: z.optional(z.string()),
    pipelineExecutionDescription: z.optional(z.string()),
    executionStartTime: z.optional(z.string()),
    executionEndTime: z.optional(z.string()),
  }),
});
export type PipelineExecutionStatusChangeEvent = z.infer<typeof PipelineExecutionStatusChangeEvent>;

export const PipelineStepStatusChangeEvent = z.object({
  ...envelope,
  'detail-type': z.literal(PIPELINE_STEP_STATUS_CHANGE),
  detail: z.object({
    pipelineArn: z.string(),
    pipelineExecutionArn: z.string(),
    stepName: z.string(),
    currentStepStatus: StepStatus,
    stepType: z.optional(z.string()),
    previousStepStatus: z.optional(z.string()),
    stepStartTime: z.optional(z.string()),
    stepEndTime: z.optional(z.string()),
    failureReason: z.optional(z.string()),
    metadata: z.optional(
      z.looseObject({ processingJob: z.optional(z.object({ arn: z.string() })) }),
    ),
    cacheHitResult: z.optional(z.object({ sourcePipelineExecutionArn: z.optional(z.string()) })),
  }),
});
export type PipelineStepStatusChangeEvent = z.infer<typeof PipelineStepStatusChangeEvent>;

/** `arn:aws:sagemaker:us-east-1:111122223333:pipeline/my-pipeline` -> `my-pipeline` (pipeline names are case-insensitive in ARNs: kept as given). */
export function pipelineNameFromArn(arn: string): string | undefined {
  return /:pipeline\/([^/]+)/.exec(arn)?.[1];
}
