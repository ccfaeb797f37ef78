/** The fan-in's dependencies as its three handlers build them (fanOutCallback adds the manifest reader and the resume queue). */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { dynamoDbClient, s3Client, sageMakerClient } from '../core/aws-clients';
import type { FanInDeps } from './fan-in-deps';
import { FanInStore } from './fan-in-store';
import { resultsWriter } from './results-s3';

export interface FanInConfig {
  FAN_OUT_TABLE: string;
  /** The buckets resultsS3Uri may name (deploy.fanOutResultsBuckets). */
  FAN_OUT_RESULTS_BUCKETS: string[];
}

/** SageMaker, the state table, the results writer and the invocation's remaining time. */
export function fanInHandlerDeps(config: FanInConfig, context: Pick<Context, 'getRemainingTimeInMillis'>): FanInDeps {
  return {
    sageMaker: sageMakerClient(),
    store: new FanInStore(DynamoDBDocumentClient.from(dynamoDbClient()), config.FAN_OUT_TABLE),
    writeResults: resultsWriter(s3Client),
    resultsBuckets: config.FAN_OUT_RESULTS_BUCKETS,
    remainingTimeMs: () => context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
  };
}
