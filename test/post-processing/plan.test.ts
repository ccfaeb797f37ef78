import { parsePostProcessingConfig, type Route } from '../../lib/post-processing/config';
import { planRegistrations, toRequest } from '../../lib/post-processing/plan';

const routes = (...list: object[]): Route[] => parsePostProcessingConfig({ pipelines: { p: { routes: list } } }).pipelines.p?.routes ?? [];
const athena = { workGroup: 'analysts', outputLocation: 's3://results/athena/' };

describe('planRegistrations', () => {
  it('registers the whole table for scope table, whatever the outputs', () => {
    const [route] = routes({ database: 'd', table: 't', location: 's3://bkt/t/', strategy: 'glue', scope: 'table' });
    expect(planRegistrations(route ? [route] : [], [])).toEqual({ registrations: [{ route }], skipped: [] });
  });

  it('registers each output under the Location, and skips a route with none', () => {
    const [under, elsewhere] = routes(
      { database: 'd', table: 'under', location: 's3://bkt/t/', strategy: 'glue', scope: 'outputs' },
      { database: 'd', table: 'elsewhere', location: 's3://bkt/elsewhere/', strategy: 'glue', scope: 'outputs' },
    );
    const plan = planRegistrations([under, elsewhere].filter((r): r is Route => r !== undefined), [
      { stepName: 'a', s3Uris: ['s3://bkt/t/day=1/', 's3://bkt/models/'] },
      { stepName: 'b', s3Uris: ['s3://bkt/t/day=2'] },
    ]);
    expect(plan.registrations.map((r) => [r.route.table, r.s3Uri])).toEqual([
      ['under', 's3://bkt/t/day=1/'],
      ['under', 's3://bkt/t/day=2/'],
    ]);
    expect(plan.skipped).toEqual([{ route: elsewhere, reason: 'no processing output at or under s3://bkt/elsewhere/' }]);
  });

  it('registers the whole Location when an output is the Location or above it', () => {
    const [route] = routes({ database: 'd', table: 't', location: 's3://bkt/data/t', strategy: 'glue', scope: 'outputs' });
    const plan = planRegistrations(route ? [route] : [], [{ stepName: 'a', s3Uris: ['s3://bkt/data/', 's3://bkt/data/t/day=1/'] }]);
    expect(plan.registrations).toEqual([{ route }]);
  });

  it('counts only the outputs of the steps a route names', () => {
    const [route] = routes({ database: 'd', table: 't', location: 's3://bkt/t/', strategy: 'glue', scope: 'outputs', steps: ['b'] });
    const plan = planRegistrations(route ? [route] : [], [
      { stepName: 'a', s3Uris: ['s3://bkt/t/from-a/'] },
      { stepName: 'b', s3Uris: ['s3://bkt/t/from-b/'] },
    ]);
    expect(plan.registrations.map((r) => r.s3Uri)).toEqual(['s3://bkt/t/from-b/']);
  });
});

describe('toRequest', () => {
  it('maps a glue route with its options to createPartitions', () => {
    const [route] = routes({ database: 'd', table: 't', location: 's3://bkt/t/', strategy: 'glue', scope: 'outputs', glue: { removeMissing: true } });
    if (!route) throw new Error('no route');
    expect(toRequest({ route, s3Uri: 's3://bkt/t/x/' })).toEqual({
      registrar: 'glue',
      request: { database: 'd', table: 't', s3Uri: 's3://bkt/t/x/', removeMissing: true },
    });
  });

  it('passes registerDespiteProjection, the configuration asking to register on a projection table', () => {
    const [route] = routes({ database: 'd', table: 't', location: 's3://bkt/t/', strategy: 'glue', scope: 'table', glue: { registerDespiteProjection: true } });
    if (!route) throw new Error('no route');
    expect(toRequest({ route })).toEqual({ registrar: 'glue', request: { database: 'd', table: 't', registerDespiteProjection: true } });
  });

  it('maps athena strategies to repairTable modes', () => {
    const [msck, add] = routes(
      { database: 'd', table: 'm', location: 's3://bkt/m/', strategy: 'athena-msck', scope: 'table', athena },
      { database: 'd', table: 'a', location: 's3://bkt/a/', strategy: 'athena-add', scope: 'outputs', athena },
    );
    if (!msck || !add) throw new Error('no route');
    expect(toRequest({ route: msck })).toEqual({
      registrar: 'athena',
      request: { database: 'd', table: 'm', mode: 'msck', workGroup: 'analysts', outputLocation: 's3://results/athena/' },
    });
    expect(toRequest({ route: add, s3Uri: 's3://bkt/a/day=1/' }).request).toMatchObject({ mode: 'add', s3Uri: 's3://bkt/a/day=1/' });
  });
});
