/**
 * An in-memory SageMaker Pipelines API for tests and the benchmark. It behaves like the service where
 * the fan-out depends on it: a repeated ClientRequestToken returns the same execution and starts
 * nothing; a concurrent-execution quota raises ResourceLimitExceeded; unknown pipelines raise
 * ResourceNotFound; bad display names, undeclared parameters, > 200 parameters or values > 1024
 * characters raise ValidationException; a share of calls can be throttled. RetryPipelineExecution
 * resumes a Failed execution (same ARN, Executing again, so it ends a second time); any other status is a
 * ConflictException (whether SageMaker retries a Stopped one is unverified: `retryStopped` says);
 * a token seen before is a no-op, and it counts toward the quota like a start.
 */
import {
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  RetryPipelineExecutionCommand,
  SageMakerClient,
  SendPipelineExecutionStepFailureCommand,
  SendPipelineExecutionStepSuccessCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  type DescribePipelineCommandInput,
  type DescribePipelineExecutionCommandInput,
  type ListPipelineExecutionsCommandInput,
  type RetryPipelineExecutionCommandInput,
  type SendPipelineExecutionStepFailureCommandInput,
  type SendPipelineExecutionStepSuccessCommandInput,
  type StartPipelineExecutionCommandInput,
  type StopPipelineExecutionCommandInput,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, fixedLatency } from './aws-error';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const DISPLAY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/;

export type FakeStatus = 'Executing' | 'Succeeded' | 'Failed' | 'Stopping' | 'Stopped';

export interface FakeExecution {
  arn: string;
  pipelineName: string;
  displayName?: string;
  parameters: { Name: string; Value: string }[];
  token: string;
  status: FakeStatus;
  seq: number;
  /** DescribePipelineExecution's FailureReason (a Failed execution). */
  failureReason?: string;
  /** Runs of it begun: its start, then each retry. */
  attempts: number;
}

export interface FakeOptions {
  /** Concurrent (Executing or Stopping) executions allowed in the account; default 20 as documented. */
  concurrencyQuota?: number;
  /** Share of calls that fail with ThrottlingException (0 to 1); default 0. */
  throttleRate?: number;
  /** Delay of every call, in milliseconds; default 0. */
  latencyMs?: number;
  random?: () => number;
  /** Whether RetryPipelineExecution takes a Stopped execution (unverified: default false, a ConflictException). */
  retryStopped?: boolean;
}

/** An error shaped like the SDK's service exceptions: the fakes' shared awsError, under the name these tests use. */
export const apiError = awsError;

export class FakeSageMaker {
  readonly pipelines = new Map<string, { name: string; arn: string; parameters: string[] }>();
  readonly executions = new Map<string, FakeExecution>();
  readonly successCalls: SendPipelineExecutionStepSuccessCommandInput[] = [];
  readonly failureCalls: SendPipelineExecutionStepFailureCommandInput[] = [];
  readonly stopCalls: string[] = [];
  readonly retryCalls: RetryPipelineExecutionCommandInput[] = [];
  startCalls = 0;
  /** The most executions running (Executing or Stopping) at once, as this double saw them. */
  peakRunning = 0;
  private runningNow = 0;
  private readonly retryTokens = new Set<string>();
  throttled = 0;
  quotaErrors = 0;
  private readonly byToken = new Map<string, string>();
  private seq = 0;

  constructor(readonly options: FakeOptions = {}) {}

