/**
 * Runs a plan's registrations through the injected registrars. Registrations are independent: one
 * failing does not stop the others; the caller fails the invocation afterwards so that it is retried
 * (the registrars are idempotent, so a retry repeats only what is missing).
 */
import pLimit from 'p-limit';
import { describeError, PartialFailureError, truncate } from '../core/errors';
import type { CreatePartitionsRequest, CreatePartitionsResult, RepairTableRequest, RepairTableResult } from '../partitions/types';
import { routeLabel, toRequest, type Registration } from './plan';

/** The port to the partition registration use cases (lib/partitions), injected by the handler. */
export interface Registrars {
  glue(request: CreatePartitionsRequest): Promise<CreatePartitionsResult>;
  athena(request: RepairTableRequest): Promise<RepairTableResult>;
}

export type RegistrationOutcome =
  | { registration: Registration; ok: true; added: number; result: CreatePartitionsResult | RepairTableResult }
  | { registration: Registration; ok: false; error: unknown };

// Athena DDL and Glue batch calls have account-wide limits: a few at a time is enough for a handful of routes.
const CONCURRENCY = 4;

/** Runs every registration (a few at a time) and reports each one's outcome; never throws. */
export async function runRegistrations(registrations: readonly Registration[], registrars: Registrars): Promise<RegistrationOutcome[]> {
  const limit = pLimit(CONCURRENCY);
  return Promise.all(
    registrations.map((registration) =>
      limit(async (): Promise<RegistrationOutcome> => {
        try {
          const call = toRequest(registration);
          const result = call.registrar === 'glue' ? await registrars.glue(call.request) : await registrars.athena(call.request);
          return { registration, ok: true, added: result.added, result };
        } catch (error) {
          return { registration, ok: false, error };
        }
      }),
    ),
  );
}

/** `db.table (s3://...)`: how logs and failure messages name a registration. */
export const registrationLabel = ({ route, s3Uri }: Registration) => `${routeLabel(route)} (${s3Uri ?? route.location})`;

/** Throws a PartialFailureError naming every failed registration, after all of them ran. */
export function assertAllSucceeded(outcomes: readonly RegistrationOutcome[]): void {
  const failed = outcomes.filter((o): o is Extract<RegistrationOutcome, { ok: false }> => !o.ok);
  if (failed.length === 0) return;
  const details = failed.map((o) => `${registrationLabel(o.registration)}: ${describeError(o.error)}`).join('; ');
  throw new PartialFailureError(truncate(`${failed.length} of ${outcomes.length} registrations failed: ${details}`, 2000), {
    cause: failed[0]?.error,
  });
}
