import * as z from 'zod/mini';
import { glueClient, s3Client } from '../lib/core/aws-clients';
import { logger, metrics, MetricUnit } from '../lib/core/powertools';
import { boolean, defineLambdaStep, nonEmptyText } from '../lib/lambda-step';
import { createPartitions, partitionMetrics } from '../lib/partitions/create-partitions';
import { glueName, s3UriText } from '../lib/partitions/input-fields';

/**
 * `{database, table, s3Uri?, dryRun?, removeMissing?, updateMoved?, registerDespiteProjection?, startAfter?}` ->
 * `{added, alreadyRegistered, moved, removed, skipped, dryRun, incomplete, resumeAfter, partitionProjection, summary}`.
 */
export const handler = defineLambdaStep({
  name: 'createPartitions',
  input: z.object({
    database: glueName(),
    table: glueName(),
    s3Uri: z.optional(s3UriText()),
    dryRun: z.optional(boolean()),
    removeMissing: z.optional(boolean()),
    updateMoved: z.optional(boolean()),
    registerDespiteProjection: z.optional(boolean()),
    startAfter: z.optional(nonEmptyText()),
  }),
  run: async (input, ctx) => {
    const result = await createPartitions({ s3: s3Client(), glue: glueClient(), remainingTimeMs: ctx.remainingTimeMs }, input, {
      onDetail: (detail) => logger.info('partition discovery', { ...detail, failed: detail.failed.length }),
    });
    for (const [name, value] of Object.entries(partitionMetrics(result))) metrics.addMetric(name, MetricUnit.Count, value);
    logger.info(result.incomplete ? 'registered partitions, out of time: incomplete' : 'registered partitions', {
      database: input.database,
      table: input.table,
      resumeAfter: result.resumeAfter,
      summary: result.summary,
    });
    return result;
  },
});
