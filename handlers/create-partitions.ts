import * as z from 'zod/mini';
import { glueClient, s3Client } from '../lib/core/aws-clients';
import { logger, metrics, MetricUnit } from '../lib/core/powertools';
import { boolean, defineLambdaStep } from '../lib/lambda-step';
import { createPartitions, partitionMetrics } from '../lib/partitions/create-partitions';
import { glueName, s3UriText } from '../lib/partitions/input-fields';

/** `{database, table, s3Uri?, dryRun?, removeMissing?, updateMoved?}` -> `{added, alreadyRegistered, moved, removed, skipped, dryRun, summary}`. */
export const handler = defineLambdaStep({
  name: 'createPartitions',
  input: z.object({
    database: glueName(),
    table: glueName(),
    s3Uri: z.optional(s3UriText()),
    dryRun: z.optional(boolean()),
    removeMissing: z.optional(boolean()),
    updateMoved: z.optional(boolean()),
  }),
  run: async (input) => {
    const result = await createPartitions({ s3: s3Client(), glue: glueClient() }, input, {
      onDetail: (detail) => logger.info('partition discovery', { ...detail, failed: detail.failed.length }),
    });
    for (const [name, value] of Object.entries(partitionMetrics(result))) metrics.addMetric(name, MetricUnit.Count, value);
    logger.info('registered partitions', { database: input.database, table: input.table, summary: result.summary });
    return result;
  },
});
