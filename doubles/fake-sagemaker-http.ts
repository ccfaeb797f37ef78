/**
 * The FakeSageMaker behind the awsJson1_1 protocol: as a requestHandler, a real SageMakerClient (its
 * serializers, retry strategy and backoff) talks to the fake in process, so throttling is retried
 * exactly as in production; as an HTTP server, functions run with `sls invoke local` reach it through
 * AWS_ENDPOINT_URL_SAGEMAKER.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSageMaker } from './fake-sagemaker';

// The bodies are the SDK's own serialisation of the command inputs.
type Handler = (input: never) => Promise<unknown>;

const routes = (fake: FakeSageMaker): Record<string, Handler> => ({
  DescribePipeline: (i) => fake.describePipeline(i),
  StartPipelineExecution: (i) => fake.startPipelineExecution(i),
  ListPipelineExecutions: (i) => fake.listPipelineExecutions(i),
  DescribePipelineExecution: (i) => fake.describePipelineExecution(i),
  StopPipelineExecution: (i) => fake.stopPipelineExecution(i),
  RetryPipelineExecution: (i) => fake.retryPipelineExecution(i),
  SendPipelineExecutionStepSuccess: (i) => fake.sendStepSuccess(i),
  SendPipelineExecutionStepFailure: (i) => fake.sendStepFailure(i),
});

/** Answers one awsJson1_1 call (`X-Amz-Target: SageMaker.<Operation>`) from `fake`. */
async function answer(fake: FakeSageMaker, target: string, body: string): Promise<{ statusCode: number; body: string }> {
  const operation = target.replace('SageMaker.', '');
  const route = routes(fake)[operation];
  if (!route) return { statusCode: 400, body: JSON.stringify({ __type: 'UnknownOperationException', message: operation }) };
  try {
    return { statusCode: 200, body: JSON.stringify(await route(JSON.parse(body || '{}') as never)) };
  } catch (error) {
    const e = error as Error;
    return { statusCode: 400, body: JSON.stringify({ __type: e.name, message: e.message }) };
  }
}

/** A requestHandler for `new SageMakerClient({ requestHandler })` serving the awsJson1_1 protocol from `fake`. */
export function fakeSageMakerRequestHandler(fake: FakeSageMaker) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    destroy: () => undefined,
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const text = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body ?? '{}');
      const reply = await answer(fake, String(request.headers['x-amz-target'] ?? ''), text);
      // The shape of an HttpResponse: the SDK checks fields, not the class.
      return {
        response: { statusCode: reply.statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: new TextEncoder().encode(reply.body) },
      };
    },
  };
}

/** Serves `fake` over HTTP on 127.0.0.1 (a free port); `onCall` sees each operation and its input. */
export async function serveFakeSageMaker(
  fake: FakeSageMaker,
  onCall: (operation: string, input: string) => void = () => undefined,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = Buffer.concat(chunks).toString('utf8');
      onCall(target.replace('SageMaker.', ''), body);
      void answer(fake, target, body).then((reply) => {
        response.writeHead(reply.statusCode, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(reply.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
