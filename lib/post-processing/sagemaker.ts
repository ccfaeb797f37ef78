/**
 * SageMaker reads of the post-processing: the processing jobs an execution ran, the S3 URIs they
 * wrote, and why an execution failed. Takes the client as a parameter.
 */
import {
  DescribePipelineExecutionCommand,
  DescribeProcessingJobCommand,
  ListPipelineExecutionStepsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** A processing job that a pipeline step ran (or reused from an earlier execution on a cache hit). */
export interface ProcessingStep {
  stepName: string;
  processingJobArn: string;
  /** The execution whose job this is, when the step was a cache hit. */
  cacheHitSource?: string;
}

/** The processing jobs of an execution's succeeded steps, every page of ListPipelineExecutionSteps read. */
export async function listProcessingSteps(sageMaker: SageMakerClient, pipelineExecutionArn: string): Promise<ProcessingStep[]> {
  const steps: ProcessingStep[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sageMaker.send(
      new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: pipelineExecutionArn, NextToken: nextToken, MaxResults: 100 }),
    );
    for (const step of page.PipelineExecutionSteps ?? []) {
      const arn = step.Metadata?.ProcessingJob?.Arn;
      if (step.StepStatus !== 'Succeeded' || arn === undefined || step.StepName === undefined) continue;
      steps.push({ stepName: step.StepName, processingJobArn: arn, cacheHitSource: step.CacheHitResult?.SourcePipelineExecutionArn });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return steps;
}

/** `arn:...:processing-job/name` -> `name` (DescribeProcessingJob takes the name). */
export function processingJobName(arn: string): string {
  const name = /:processing-job\/([^/]+)$/.exec(arn)?.[1];
  if (name === undefined) throw new Error(`not a processing job ARN: ${arn}`);
  return name;
}

/**
 * The S3 URIs a processing job wrote, one DescribeProcessingJob per job however often it is asked
 * (several routes, or steps reusing a cached job, share the answer within one invocation).
 */
export class ProcessingOutputs {
  private readonly cache = new Map<string, Promise<string[]>>();

  constructor(private readonly sageMaker: SageMakerClient) {}

  of(processingJobArn: string): Promise<string[]> {
    const name = processingJobName(processingJobArn);
    let outputs = this.cache.get(name);
    if (outputs === undefined) {
      outputs = this.describe(name);
      // A failed call is not cached: the retry of the invocation asks again.
      outputs.catch(() => this.cache.delete(name));
      this.cache.set(name, outputs);
    }
    return outputs;
  }

  private async describe(name: string): Promise<string[]> {
    const job = await this.sageMaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    return (job.ProcessingOutputConfig?.Outputs ?? []).flatMap((o) => (o.S3Output?.S3Uri ? [o.S3Output.S3Uri] : []));
  }
}

/** The FailureReason of a pipeline execution (absent when SageMaker gives none). */
export async function executionFailureReason(sageMaker: SageMakerClient, pipelineExecutionArn: string): Promise<string | undefined> {
  const execution = await sageMaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: pipelineExecutionArn }));
  return execution.FailureReason;
}
