import { s3Client, sageMakerClient } from '../lib/core/aws-clients';
import { readManifestObject } from '../lib/fan-out/manifest-s3';
import { StartChildPipelinesInput } from '../lib/fan-out/request';
import { startChildPipelines } from '../lib/fan-out/start-child-pipelines';
import { defineLambdaStep } from '../lib/lambda-step';

/**
 * `{pipelines, items | itemsS3Uri, itemParameter?, parentExecutionArn? | runId?, displayNamePrefix?, maxConcurrency?}`
 * -> `{startedCount, alreadyStartedCount, total, executionArns, executionArnsTruncated}`: starts one child
 * execution per pipeline and item (fire and forget), idempotent per parent execution or run id.
 */
export const handler = defineLambdaStep({
  name: 'startChildPipelines',
  input: StartChildPipelinesInput,
  run: (input, ctx) =>
    startChildPipelines(
      { sageMaker: sageMakerClient(), readManifest: (uri) => readManifestObject(s3Client(), uri) },
      input,
      { remainingTimeMs: ctx.remainingTimeMs },
    ),
});
