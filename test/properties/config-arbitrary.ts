/**
 * Valid config/post-processing.json files, as parsePostProcessingConfig accepts them, at the sizes
 * the stack must deploy: up to 100 pipelines (names of every length up to SageMaker's 256, of every
 * allowed character) and 200 routed tables (names up to Glue's 255, in families that differ only in
 * `.`, `_` or `-`), with every deploy option. Tests of the generated template use it.
 */
import fc from 'fast-check';
import { AWS_LIMITS, LOG_RETENTION_DAYS } from '../../lib/core/aws-limits';
import { isBucketName } from '../../lib/post-processing/config';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}${LOWER.toUpperCase()}0123456789`;
const GLUE_START = `${LOWER}0123456789_`;
const GLUE_REST = `${GLUE_START}-`;

const charFrom = (chars: string) => fc.constantFrom(...chars.split(''));
/** Lengths from 1 to `max`, the bounds and their neighbours as often as the rest. */
const lengthUpTo = (max: number) => fc.oneof(fc.constantFrom(1, 2, max - 1, max), fc.integer({ min: 1, max }));

/** A SageMaker pipeline name: 1-256 of [A-Za-z0-9-], starting and ending with a letter or digit. */
export const pipelineName: fc.Arbitrary<string> = lengthUpTo(AWS_LIMITS.pipelineName.value).chain((length) =>
  length === 1
    ? charFrom(ALNUM)
    : fc
        .tuple(charFrom(ALNUM), fc.array(fc.oneof(charFrom(ALNUM), fc.constant('-')), { minLength: length - 2, maxLength: length - 2 }), charFrom(ALNUM))
        .map(([first, middle, last]) => `${first}${middle.join('')}${last}`),
);

/** Pipeline names that differ only in their hyphens (`ab-cd`, `ab--cd`, `abcd`): distinct pipelines to SageMaker. */
const confusablePipelines: fc.Arbitrary<string[]> = fc
  .array(fc.stringMatching(/^[a-zA-Z0-9]{1,20}$/), { minLength: 2, maxLength: 4 })
  .map((segments) => ['', '-', '--'].map((joiner) => segments.join(joiner)));

/** A Glue database or table name the schema accepts: 1-255 of [a-z0-9_-], not starting with -. */
export const glueName: fc.Arbitrary<string> = lengthUpTo(AWS_LIMITS.glueName.value).chain((length) =>
  fc
    .tuple(charFrom(GLUE_START), fc.array(charFrom(GLUE_REST), { minLength: length - 1, maxLength: length - 1 }))
    .map(([first, rest]) => `${first}${rest.join('')}`),
);

/** An S3 bucket name S3 accepts. */
export const bucketName: fc.Arbitrary<string> = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).filter(isBucketName);

interface Table {
  database: string;
  table: string;
}

/**
 * Tables whose `database.table` differ only in `.`, `_` or `-` (sales_eu.orders, sales-eu.orders,
 * sales.eu_orders...): the names logical IDs that strip those characters would merge.
 */
const confusableTables: fc.Arbitrary<Table[]> = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,20}$/), { minLength: 2, maxLength: 4 })
  .map((segments) => {
    const variants: Table[] = [];
    for (let split = 1; split < segments.length; split += 1) {
      for (const joiner of ['_', '-']) {
        variants.push({ database: segments.slice(0, split).join(joiner), table: segments.slice(split).join(joiner) });
      }
    }
    return variants;
  });

const tableKey = (t: Table) => `${t.database}.${t.table}`;

/** Counts from 0 to `max`, `max` itself as often as the rest (fast-check's arrays stay small otherwise). */
const countUpTo = (max: number) => fc.oneof(fc.constantFrom(0, 1, max), fc.integer({ min: 0, max }));

/** Up to `max` distinct tables: long and short names, and families of confusable names. */
const tables = (max: number): fc.Arbitrary<Table[]> =>
  fc
    .tuple(
      countUpTo(max).chain((n) => fc.array(fc.record({ database: glueName, table: glueName }), { minLength: n, maxLength: n })),
      fc.array(confusableTables, { maxLength: 4 }),
    )
    .map(([plain, families]) => {
      const unique = new Map<string, Table>();
      for (const t of [...families.flat(), ...plain]) unique.set(tableKey(t), t);
      const all = [...unique.values()].slice(0, max);
      return all.length > 0 ? all : [{ database: 'db', table: 't' }];
    });

const stepName = fc.oneof(fc.constantFrom('Process', 'Train', 'Score-1', 'a'), fc.string({ minLength: 1, maxLength: 256 }).filter((s) => !/[*?]/.test(s)));

/** A route to `table` that keeps every cross-field rule of the schema. */
const route = (table: Table, workGroups: readonly string[]) =>
  fc
    .record({
      strategy: fc.constantFrom('glue', 'athena-add', 'athena-msck'),
      scope: fc.constantFrom('table', 'outputs'),
      trigger: fc.option(fc.constantFrom('execution', 'step'), { nil: undefined }),
      steps: fc.option(fc.array(stepName, { minLength: 1, maxLength: 3 }), { nil: undefined }),
      bucket: bucketName,
      workGroup: fc.option(fc.constantFrom(...workGroups), { nil: undefined }),
      glue: fc.option(fc.record({ removeMissing: fc.boolean(), updateMoved: fc.boolean(), registerDespiteProjection: fc.boolean() }, { requiredKeys: [] }), { nil: undefined }),
      description: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
    })
    .map(({ strategy, scope, trigger, steps, bucket, workGroup, glue, description }) => {
      const effectiveScope = strategy === 'athena-msck' ? 'table' : scope;
      const stepsUsed = steps !== undefined && (effectiveScope === 'outputs' || trigger === 'step');
      return {
        database: table.database,
        table: table.table,
        location: `s3://${bucket}/${table.database}/${table.table}/`,
        strategy,
        scope: effectiveScope,
        ...(trigger === undefined ? {} : { trigger }),
        ...(stepsUsed ? { steps } : {}),
        ...(strategy === 'glue'
          ? glue === undefined
            ? {}
            : { glue }
          : { athena: { outputLocation: `s3://${bucket}/athena-results/`, ...(workGroup === undefined ? {} : { workGroup }) } }),
        ...(description === undefined ? {} : { description }),
      };
    });

