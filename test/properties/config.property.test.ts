/**
 * Property-based test of the post-processing configuration's parser (config/post-processing.json):
 * hostile files either parse or fail with a ConfigurationError naming the field, never a crash, a
 * silently dropped key, or a raw control character.
 */
import fc from 'fast-check';
import { ConfigurationError } from '../../lib/core/errors';
import { fieldName } from '../../lib/lambda-step/input-errors';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';
import { configArbitrary } from './config-arbitrary';
import { assertProperty, hostileString, hostileValue, RUNS, withOwnKey } from './hostile';

const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex

/** A route that keeps every rule, then sometimes one field replaced by a hostile value. */
const route = fc
  .tuple(
    fc.constantFrom('glue', 'athena-add', 'athena-msck'),
    fc.constantFrom('analytics', 'sales_db'),
    fc.stringMatching(/^[a-z][a-z0-9_]{2,12}$/),
    fc.option(fc.constantFrom(['Process'], ['Train', 'Score']), { nil: undefined }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('database', 'table', 'location', 'strategy', 'scope', 'trigger', 'steps', 'glue', 'athena', 'other'), hostileValue) },
    ),
  )
  .map(([strategy, database, table, steps, mutation]) => {
    const r: Record<string, unknown> = {
      database,
      table,
      location: `s3://bucket/${table}/`,
      strategy,
      scope: strategy === 'athena-msck' ? 'table' : 'outputs',
      ...(strategy === 'glue' ? { glue: { removeMissing: true } } : { athena: { outputLocation: 's3://results/athena/' } }),
      ...(steps && strategy !== 'athena-msck' ? { steps } : {}),
    };
    if (mutation) withOwnKey(r, mutation[0], mutation[1]);
    return r;
  });

const pipelineName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('my-pipeline', 'My-Pipeline', 'nightly', 'constructor', 'prototype', 'toString') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'pipeline_2023') },
  { weight: 1, arbitrary: hostileString },
);

const config = fc
  .tuple(
    fc.array(fc.tuple(pipelineName, fc.oneof({ weight: 4, arbitrary: fc.record({ routes: fc.array(route, { minLength: 1, maxLength: 3 }) }) }, { weight: 1, arbitrary: hostileValue })), {
      maxLength: 4,
    }),
    fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constant({ logRetentionInDays: 30 }) }, { weight: 1, arbitrary: hostileValue }),
    fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('__proto__', 'extra', 'constructor'), hostileValue) }),
  )
  .map(([pipelines, deploy, extra]) => {
    const record: Record<string, unknown> = {};
    for (const [name, value] of pipelines) withOwnKey(record, name, value);
    const raw: Record<string, unknown> = { pipelines: record };
    if (deploy !== undefined) raw.deploy = deploy;
    if (extra) withOwnKey(raw, extra[0], extra[1]);
    return raw;
  });

