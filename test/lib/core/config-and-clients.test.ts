import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetTableCommand } from '@aws-sdk/client-glue';
import { SageMakerClient, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { clientOptions, fullJitterBackoff, glueClient, sageMakerClient, sageMakerClientConfig } from '../../../lib/core/aws-clients';
import { readEnv, requiredVar } from '../../../lib/core/config';
import { ConfigurationError } from '../../../lib/core/errors';
import { isPipelineExecutionArn } from '../../../lib/core/execution-arn';
import { findExecutionArn } from '../../../lib/core/middleware';
import { FakeSageMaker } from '../../../doubles/fake-sagemaker';
import { fakeSageMakerRequestHandler } from '../../../doubles/fake-sagemaker-http';

describe('readEnv', () => {
  const schema = z.object({ TABLE_NAME: requiredVar(), MODE: z._default(z.enum(['a', 'b']), 'a') });

  it('returns validated values and defaults', () => {
    expect(readEnv(schema, { TABLE_NAME: 't' })).toEqual({ TABLE_NAME: 't', MODE: 'a' });
  });

  it('names a missing variable, and treats an empty one as missing', () => {
    expect(() => readEnv(schema, {})).toThrow(new ConfigurationError('Invalid configuration: TABLE_NAME is not set'));
    expect(() => readEnv(schema, { TABLE_NAME: '' })).toThrow('TABLE_NAME is not set');
  });

  it('names a malformed variable', () => {
    expect(() => readEnv(schema, { TABLE_NAME: 't', MODE: 'c' })).toThrow(/MODE: /);
  });
});

describe('aws clients', () => {
  it('use the adaptive retry strategy with 8 attempts unless overridden', () => {
    expect(clientOptions({})).toEqual({ retryMode: 'adaptive', maxAttempts: 8 });
    expect(clientOptions({ AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '3' })).toEqual({ retryMode: 'standard', maxAttempts: 3 });
  });

  it('send requests to AWS_ENDPOINT_URL (a local emulator)', async () => {
    const targets: string[] = [];
    const server = createServer((req, res) => {
      targets.push(String(req.headers['x-amz-target']));
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'EntityNotFoundException', Message: 'no such table' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(glueClient().send(new GetTableCommand({ DatabaseName: 'd', Name: 't' }))).rejects.toMatchObject({
        name: 'EntityNotFoundException',
      });
      expect(targets).toEqual(['AWSGlue.GetTable']);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
      server.close();
    }
  });

  it('give SageMaker full-jitter exponential backoff within the SDK retry strategy', async () => {
    const strategy = sageMakerClient().config.retryStrategy;
    expect(await strategy()).toBeInstanceOf(ConfiguredRetryStrategy);
    expect(await sageMakerClient().config.maxAttempts()).toBe(8);
  });

  it('resolve the SageMaker middleware stack once per command class, and still send each command its own input', async () => {
    const fake = new FakeSageMaker();
    fake.addPipeline('child');
    const client = new SageMakerClient({
      ...sageMakerClientConfig(),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: fakeSageMakerRequestHandler(fake),
    });
    const resolve = jest.spyOn(StartPipelineExecutionCommand.prototype, 'resolveMiddleware');
    try {
      const start = (n: number) =>
        client.send(new StartPipelineExecutionCommand({ PipelineName: 'child', PipelineExecutionDisplayName: `child-item-${n}`, ClientRequestToken: `${n}`.repeat(32) }));
      const arns = [await start(1), await start(2), await start(1)].map((o) => o.PipelineExecutionArn);
      expect(resolve).toHaveBeenCalledTimes(1);
      expect(arns[0]).toBe(arns[2]);
      expect(arns[1]).not.toBe(arns[0]);
      expect([...fake.executions.values()].map((e) => e.displayName)).toEqual(['child-item-1', 'child-item-2']);
    } finally {
      resolve.mockRestore();
    }
  });

  it('draw each backoff between 0 and base * 2^(attempt-1), capped', () => {
    const highest = fullJitterBackoff(10, 5_000, () => 0.999999);
    expect([1, 2, 3, 4].map((a) => Math.round(highest(a)))).toEqual([10, 20, 40, 80]);
    expect(Math.round(highest(20))).toBe(5_000);
    expect(fullJitterBackoff(10, 5_000, () => 0)(5)).toBe(0);
  });

  it('are created once per container', () => {
    expect(glueClient()).toBe(glueClient());
  });
});

describe('execution ARN detection', () => {
  const arn = 'arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p/execution/abc123';

  it('finds an execution ARN under any top-level key', () => {
    expect(findExecutionArn({ a: 1, parent: arn })).toBe(arn);
    expect(findExecutionArn({ a: 'arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p' })).toBeUndefined();
    expect(findExecutionArn('x')).toBeUndefined();
  });

  it('accepts other partitions', () => {
    expect(isPipelineExecutionArn(arn.replace('arn:aws:', 'arn:aws-cn:'))).toBe(true);
  });
});