const KMS_KEY = fc
  .tuple(fc.constantFrom('aws', 'aws-cn', 'aws-us-gov'), fc.constantFrom('eu-west-1', 'us-east-1', 'ap-southeast-5'), fc.stringMatching(/^\d{12}$/), fc.uuid({ version: 4 }))
  .map(([partition, region, account, id]) => `arn:${partition}:kms:${region}:${account}:key/${id}`);

/** A tag key AWS and osls's provider.tags accept (A-Za-z0-9, space, `_ . : / = + -`), not aws:-prefixed. */
const tagKey = fc
  .array(fc.oneof(fc.constantFrom(...'_.:/=+- '.split('')), charFrom(ALNUM)), { minLength: 1, maxLength: AWS_LIMITS.tagKey.value })
  .map((c) => c.join(''))
  .filter((k) => !/^aws:/i.test(k));
const tagValue = fc.array(fc.oneof(fc.constantFrom(...'_.:/=+-@ '.split('')), charFrom(ALNUM), fc.constantFrom('é', '値')), { maxLength: AWS_LIMITS.tagValue.value }).map((c) => c.join(''));

const alarms = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      enabled: fc.boolean(),
      email: fc.array(fc.constantFrom('ops@example.com', 'ml-team@example.org', 'a@b.co'), { minLength: 1, maxLength: 10 }),
      periodMinutes: fc.constantFrom(1, 5, 15, 60),
      functionErrors: fc.integer({ min: 1, max: 100_000 }),
      functionThrottles: fc.integer({ min: 1, max: 100_000 }),
      fanOutStalledAfterMinutes: fc.integer({ min: 15, max: 40_320 }),
    },
    { requiredKeys: [] },
  ),
  fc.record({ topicArn: fc.constant('arn:aws:sns:eu-west-1:111122223333:ops-alarms'), enabled: fc.boolean() }, { requiredKeys: ['topicArn'] }),
);

