/**
 * The run plan: which registrations (route + S3 prefix) an event's routes make, given the S3 URIs the
 * processing jobs wrote. Pure: the outputs are resolved before (see post-process.ts).
 */
import type { CreatePartitionsRequest, RepairTableRequest } from '../partitions/types';
import type { Route } from './config';
import { asFolder, scopeOutputs } from './s3-prefixes';

/** The outputs of one processing step. */
export interface StepOutputs {
  stepName: string;
  s3Uris: string[];
}

/** One call to a registrar. `s3Uri` undefined means the whole table Location. */
export interface Registration {
  route: Route;
  s3Uri?: string;
}

export interface RunPlan {
  registrations: Registration[];
  /** Routes with nothing to register, and why (logged, not an error). */
  skipped: { route: Route; reason: string }[];
}

export const routeLabel = (route: Route) => `${route.database}.${route.table}`;

/** Builds the registrations of `routes`: the whole table for scope `table`, the outputs under the Location for `outputs`. */
export function planRegistrations(routes: readonly Route[], steps: readonly StepOutputs[]): RunPlan {
  const plan: RunPlan = { registrations: [], skipped: [] };
  for (const route of routes) {
    if (route.scope === 'table') {
      plan.registrations.push({ route });
      continue;
    }
    const outputs = steps.filter((s) => route.steps === undefined || route.steps.includes(s.stepName)).flatMap((s) => s.s3Uris);
    const prefixes = scopeOutputs(route.location, outputs);
    if (prefixes.length === 0) {
      plan.skipped.push({ route, reason: `no processing output at or under ${route.location}` });
      continue;
    }
    const location = asFolder(route.location);
    // An output at (or above) the Location itself means the whole table: let the registrar default to it.
    for (const prefix of prefixes) plan.registrations.push(prefix === location ? { route } : { route, s3Uri: prefix });
  }
  return plan;
}

/** The registrar request of a registration: Glue createPartitions, or Athena repairTable. */
export function toRequest(
  registration: Registration,
): { registrar: 'glue'; request: CreatePartitionsRequest } | { registrar: 'athena'; request: RepairTableRequest } {
  const { route, s3Uri } = registration;
  const target = { database: route.database, table: route.table, ...(s3Uri === undefined ? {} : { s3Uri }) };
  if (route.strategy === 'glue') {
    return { registrar: 'glue', request: { ...target, ...route.glue } };
  }
  return {
    registrar: 'athena',
    request: {
      ...target,
      mode: route.strategy === 'athena-msck' ? 'msck' : 'add',
      ...(route.athena?.workGroup === undefined ? {} : { workGroup: route.athena.workGroup }),
      ...(route.athena?.outputLocation === undefined ? {} : { outputLocation: route.athena.outputLocation }),
    },
  };
}
