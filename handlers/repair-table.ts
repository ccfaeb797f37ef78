import * as z from 'zod/mini';
import { athenaClient, glueClient, s3Client } from '../lib/core/aws-clients';
import { readEnv } from '../lib/core/config';
import { Metric } from '../lib/core/metric-names';
import { logger, metrics, MetricUnit } from '../lib/core/powertools';
import { boolean, defineLambdaStep, nonEmptyText } from '../lib/lambda-step';
import { repairTable } from '../lib/partitions/repair-table';

// Defaults for the query's workgroup and result location; an input value wins.
const env = readEnv(
  z.object({
    ATHENA_WORKGROUP: z.optional(z.string()),
    ATHENA_OUTPUT_LOCATION: z.optional(z.string().check(z.regex(/^s3:\/\/[^/]+/, { error: 'expected an s3:// URI' }))),
  }),
);

/** `{database, table, workGroup?, outputLocation?, mode?, s3Uri?, allowNotAdded?}` -> `{queryExecutionId, state, added, notAdded}`. */
export const handler = defineLambdaStep({
  name: 'repairTable',
  input: z.object({
    database: nonEmptyText(),
    table: nonEmptyText(),
    workGroup: z.optional(nonEmptyText()),
    outputLocation: z.optional(nonEmptyText().check(z.regex(/^s3:\/\/[^/]+/, { error: 'expected an s3:// URI' }))),
    mode: z.optional(z.enum(['msck', 'add'], { error: 'expected "msck" or "add"' })),
    s3Uri: z.optional(nonEmptyText()),
    allowNotAdded: z.optional(boolean()),
  }),
  run: async (input, ctx) => {
    const result = await repairTable(
      { athena: athenaClient(), s3: s3Client(), glue: glueClient(), remainingTimeMs: ctx.remainingTimeMs },
      { ...input, workGroup: input.workGroup ?? env.ATHENA_WORKGROUP, outputLocation: input.outputLocation ?? env.ATHENA_OUTPUT_LOCATION },
    );
    metrics.addMetric(Metric.PartitionsAdded, MetricUnit.Count, result.added);
    metrics.addMetric(Metric.PartitionsSkipped, MetricUnit.Count, result.notAdded);
    logger.info('repaired table', { database: input.database, table: input.table, ...result });
    return result;
  },
});