describe('parsePostProcessingConfig under generated files', () => {
  it(`parses or names the field at fault, on ${RUNS} files`, async () => {
    await assertProperty(
      fc.asyncProperty(config, async (raw) => {
        let parsed: ReturnType<typeof parsePostProcessingConfig> | undefined;
        try {
          parsed = parsePostProcessingConfig(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          const message = (error as Error).message;
          expect(message).toMatch(/^Invalid config\/post-processing\.json: (pipelines|deploy|extra|constructor|__proto__|event)[.:[ ]/);
          expect(RAW_CONTROL.test(message)).toBe(false);
          return;
        }
        // Accepted: nothing was dropped on the way.
        expect(Object.keys(parsed.pipelines)).toEqual(Object.keys(raw.pipelines as object));
      }),
    );
  });
});

describe('configArbitrary', () => {
  it('generates only files the parser accepts, up to 100 pipelines and 200 routed tables', () => {
    let largest = { pipelines: 0, tables: 0, pipelineName: 0, glueName: 0 };
    const stripped = (names: string[]) => new Set(names.map((n) => n.replace(/[._-]/g, ''))).size < names.length;
    let confusable = { pipelines: false, tables: false };
    fc.assert(
      fc.property(configArbitrary(), (raw) => {
        const parsed = parsePostProcessingConfig(raw);
        const names = Object.keys(parsed.pipelines);
        expect(names).toEqual(Object.keys(raw.pipelines as object));
        const tables = new Set(Object.values(parsed.pipelines).flatMap((p) => p.routes.map((r) => `${r.database}.${r.table}`)));
        expect(names.length).toBeLessThanOrEqual(100);
        expect(tables.size).toBeLessThanOrEqual(200);
        confusable = { pipelines: confusable.pipelines || stripped(names), tables: confusable.tables || stripped([...tables]) };
        largest = {
          pipelines: Math.max(largest.pipelines, names.length),
          tables: Math.max(largest.tables, tables.size),
          pipelineName: Math.max(largest.pipelineName, ...names.map((n) => n.length)),
          glueName: Math.max(largest.glueName, ...[...tables].flatMap((t) => t.split('.').map((s) => s.length))),
        };
      }),
      { numRuns: 40 },
    );
    // The generator reaches the sizes the stack must fit, not only small files.
    expect(largest.pipelineName).toBe(256);
    expect(largest.glueName).toBe(255);
    expect(largest.pipelines).toBeGreaterThan(50);
    expect(largest.tables).toBeGreaterThan(100);
    // Names that logical IDs stripping `.`, `_` and `-` would merge.
    expect(confusable).toEqual({ pipelines: true, tables: true });
  });

  it('honours smaller bounds', () => {
    fc.assert(
      fc.property(configArbitrary({ maxPipelines: 3, maxTables: 5 }), (raw) => {
        const parsed = parsePostProcessingConfig(raw);
        expect(Object.keys(parsed.pipelines).length).toBeLessThanOrEqual(3);
        expect(new Set(Object.values(parsed.pipelines).flatMap((p) => p.routes.map((r) => `${r.database}.${r.table}`))).size).toBeLessThanOrEqual(5);
      }),
      { numRuns: 50 },
    );
  });
});

/** A file using every field once, so that each can be replaced by a hostile value. */
const KMS = 'arn:aws:kms:eu-west-1:111122223333:key/0f0e0d0c-0b0a-4909-8807-060504030201';
const FULL = {
  $comment: 'every field',
  pipelines: {
    'p-1': {
      description: 'd',
      routes: [
        { database: 'db', table: 't', location: 's3://bucket/t/', strategy: 'athena-add', scope: 'outputs', trigger: 'step', steps: ['Process'], athena: { workGroup: 'wg', outputLocation: 's3://results/a/' }, description: 'r' },
        { database: 'db', table: 't2', location: 's3://bucket/t2/', strategy: 'glue', scope: 'table', glue: { removeMissing: true, updateMoved: false, registerDespiteProjection: false } },
      ],
    },
  },
  deploy: {
    vpc: { subnetIds: ['subnet-0a1b'], securityGroupIds: ['sg-0a1b'] },
    costAllocationTag: { key: 'team', value: 'ml' },
    logRetentionInDays: 30,
    lambdaStepPartitions: { databases: ['db'], dataBuckets: ['bucket'] },
    fanOutManifestBuckets: ['bucket'],
    maximumRetryAttempts: 1,
    kms: { tableDataKeys: [KMS] },
    athenaWorkGroups: [{ name: 'wg', outputLocation: 's3://wg-results/x/', resultsKmsKey: KMS }],
    lakeFormation: true,
    alarms: { enabled: true, email: ['ops@example.com'], periodMinutes: 5, functionErrors: 1, functionThrottles: 1, fanOutStalledAfterMinutes: 360 },
  },
};

/** Every path of `value` (objects' keys, lists' items), as the parser's messages write them. */
function pathsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : typeof value === 'object' && value !== null ? Object.entries(value) : [];
  return [...(path.length > 0 ? [path] : []), ...children.flatMap(([k, v]) => pathsOf(v, [...path, k]))];
}
const FIELD_PATHS = pathsOf(FULL);

function withValueAt(path: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(FULL)) as Record<string, unknown>;
  let target: Record<string | number, unknown> = copy;
  path.slice(0, -1).forEach((key) => {
    target = target[key] as Record<string | number, unknown>;
  });
  withOwnKey(target as Record<string, unknown>, String(path[path.length - 1]), value);
  return copy;
}

// Rules that compare fields: their message names the field the rule is written on.
const CROSS_FIELD_RULE = /no Athena route uses workgroup|routed twice|not allowed with|required for strategy|always scans the whole table|not used: scope table|listed twice|expected outputLocation, resultsKmsKey or both|same pipeline as/;

describe('parsePostProcessingConfig with one field replaced', () => {
  it('accepts the file that uses every field', () => {
    expect(() => parsePostProcessingConfig(FULL)).not.toThrow();
  });

  it(`states the rule and names the field of every refusal, never a bare "Invalid input" (${RUNS} runs)`, async () => {
    await assertProperty(
      fc.asyncProperty(fc.constantFrom(...FIELD_PATHS), hostileValue, async (path, value) => {
        const field = fieldName(path);
        try {
          parsePostProcessingConfig(withValueAt(path, value));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          const message = (error as Error).message;
          expect(message).not.toMatch(/Invalid input(?! *:)|: Invalid input/);
          expect(message.includes(field) || CROSS_FIELD_RULE.test(message)).toBe(true);
        }
      }),
    );
  });
});
