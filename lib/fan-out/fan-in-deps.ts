/** What the fan-in's transitions are given: the AWS adapters, the state table, and the invocation's time. */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { FanInStore } from './fan-in-store';
import type { ReadManifest } from './plan-fan-out';

export interface FanInDeps {
  sageMaker: SageMakerClient;
  store: FanInStore;
  /** Reads a manifest (`itemsS3Uri`); the inputs can then name no manifest without it. */
  readManifest?: ReadManifest;
  /** Sends the fan-out's resume message to the queue, delayed, so pending children are retried later. */
  scheduleResume?: (parentExecutionArn: string) => Promise<void>;
  remainingTimeMs: () => number;
  sleep?: (ms: number) => Promise<void>;
}