  addPipeline(name: string, parameters: string[] = ['item']): string {
    const arn = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:pipeline/${name.toLowerCase()}`;
    this.pipelines.set(name.toLowerCase(), { name, arn, parameters });
    return arn;
  }

  /** Ends an execution, as the service would when the child pipeline finishes (frees quota). */
  end(arn: string, status: Exclude<FakeStatus, 'Executing' | 'Stopping'> = 'Succeeded', failureReason?: string): FakeExecution {
    const execution = this.executions.get(arn);
    if (!execution) throw new Error(`no execution ${arn}`);
    if (execution.status === 'Executing' || execution.status === 'Stopping') this.runningNow -= 1;
    execution.status = status;
    if (status === 'Failed' && failureReason !== undefined) execution.failureReason = failureReason;
    return execution;
  }

  running(): FakeExecution[] {
    return [...this.executions.values()].filter((e) => e.status === 'Executing' || e.status === 'Stopping');
  }

  private pipeline(identifier: string | undefined) {
    const name = (identifier ?? '').replace(/^arn:[^:]+:sagemaker:[^:]+:\d+:pipeline\//, '').toLowerCase();
    const found = this.pipelines.get(name);
    if (!found) throw apiError('ResourceNotFound', `Pipeline '${identifier}' does not exist.`);
    return found;
  }

  private async call(): Promise<void> {
    if (this.options.latencyMs) await fixedLatency(this.options.latencyMs);
    if ((this.options.random ?? Math.random)() < (this.options.throttleRate ?? 0)) {
      this.throttled += 1;
      throw apiError('ThrottlingException', 'Rate exceeded');
    }
  }

  async describePipeline(input: DescribePipelineCommandInput) {
    await this.call();
    const p = this.pipeline(input.PipelineName);
    const definition = { Version: '2020-12-01', Parameters: p.parameters.map((Name) => ({ Name, Type: 'String' })), Steps: [] };
    return { PipelineArn: p.arn, PipelineName: p.name, PipelineDefinition: JSON.stringify(definition), PipelineStatus: 'Active' as const };
  }

  async startPipelineExecution(input: StartPipelineExecutionCommandInput) {
    await this.call();
    this.startCalls += 1;
    const p = this.pipeline(input.PipelineName);
    const token = input.ClientRequestToken ?? '';
    if (token.length < 32 || token.length > 128) throw apiError('ValidationException', 'ClientRequestToken must be 32-128 characters');
    const name = input.PipelineExecutionDisplayName;
    if (name !== undefined && !DISPLAY_NAME.test(name)) {
      throw apiError('ValidationException', `Value '${name}' at 'pipelineExecutionDisplayName' failed to satisfy constraint`);
    }
    const params = input.PipelineParameters ?? [];
    if (params.length > 200) throw apiError('ValidationException', 'PipelineParameters: at most 200');
    for (const { Name, Value } of params) {
      if (!Name || !/^[A-Za-z0-9\-_]*$/.test(Name) || !p.parameters.includes(Name)) {
        throw apiError('ValidationException', `Parameter '${Name}' is not defined in the pipeline definition`);
      }
      if ((Value ?? '').length > 1024) throw apiError('ValidationException', `Parameter '${Name}' value exceeds 1024 characters`);
    }
    const existing = this.byToken.get(token);
    if (existing) return { PipelineExecutionArn: existing };
    if (this.running().length >= (this.options.concurrencyQuota ?? 20)) {
      this.quotaErrors += 1;
      throw apiError('ResourceLimitExceeded', 'The account-level service limit for concurrent pipeline executions was exceeded');
    }
    this.seq += 1;
    const arn = `${p.arn}/execution/${this.seq.toString(36).padStart(12, '0')}`;
    this.executions.set(arn, {
      arn,
      pipelineName: p.name,
      displayName: name,
      parameters: params.map((x) => ({ Name: x.Name ?? '', Value: x.Value ?? '' })),
      token,
      status: 'Executing',
      seq: this.seq,
      attempts: 1,
    });
    this.byToken.set(token, arn);
    this.began();
    return { PipelineExecutionArn: arn };
  }

  private began(): void {
    this.runningNow += 1;
    this.peakRunning = Math.max(this.peakRunning, this.runningNow);
  }

  async retryPipelineExecution(input: RetryPipelineExecutionCommandInput) {
    await this.call();
    const token = input.ClientRequestToken ?? '';
    if (token.length < 32 || token.length > 128) throw apiError('ValidationException', 'ClientRequestToken must be 32-128 characters');
    const arn = input.PipelineExecutionArn ?? '';
    const e = this.executions.get(arn);
    if (!e) throw apiError('ResourceNotFound', 'Pipeline execution does not exist');
    if (this.retryTokens.has(`${arn}\n${token}`)) return { PipelineExecutionArn: arn };
    const retryable = e.status === 'Failed' || (e.status === 'Stopped' && this.options.retryStopped === true);
    if (!retryable) throw apiError('ConflictException', `Pipeline execution is ${e.status}: it cannot be retried`);
    if (this.running().length >= (this.options.concurrencyQuota ?? 20)) {
      this.quotaErrors += 1;
      throw apiError('ResourceLimitExceeded', 'The account-level service limit for concurrent pipeline executions was exceeded');
    }
    this.retryCalls.push(input);
    this.retryTokens.add(`${arn}\n${token}`);
    e.status = 'Executing';
    e.attempts += 1;
    delete e.failureReason;
    this.began();
    return { PipelineExecutionArn: arn };
  }

  async listPipelineExecutions(input: ListPipelineExecutionsCommandInput) {
    await this.call();
    const p = this.pipeline(input.PipelineName);
    const all = [...this.executions.values()].filter((e) => e.pipelineName === p.name).sort((a, b) => b.seq - a.seq);
    if (input.SortOrder === 'Ascending') all.reverse();
    const start = Number(input.NextToken ?? 0);
    const size = Math.min(input.MaxResults ?? 10, 100);
    const page = all.slice(start, start + size);
    return {
      PipelineExecutionSummaries: page.map((e) => ({ PipelineExecutionArn: e.arn, PipelineExecutionStatus: e.status, PipelineExecutionDisplayName: e.displayName })),
      NextToken: start + size < all.length ? String(start + size) : undefined,
    };
  }

  async describePipelineExecution(input: DescribePipelineExecutionCommandInput) {
    await this.call();
    const e = this.executions.get(input.PipelineExecutionArn ?? '');
    if (!e) throw apiError('ResourceNotFound', 'Pipeline execution does not exist');
    return {
      PipelineExecutionArn: e.arn,
      PipelineExecutionStatus: e.status,
      PipelineExecutionDisplayName: e.displayName,
      ...(e.failureReason === undefined ? {} : { FailureReason: e.failureReason }),
    };
  }

  async stopPipelineExecution(input: StopPipelineExecutionCommandInput) {
    await this.call();
    const arn = input.PipelineExecutionArn ?? '';
    const e = this.executions.get(arn);
    if (!e) throw apiError('ResourceNotFound', 'Pipeline execution does not exist');
    if (e.status !== 'Executing') throw apiError('ValidationException', `Pipeline execution is ${e.status}: it cannot be stopped`);
    this.stopCalls.push(arn);
    e.status = 'Stopping';
    return { PipelineExecutionArn: arn };
  }

  /**
   * Step callbacks, recorded once per ClientRequestToken: a repeated request with the same token is a
   * no-op, as "an idempotent operation completes no more than once"
   * (https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/SageMaker/TSendPipelineExecutionStepSuccessRequest.html).
   */
  private readonly callbackRequests = new Set<string>();

  private firstCallbackRequest(input: { CallbackToken?: string; ClientRequestToken?: string }): boolean {
    if (input.ClientRequestToken === undefined) return true;
    const key = `${input.CallbackToken ?? ''}\n${input.ClientRequestToken}`;
    if (this.callbackRequests.has(key)) return false;
    this.callbackRequests.add(key);
    return true;
  }

  async sendStepSuccess(input: SendPipelineExecutionStepSuccessCommandInput) {
    await this.call();
    if (this.firstCallbackRequest(input)) this.successCalls.push(input);
    return {};
  }

  async sendStepFailure(input: SendPipelineExecutionStepFailureCommandInput) {
    await this.call();
    if (this.firstCallbackRequest(input)) this.failureCalls.push(input);
    return {};
  }
}

/** Routes every SageMakerClient command to `fake` through aws-sdk-client-mock; returns the mock (restore it after the test). */
export function mockSageMaker(fake: FakeSageMaker) {
  const mock = mockClient(SageMakerClient);
  mock.on(DescribePipelineCommand).callsFake((input) => fake.describePipeline(input));
  mock.on(StartPipelineExecutionCommand).callsFake((input) => fake.startPipelineExecution(input));
  mock.on(ListPipelineExecutionsCommand).callsFake((input) => fake.listPipelineExecutions(input));
  mock.on(DescribePipelineExecutionCommand).callsFake((input) => fake.describePipelineExecution(input));
  mock.on(StopPipelineExecutionCommand).callsFake((input) => fake.stopPipelineExecution(input));
  mock.on(RetryPipelineExecutionCommand).callsFake((input) => fake.retryPipelineExecution(input));
  mock.on(SendPipelineExecutionStepSuccessCommand).callsFake((input) => fake.sendStepSuccess(input));
  mock.on(SendPipelineExecutionStepFailureCommand).callsFake((input) => fake.sendStepFailure(input));
  return mock;
}
export type SageMakerMock = ReturnType<typeof mockSageMaker>;
