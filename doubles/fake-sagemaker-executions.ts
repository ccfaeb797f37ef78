/**
 * An in-memory SageMaker holding pipeline executions, their steps and processing jobs, answering the
 * three calls the post-processing makes the way the API does: ListPipelineExecutionSteps pages
 * (MaxResults 1-100, NextToken), unknown resources are a ValidationException / ResourceNotFound.
 * scripts/local-partitions.ts serves it over HTTP (doubles/partition-services-http.ts).
 */
import {
  DescribePipelineExecutionCommand,
  DescribeProcessingJobCommand,
  ListPipelineExecutionStepsCommand,
  ResourceNotFound,
  SageMakerClient,
  SageMakerServiceException,
  type DescribePipelineExecutionCommandInput,
  type DescribeProcessingJobCommandInput,
  type ListPipelineExecutionStepsCommandInput,
  type PipelineExecutionStep,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';

const ACCOUNT = 'arn:aws:sagemaker:us-east-1:111122223333';

export interface FakeStep {
  name: string;
  status?: 'Succeeded' | 'Failed' | 'Executing';
  /** The processing job's outputs; absent for non-processing steps. */
  outputs?: string[];
  /** Job name override (a cache hit reuses another execution's job). */
  jobName?: string;
  cacheHitSource?: string;
}

const validation = (message: string) =>
  new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', $metadata: {}, message });

export class FakeSageMakerExecutions {
  readonly calls = { listSteps: 0, describeJob: 0, describeExecution: 0 };
  private readonly executions = new Map<string, { steps: PipelineExecutionStep[]; failureReason?: string }>();
  private readonly jobs = new Map<string, string[]>();

  /** Adds an execution of `pipeline` with these steps; returns its ARN. */
  addExecution(pipeline: string, id: string, steps: FakeStep[], failureReason?: string): string {
    const arn = `${ACCOUNT}:pipeline/${pipeline}/execution/${id}`;
    const stored = steps.map((s): PipelineExecutionStep => {
      const jobName = s.jobName ?? `pipelines-${id}-${s.name.toLowerCase()}-abc123`;
      if (s.outputs) this.jobs.set(jobName, s.outputs);
      return {
        StepName: s.name,
        StepStatus: s.status ?? 'Succeeded',
        Metadata: s.outputs ? { ProcessingJob: { Arn: `${ACCOUNT}:processing-job/${jobName}` } } : {},
        CacheHitResult: s.cacheHitSource ? { SourcePipelineExecutionArn: s.cacheHitSource } : undefined,
      };
    });
    this.executions.set(arn, { steps: stored, failureReason });
    return arn;
  }

  jobArn(name: string): string {
    return `${ACCOUNT}:processing-job/${name}`;
  }

  listSteps(input: ListPipelineExecutionStepsCommandInput) {
    this.calls.listSteps += 1;
    const max = input.MaxResults ?? 50;
    if (max < 1 || max > 100) throw validation('MaxResults must be between 1 and 100');
    const execution = input.PipelineExecutionArn && this.executions.get(input.PipelineExecutionArn);
    if (!execution) throw new ResourceNotFound({ $metadata: {}, message: 'Pipeline execution not found' });
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = execution.steps.slice(start, start + max);
    const next = start + max < execution.steps.length ? String(start + max) : undefined;
    return { PipelineExecutionSteps: page, NextToken: next };
  }

  describeJob(input: DescribeProcessingJobCommandInput) {
    this.calls.describeJob += 1;
    const outputs = input.ProcessingJobName === undefined ? undefined : this.jobs.get(input.ProcessingJobName);
    if (!outputs) throw validation(`Could not find processing job '${input.ProcessingJobName}'`);
    return {
      ProcessingJobName: input.ProcessingJobName,
      ProcessingJobStatus: 'Completed' as const,
      ProcessingOutputConfig: {
        Outputs: outputs.map((uri, i) => ({ OutputName: `out${i}`, S3Output: { S3Uri: uri, LocalPath: `/opt/ml/processing/out${i}`, S3UploadMode: 'EndOfJob' as const } })),
      },
    };
  }

  describeExecution(input: DescribePipelineExecutionCommandInput) {
    this.calls.describeExecution += 1;
    const execution = input.PipelineExecutionArn && this.executions.get(input.PipelineExecutionArn);
    if (!execution) throw new ResourceNotFound({ $metadata: {}, message: 'Pipeline execution not found' });
    return { PipelineExecutionArn: input.PipelineExecutionArn, PipelineExecutionStatus: execution.failureReason ? 'Failed' as const : 'Succeeded' as const, FailureReason: execution.failureReason };
  }

  /** A client whose three calls this fake answers. */
  client(): SageMakerClient {
    const client = new SageMakerClient({});
    const mock = mockClient(client);
    mock.on(ListPipelineExecutionStepsCommand).callsFake((i: ListPipelineExecutionStepsCommandInput) => this.listSteps(i));
    mock.on(DescribeProcessingJobCommand).callsFake((i: DescribeProcessingJobCommandInput) => this.describeJob(i));
    mock.on(DescribePipelineExecutionCommand).callsFake((i: DescribePipelineExecutionCommandInput) => this.describeExecution(i));
    return client;
  }
}
