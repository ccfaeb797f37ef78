/**
 * The FakeSageMaker behind the awsJson1_1 protocol: as a requestHandler, a real SageMakerClient (its
 * serializers, retry strategy and backoff) talks to the fake in process, so throttling is retried
 * exactly as in production; as an HTTP server, functions run with `sls invoke local` reach it through
 * AWS_ENDPOINT_URL_SAGEMAKER.
 */
import { jsonListener, jsonRequestHandler, listen, type JsonRoutes, type JsonService, type Served } from './aws-json-http';
import type { FakeSageMaker } from './fake-sagemaker';

const routes = (fake: FakeSageMaker): JsonRoutes => ({
  DescribePipeline: (i) => fake.describePipeline(i),
  StartPipelineExecution: (i) => fake.startPipelineExecution(i),
  ListPipelineExecutions: (i) => fake.listPipelineExecutions(i),
  DescribePipelineExecution: (i) => fake.describePipelineExecution(i),
  StopPipelineExecution: (i) => fake.stopPipelineExecution(i),
  RetryPipelineExecution: (i) => fake.retryPipelineExecution(i),
  SendPipelineExecutionStepSuccess: (i) => fake.sendStepSuccess(i),
  SendPipelineExecutionStepFailure: (i) => fake.sendStepFailure(i),
});

/** The fake as an awsJson1_1 service (`X-Amz-Target: SageMaker.<Operation>`). */
export const sageMakerService = (fake: FakeSageMaker): JsonService => ({ targetPrefix: 'SageMaker', routes: routes(fake) });

/** A requestHandler for `new SageMakerClient({ requestHandler })` serving the awsJson1_1 protocol from `fake`. */
export const fakeSageMakerRequestHandler = (fake: FakeSageMaker) => jsonRequestHandler(sageMakerService(fake));

/** Serves `fake` over HTTP on 127.0.0.1 (a free port); `onCall` sees each operation and its input. */
export function serveFakeSageMaker(fake: FakeSageMaker, onCall: (operation: string, input: string) => void = () => undefined): Promise<Served> {
  return listen(jsonListener(sageMakerService(fake), (operation, input) => onCall(operation, input)));
}
