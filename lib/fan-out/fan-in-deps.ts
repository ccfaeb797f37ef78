/** What the fan-in's transitions are given: the AWS adapters, the state table, and the invocation's time. */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { ChildRecord } from './fan-in-state';
import type { FanInStore } from './fan-in-store';
import type { ReadManifest } from './plan-fan-out';

export interface FanInDeps {
  sageMaker: SageMakerClient;
  store: FanInStore;
  /** Reads a manifest (`itemsS3Uri`); the inputs can then name no manifest without it. */
  readManifest?: ReadManifest;
  /** Sends the fan-out's resume message to the queue, delayed, so pending children are retried later. */
  scheduleResume?: (parentExecutionArn: string) => Promise<void>;
  /** Writes the results object (`resultsS3Uri`): its JSON Lines from the children, once (a second write is a no-op). */
  writeResults?: (uri: string, children: readonly ChildRecord[]) => Promise<void>;
  /** The buckets `resultsS3Uri` may name (deploy.fanOutResultsBuckets). */
  resultsBuckets?: readonly string[];
  remainingTimeMs: () => number;
  sleep?: (ms: number) => Promise<void>;
}
