/**
 * The registrars port wired to the partition registration use cases (lib/partitions): the only
 * module of the post-processing that imports them, so the rest is tested with fakes.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { DeadlineError } from '../core/errors';
import { createPartitions } from '../partitions/create-partitions';
import { repairTable } from '../partitions/repair-table';
import type { Registrars } from './run-registrations';

/** The clients, each built when a registration first needs it (a Glue route builds no Athena client). */
export interface RegistrarDeps {
  s3: () => S3Client;
  glue: () => GlueClient;
  athena: () => AthenaClient;
  /** Milliseconds left in the invocation: Athena polling stops before it runs out. */
  remainingTimeMs: () => number;
}

/**
 * Glue routes call createPartitions, Athena routes repairTable. A run of either that stopped for
 * lack of time fails the registration, so that the event is retried: the retry registers only what
 * is still missing.
 */
export function partitionRegistrars({ s3, glue, athena, remainingTimeMs }: RegistrarDeps): Registrars {
  return {
    glue: async (request) => {
      const result = await createPartitions({ s3: s3(), glue: glue(), remainingTimeMs }, request);
      if (result.incomplete) {
        throw new DeadlineError(`out of time after registering ${result.added} partitions; the rest are registered on retry (summary ${result.summary})`);
      }
      return result;
    },
    athena: async (request) => {
      const result = await repairTable({ athena: athena(), s3: s3(), glue: glue(), remainingTimeMs }, request);
      if (result.incomplete) {
        throw new DeadlineError(`out of time after adding ${result.added} partitions through Athena; the rest are added on retry (summary ${result.summary})`);
      }
      return result;
    },
  };
}
