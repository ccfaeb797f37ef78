import * as z from 'zod/mini';
import { athenaClient, glueClient, s3Client } from '../lib/core/aws-clients';
import { readEnv } from '../lib/core/config';
import { Metric } from '../lib/core/metric-names';
import { logger, metrics, MetricUnit } from '../lib/core/powertools';
import { boolean, defineLambdaStep, nonEmptyText } from '../lib/lambda-step';
import { athenaName, athenaWorkGroup, s3UriText } from '../lib/partitions/input-fields';
import { repairTable } from '../lib/partitions/repair-table';
import { InvalidInputError } from '../lib/core/errors';

// The deployment's workgroup (serverless.yml) and an optional result location for other setups.
const env = readEnv(
  z.object({
    ATHENA_WORKGROUP: z.optional(z.string()),
    ATHENA_OUTPUT_LOCATION: z.optional(z.string().check(z.regex(/^s3:\/\/[^/]+/, { error: 'expected an s3:// URI' }))),
  }),
);

/**
 * `{database, table, workGroup?, outputLocation?, mode?, s3Uri?, allowNotAdded?, registerDespiteProjection?}` ->
 * `{queryExecutionId, state, added, alreadyRegistered, notAdded, skipped, incomplete, partitionProjection, summary}`.
 */
export const handler = defineLambdaStep({
  name: 'repairTable',
  input: z.object({
    database: athenaName(),
    table: athenaName(),
    workGroup: z.optional(athenaWorkGroup()),
    outputLocation: z.optional(nonEmptyText().check(z.regex(/^s3:\/\/[^/]+/, { error: 'expected an s3:// URI' }))),
    mode: z.optional(z.enum(['msck', 'add'], { error: 'expected "msck" or "add"' })),
    s3Uri: z.optional(s3UriText()),
    allowNotAdded: z.optional(boolean()),
    registerDespiteProjection: z.optional(boolean()),
  }),
  run: async (input, ctx) => {
    refuseOverriddenInputs(input, env.ATHENA_WORKGROUP);
    const result = await repairTable(
      { athena: athenaClient(), s3: s3Client(), glue: glueClient(), remainingTimeMs: ctx.remainingTimeMs },
      { ...input, workGroup: input.workGroup ?? env.ATHENA_WORKGROUP, outputLocation: input.outputLocation ?? env.ATHENA_OUTPUT_LOCATION },
    );
    metrics.addMetric(Metric.PartitionsAdded, MetricUnit.Count, result.added);
    metrics.addMetric(Metric.PartitionsSkipped, MetricUnit.Count, result.notAdded + result.skipped);
    logger.info('repaired table', { database: input.database, table: input.table, ...result });
    return result;
  },
});

/**
 * With ATHENA_WORKGROUP set (the stack's workgroup, which enforces its own result location and is the
 * only one the role may use), another `workGroup` would be refused by IAM and `outputLocation` ignored
 * by Athena: refuse both before any call.
 */
function refuseOverriddenInputs(input: { workGroup?: string; outputLocation?: string }, own: string | undefined): void {
  if (own === undefined) return;
  if (input.workGroup !== undefined && input.workGroup !== own) {
    throw new InvalidInputError(`workGroup: this deployment runs its queries in workgroup "${own}" only (its role may use no other); leave workGroup out`, ['workGroup']);
  }
  if (input.outputLocation !== undefined) {
    throw new InvalidInputError(`outputLocation: workgroup "${own}" enforces its own result location, so this input would be ignored; leave it out`, ['outputLocation']);
  }
}
