/**
 * Idempotent in-memory registrars: a catalog of registered partition prefixes per table. Like the real
 * use cases, a second run over the same prefix adds nothing. A table can be told to fail.
 */
import type { CreatePartitionsRequest, CreatePartitionsResult, RepairTableRequest, RepairTableResult } from '../../../lib/partitions/types';
import type { Registrars } from '../../../lib/post-processing/run-registrations';

export class FakeRegistrars implements Registrars {
  readonly glueCalls: CreatePartitionsRequest[] = [];
  readonly athenaCalls: RepairTableRequest[] = [];
  /** `db.table` -> registered prefixes. */
  readonly catalog = new Map<string, Set<string>>();
  readonly failing = new Map<string, Error>();

  private register(database: string, table: string, scope: string): number {
    const key = `${database}.${table}`;
    const failure = this.failing.get(key);
    if (failure) throw failure;
    const registered = this.catalog.get(key) ?? new Set<string>();
    this.catalog.set(key, registered);
    if (registered.has(scope)) return 0;
    registered.add(scope);
    return 1;
  }

  async glue(request: CreatePartitionsRequest): Promise<CreatePartitionsResult> {
    this.glueCalls.push(request);
    const added = this.register(request.database, request.table, request.s3Uri ?? '<location>');
    return { added, alreadyRegistered: 1 - added, moved: 0, removed: 0, skipped: 0, dryRun: false, incomplete: false, resumeAfter: '', partitionProjection: false, summary: '{}' };
  }

  async athena(request: RepairTableRequest): Promise<RepairTableResult> {
    this.athenaCalls.push(request);
    const added = this.register(request.database, request.table, request.s3Uri ?? '<location>');
    return { queryExecutionId: `q-${this.athenaCalls.length}`, state: 'SUCCEEDED', added, alreadyRegistered: 1 - added, notAdded: 0, skipped: 0, incomplete: false, partitionProjection: false, summary: '{}' };
  }
}
