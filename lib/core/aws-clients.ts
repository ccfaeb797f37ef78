/**
 * The one place AWS SDK clients are created. Retries use the SDK's own strategy (adaptive mode,
 * which backs off on throttling and rate-limits the client). Endpoints follow the SDK's standard
 * variables, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, so a local emulator can be used.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SQSClient } from '@aws-sdk/client-sqs';

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

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

// S3 emulators are usually addressed by path (http://localhost:4566/bucket/key).
const s3PathStyle = () => Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);

export const glueClient = /* @__PURE__ */ once(() => new GlueClient(clientOptions()));
export const athenaClient = /* @__PURE__ */ once(() => new AthenaClient(clientOptions()));
export const s3Client = /* @__PURE__ */ once(() => new S3Client({ ...clientOptions(), forcePathStyle: s3PathStyle() }));
export const sageMakerClient = /* @__PURE__ */ once(() => new SageMakerClient(clientOptions()));
export const dynamoDbClient = /* @__PURE__ */ once(() => new DynamoDBClient(clientOptions()));
export const sqsClient = /* @__PURE__ */ once(() => new SQSClient(clientOptions()));
