/**
 * The FakeSageMaker behind an HTTP handler: a real SageMakerClient (its serializers, retry strategy and
 * backoff) talks to the fake, so throttling is retried exactly as in production.
 */
import type { FakeSageMaker } from './fake-sagemaker';

// The bodies are the SDK's own serialisation of the command inputs.
type Handler = (input: never) => Promise<unknown>;

/** A requestHandler for `new SageMakerClient({ requestHandler })` serving the awsJson1_1 protocol from `fake`. */
export function fakeSageMakerRequestHandler(fake: FakeSageMaker) {
  const routes: Record<string, Handler> = {
    DescribePipeline: (i) => fake.describePipeline(i),
    StartPipelineExecution: (i) => fake.startPipelineExecution(i),
    ListPipelineExecutions: (i) => fake.listPipelineExecutions(i),
  };
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    destroy: () => undefined,
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const operation = String(request.headers['x-amz-target'] ?? '').replace('SageMaker.', '');
      const route = routes[operation];
      const reply = (statusCode: number, body: unknown) => ({
        // The shape of an HttpResponse: the SDK checks fields, not the class.
        response: { statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: new TextEncoder().encode(JSON.stringify(body)) },
      });
      if (!route) return reply(400, { __type: 'UnknownOperationException', message: operation });
      try {
        const text = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body ?? '{}');
        return reply(200, await route(JSON.parse(text) as never));
      } catch (error) {
        const e = error as Error;
        return reply(400, { __type: e.name, message: e.message });
      }
    },
  };
}