/** The deploy options; athenaWorkGroups only names workgroups the routes use (a schema rule). */
const deploy = (usedWorkGroups: readonly string[]) =>
  fc.record(
    {
      vpc: fc.record({ subnetIds: fc.array(fc.stringMatching(/^subnet-[0-9a-f]{8,17}$/), { minLength: 1, maxLength: 3 }), securityGroupIds: fc.array(fc.stringMatching(/^sg-[0-9a-f]{8,17}$/), { minLength: 1, maxLength: 3 }) }),
      costAllocationTag: fc.record({ key: tagKey, value: tagValue }),
      logRetentionInDays: fc.constantFrom(...LOG_RETENTION_DAYS),
      lambdaStepPartitions: fc.record({ databases: fc.array(glueName, { minLength: 1, maxLength: 5 }), dataBuckets: fc.array(bucketName, { minLength: 1, maxLength: 5 }) }),
      fanOutManifestBuckets: fc.array(bucketName, { minLength: 1, maxLength: 5 }),
      maximumRetryAttempts: fc.integer({ min: 0, max: 2 }),
      kms: fc.record({ tableDataKeys: fc.array(KMS_KEY, { minLength: 1, maxLength: 3 }) }),
      ...(usedWorkGroups.length > 0
        ? {
            athenaWorkGroups: fc
              .subarray([...usedWorkGroups], { minLength: 1 })
              .chain((names) => fc.tuple(...names.map((name) => fc.record({ name: fc.constant(name), outputLocation: bucketName.map((b) => `s3://${b}/wg/`), resultsKmsKey: KMS_KEY }, { requiredKeys: ['name', 'outputLocation'] })))),
          }
        : {}),
      lakeFormation: fc.boolean(),
      alarms: alarms.filter((a) => a !== undefined),
    },
    { requiredKeys: [] },
  );

export interface ConfigArbitraryOptions {
  /** At most this many pipelines (default 100). */
  maxPipelines?: number;
  /** At most this many distinct routed tables (default 200). */
  maxTables?: number;
}

/**
 * Valid configuration files with up to `maxPipelines` pipelines and `maxTables` routed tables; every
 * table is routed by at least one pipeline, and each pipeline routes a table at most once. Some
 * pipeline names differ only in hyphens, some table names only in `.`, `_` or `-` (Glue names are
 * lower case here, and pipeline names differing only in case are refused: no case variants).
 */
export function configArbitrary(opts: ConfigArbitraryOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const maxPipelines = opts.maxPipelines ?? 100;
  const maxTables = opts.maxTables ?? 200;
  const workGroups = ['primary', 'analytics', 'wg.team-1'];
  return fc
    .tuple(
      fc
        .tuple(
          countUpTo(maxPipelines).chain((n) => fc.uniqueArray(pipelineName, { minLength: n, maxLength: n, selector: (name) => name.toLowerCase() })),
          fc.array(confusablePipelines, { maxLength: 3 }),
        )
        .map(([plain, families]) => {
          // Names are compared without case (a schema rule): keep the first of each.
          const unique = new Map<string, string>();
          for (const name of [...families.flat(), ...plain]) if (!unique.has(name.toLowerCase())) unique.set(name.toLowerCase(), name);
          return [...unique.values()].slice(0, maxPipelines);
        }),
      tables(maxTables),
      fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
    )
    .chain(([names, routed, comment]) => {
      // Each table goes to one pipeline round-robin; some pipelines get more tables at random.
      const assigned: Table[][] = names.map(() => []);
      routed.forEach((t, i) => assigned[i % Math.max(1, names.length)]?.push(t));
      const pipelines = names.map((_, i) => {
        const own = assigned[i] ?? [];
        return fc
          .subarray(routed, { maxLength: Math.min(3, routed.length) })
          .map((extra) => [...own, ...extra.filter((t) => !own.some((o) => tableKey(o) === tableKey(t)))])
          .map((ts) => (ts.length > 0 ? ts : routed.slice(0, 1)))
          .chain((ts) => fc.tuple(...ts.map((t) => route(t, workGroups))))
          .chain((routes) => fc.record({ routes: fc.constant(routes), description: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }) }))
          .map(({ routes, description }) => (description === undefined ? { routes } : { description, routes }));
      });
      return fc.tuple(fc.tuple(...pipelines), fc.constant(names), fc.constant(comment));
    })
    .chain(([pipelines, names, comment]) => {
      const used = new Set<string>();
      for (const p of pipelines) {
        for (const r of p.routes) if ('athena' in r) used.add(r.athena.workGroup ?? 'primary');
      }
      return fc.option(deploy([...used]), { nil: undefined }).map((d) => {
        const file: Record<string, unknown> = { pipelines: Object.fromEntries(names.map((name, i) => [name, pipelines[i]])) };
        if (comment !== undefined) file.$comment = comment;
        if (d !== undefined) file.deploy = d;
        return file;
      });
    });
}
