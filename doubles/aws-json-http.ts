/**
 * Serves an in-memory fake over the awsJson1_1 protocol (`X-Amz-Target: <Prefix>.<Operation>`, a JSON
 * body), the one SageMaker, Glue and Athena speak: as a requestHandler, a real SDK client (its
 * serializers, retry strategy and backoff) talks to the fake in process; as an HTTP server, functions
 * run with `sls invoke local` reach it through AWS_ENDPOINT_URL_<SERVICE>.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDate } from 'node:util/types';

// The bodies are the SDK's own serialisation of the command inputs.
export type JsonRoutes = Record<string, (input: never) => Promise<unknown>>;

export interface JsonService {
  /** The X-Amz-Target prefix: `SageMaker`, `AWSGlue`, `AmazonAthena`. */
  targetPrefix: string;
  routes: JsonRoutes;
}

export interface Reply {
  statusCode: number;
  body: string;
}

/** awsJson1_1 timestamps are epoch seconds; JSON.stringify would write Dates as ISO strings. */
function toWire(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    // isDate, not instanceof: structuredClone (the fakes copy with it) makes Dates of Node's own realm.
    return isDate(original) ? original.getTime() / 1000 : v;
  });
}

/** The operation of an `X-Amz-Target` header (`AWSGlue.GetTable` -> `GetTable`). */
export const operationOf = (service: JsonService, target: string): string =>
  target.startsWith(`${service.targetPrefix}.`) ? target.slice(service.targetPrefix.length + 1) : target;

/** Answers one call from the service's routes; errors as the SDK reads them (`__type`, `message`). */
export async function answerJson(service: JsonService, target: string, body: string): Promise<Reply> {
  const operation = operationOf(service, target);
  const route = Object.hasOwn(service.routes, operation) ? service.routes[operation] : undefined;
  if (!route) return { statusCode: 400, body: toWire({ __type: 'UnknownOperationException', message: operation }) };
  try {
    return { statusCode: 200, body: toWire(await route(JSON.parse(body || '{}') as never)) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return { statusCode: status !== undefined && status >= 400 ? status : 400, body: toWire({ __type: e.name, message: e.message }) };
  }
}

/** A requestHandler for `new <Service>Client({ requestHandler })` serving the service in process. */
export function jsonRequestHandler(service: JsonService) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    destroy: () => undefined,
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const text = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body ?? '{}');
      const reply = await answerJson(service, String(request.headers['x-amz-target'] ?? ''), text);
      // The shape of an HttpResponse: the SDK checks fields, not the class.
      return {
        response: { statusCode: reply.statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: new TextEncoder().encode(reply.body) },
      };
    },
  };
}

/** Reads a request's whole body as UTF-8. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** An HTTP listener serving the service; `onCall` sees each operation, its input and the reply. */
export function jsonListener(service: JsonService, onCall: (operation: string, input: string, reply: Reply) => void = () => undefined): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    void readBody(request).then(async (body) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const reply = await answerJson(service, target, body);
      onCall(operationOf(service, target), body, reply);
      response.writeHead(reply.statusCode, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(reply.body);
    });
  };
}

export interface Served {
  endpoint: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, a free port. */
export async function listen(listener: RequestListener): Promise<Served> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
