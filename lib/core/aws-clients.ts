/**
 * The one place AWS SDK clients are created. Retries use the SDK's own strategies: adaptive mode
 * (backs off on throttling and rate-limits the client) for Glue, S3, Athena, DynamoDB and SQS, and for SageMaker
 * the standard strategy with full-jitter exponential backoff (see sageMakerRetryStrategy). Endpoints
 * follow the SDK's standard variables, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, so a local
 * emulator can be used. Credentials come from the environment (lib/core/env-credentials.ts): in the
 * Lambda bundles the SDK is loaded on first use (infra/esbuild/plugins.js, lazy-aws-sdk), and the SDK's
 * own default chain is left out of them.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { defaultProvider } from './env-credentials';

export interface ClientOptions {
  retryMode: 'standard' | 'adaptive';
  maxAttempts: number;
}

/** Retry settings shared by every client; AWS_MAX_ATTEMPTS and AWS_RETRY_MODE override them. */
export function clientOptions(env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const attempts = Number(env.AWS_MAX_ATTEMPTS);
  return {
    retryMode: env.AWS_RETRY_MODE === 'standard' ? 'standard' : 'adaptive',
    maxAttempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 8,
  };
}

export const SAGEMAKER_RETRY_BASE_MS = 10;
export const SAGEMAKER_RETRY_CAP_MS = 5_000;

/** Full-jitter exponential backoff: a random delay in [0, min(cap, base * 2^(attempt - 1))). */
export const fullJitterBackoff =
  (baseMs: number, capMs: number, random: () => number = Math.random) =>
  (attempt: number): number =>
    random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));

/**
 * SageMaker's retry strategy. The fan-out already bounds its requests with a concurrency limit, and
 * a call that backs off holds one of those slots: adaptive mode's client-side rate limiter on top
 * cut a 1,000-child fan-out under 10% throttling to 1/100 of its speed, and standard mode's 500 ms
 * throttling base to 1/5. Full jitter from 10 ms, doubling to 5 s, keeps the slots busy and still
 * spreads retries out when throttling persists; the SDK's retry quota and max attempts still apply.
 */
export const sageMakerRetryStrategy = (maxAttempts: number) =>
  new ConfiguredRetryStrategy(maxAttempts, fullJitterBackoff(SAGEMAKER_RETRY_BASE_MS, SAGEMAKER_RETRY_CAP_MS));

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

// S3 emulators are usually addressed by path (http://localhost:4566/bucket/key).
const s3PathStyle = () => Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);

// Every client's settings: retries, and credentials from the environment.
const common = () => ({ ...clientOptions(), credentialDefaultProvider: defaultProvider });

export const glueClient = /* @__PURE__ */ once(() => new GlueClient(common()));
export const athenaClient = /* @__PURE__ */ once(() => new AthenaClient(common()));
export const s3Client = /* @__PURE__ */ once(() => new S3Client({ ...common(), forcePathStyle: s3PathStyle() }));
/**
 * The SageMaker client's settings (the fan-out benchmark builds its client from them too).
 * `cacheMiddleware`: a fan-out sends hundreds of calls per invocation, and without it the SDK rebuilds
 * and sorts the middleware stack on every send, a quarter of its CPU per call here (0.22 ms down to
 * 0.16 ms). Safe because nothing in this project changes a client's middleware after creating it.
 */
export function sageMakerClientConfig() {
  const { maxAttempts } = clientOptions();
  return { maxAttempts, retryStrategy: sageMakerRetryStrategy(maxAttempts), cacheMiddleware: true, credentialDefaultProvider: defaultProvider };
}

export const sageMakerClient = /* @__PURE__ */ once(() => new SageMakerClient(sageMakerClientConfig()));
export const dynamoDbClient = /* @__PURE__ */ once(() => new DynamoDBClient(common()));
export const sqsClient = /* @__PURE__ */ once(() => new SQSClient(common()));
