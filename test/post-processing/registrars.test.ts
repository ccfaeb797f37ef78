import { AthenaClient } from '@aws-sdk/client-athena';
import { DeadlineError, InvalidInputError } from '../../lib/core/errors';
import { partitionRegistrars } from '../../lib/post-processing/registrars';
import { BUCKET, DATABASE, TABLE, partitionedTable, tableDefinition } from '../../doubles/partitioned-table';

const PREFIX = 'warehouse/orders/';

function setup(remainingMs: number, parameters?: Record<string, string>) {
  const t = partitionedTable();
  t.fakeGlue.addTable(DATABASE, { ...tableDefinition(`s3://${BUCKET}/${PREFIX}`, ['process_date', 'shard']), Parameters: parameters });
  t.fakeS3.put(BUCKET, `${PREFIX}process_date=2021-12-15/shard=0/a.csv`, `${PREFIX}process_date=abc/shard=0/a.csv`);
  const registrars = partitionRegistrars({ s3: () => t.s3, glue: () => t.glue, athena: () => new AthenaClient({ region: 'us-east-1' }), remainingTimeMs: () => remainingMs });
  return { ...t, registrars };
}

describe('partitionRegistrars', () => {
  it('fails a Glue registration that ran out of time, so that the event is retried', async () => {
    const s = setup(5_000);
    await expect(s.registrars.glue({ database: DATABASE, table: TABLE })).rejects.toThrow(DeadlineError);
    await expect(s.registrars.glue({ database: DATABASE, table: TABLE })).rejects.toThrow(/out of time after registering 0 partitions/);
  });

  it('fails an Athena registration that ran out of time, so that the event is retried', async () => {
    const s = setup(5_000);
    const run = s.registrars.athena({ database: DATABASE, table: TABLE, mode: 'add' });
    await expect(run).rejects.toThrow(DeadlineError);
    await expect(run).rejects.toThrow(/out of time after adding 0 partitions through Athena/);
  });

  it('applies the table rules of createPartitions: projection registers nothing, Iceberg is refused', async () => {
    const projected = setup(600_000, { 'projection.enabled': 'true' });
    await expect(projected.registrars.glue({ database: DATABASE, table: TABLE })).resolves.toMatchObject({ added: 0, partitionProjection: true });
    await expect(projected.registrars.glue({ database: DATABASE, table: TABLE, registerDespiteProjection: true })).resolves.toMatchObject({ added: 2 });
    const iceberg = setup(600_000, { table_type: 'ICEBERG' });
    await expect(iceberg.registrars.glue({ database: DATABASE, table: TABLE })).rejects.toThrow(InvalidInputError);
    await expect(iceberg.registrars.athena({ database: DATABASE, table: TABLE, mode: 'add' })).rejects.toThrow(/is an Iceberg table/);
  });

  it('builds the Athena client for an Athena registration only', async () => {
    const t = partitionedTable();
    t.fakeGlue.addTable(DATABASE, tableDefinition(`s3://${BUCKET}/${PREFIX}`, ['process_date', 'shard']));
    const athena = jest.fn(() => new AthenaClient({ region: 'us-east-1' }));
    const registrars = partitionRegistrars({ s3: () => t.s3, glue: () => t.glue, athena, remainingTimeMs: () => 600_000 });
    await registrars.glue({ database: DATABASE, table: TABLE });
    expect(athena).not.toHaveBeenCalled();
  });
});
