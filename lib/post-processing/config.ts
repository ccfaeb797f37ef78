/**
 * The operator's post-processing configuration (config/post-processing.json): for each pipeline, the
 * Glue tables to update when it succeeds, and the deploy options. One schema serves the tests, the
 * deploy (infra/serverless.js loads it through tsx) and the function's cold start.
 */
import * as z from 'zod/mini';
import { ConfigurationError, escapeControlCharacters } from '../core/errors';
import { fieldName, formatInputIssues } from '../lambda-step/input-errors';
import { findInputHazards } from '../lambda-step/inputs';

// CreatePipeline's name pattern: letters, digits and single or repeated hyphens, 1-256 chars.
const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
// Glue stores names in lower case and IAM matches ARNs as written: only lower case is accepted, so
// the policy's table ARNs are the ones Glue authorises.
const GLUE_NAME = /^[a-z0-9_][a-z0-9_-]{0,254}$/;
// `*`, `?` are IAM wildcards and `${` a CloudFormation Fn::Sub reference: never let a location widen
// or rewrite the policy it is written into.
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^*?$\s]*)?$/;
const WORK_GROUP = /^[a-zA-Z0-9._-]{1,128}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// A SageMaker pipeline name, or a pattern of them with IAM's wildcards.
const CHILD_PIPELINES = /^[a-zA-Z0-9*?-]{1,256}$/;
// A KMS key ARN (key id or multi-Region key id): IAM authorises KMS use on the key ARN, never on an alias.
const KMS_KEY_ARN =
  /^arn:aws(-cn|-us-gov|-iso|-iso-[a-z])?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const text = (pattern: RegExp, error: string) => z.string().check(z.regex(pattern, { error }));
const s3Uri = () => text(S3_URI, 'expected an s3://bucket/prefix/ URI (bucket: 3-63 of a-z 0-9 . -; no *, ? or $)');
const kmsKeyArn = () => text(KMS_KEY_ARN, 'expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; not an alias)');
const workGroupName = () => text(WORK_GROUP, 'expected an Athena workgroup name ([a-zA-Z0-9._-], 1-128 chars)');

// Step names are matched exactly: `*` or `?` would read as a wildcard and match nothing.
const stepName = () =>
  z.string().check(
    z.minLength(1),
    z.maxLength(256),
    z.regex(/^[^*?]*$/, { error: 'an exact step name, not a pattern: * and ? match no step (leave steps out to match every step)' }),
  );

const GlueOptions = z.strictObject({
  removeMissing: z.optional(z.boolean()),
  updateMoved: z.optional(z.boolean()),
  /** Register even on a table with Athena partition projection enabled (Athena ignores registered partitions). */
  registerDespiteProjection: z.optional(z.boolean()),
});

const AthenaOptions = z.strictObject({
  workGroup: z.optional(workGroupName()),
  outputLocation: s3Uri(),
});

export const Route = z.strictObject({
  database: text(GLUE_NAME, 'expected a lower-case Glue database name ([a-z0-9_-])'),
  table: text(GLUE_NAME, 'expected a lower-case Glue table name ([a-z0-9_-])'),
  /** The table's S3 Location, as in the catalog: it scopes the IAM policy and filters the outputs. */
  location: s3Uri(),
  strategy: z.enum(['glue', 'athena-msck', 'athena-add'], { error: 'expected one of glue | athena-msck | athena-add' }),
  scope: z.enum(['table', 'outputs'], { error: 'expected one of table | outputs' }),
  trigger: z.optional(z.enum(['execution', 'step'], { error: 'expected one of execution | step' })),
  /** Only these processing steps count (their outputs, or their success with trigger `step`). */
  steps: z.optional(z.array(stepName()).check(z.minLength(1))),
  glue: z.optional(GlueOptions),
  athena: z.optional(AthenaOptions),
  description: z.optional(z.string()),
});
export type Route = z.infer<typeof Route>;

const Pipeline = z.strictObject({
  description: z.optional(z.string()),
  routes: z.array(Route).check(z.minLength(1, { error: 'expected at least one route' })),
});

// An existing standard topic (CloudWatch alarms cannot publish to FIFO topics).
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ALARM_PERIODS_MINUTES = [1, 5, 15, 60] as const;

/** The stack's CloudWatch alarms (infra/monitoring.ts); every field has a default. */
const AlarmOptions = z.strictObject({
  /** false: no alarm, no topic (the dashboard stays). Default true. */
  enabled: z.optional(z.boolean()),
  /** E-mail addresses subscribed to the stack's alarm topic (each confirms by mail). */
  email: z.optional(z.array(text(EMAIL, 'expected an e-mail address')).check(z.minLength(1), z.maxLength(10))),
  /** An existing SNS topic to send the alarms to, instead of a topic in the stack. */
  topicArn: z.optional(text(SNS_TOPIC_ARN, 'expected a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>, no .fifo)')),
  /** The period the alarms evaluate, in minutes. Default 5. */
  periodMinutes: z.optional(
    z.union(ALARM_PERIODS_MINUTES.map((m) => z.literal(m)), { error: `expected one of ${ALARM_PERIODS_MINUTES.join(', ')}` }),
  ),
  /** Errors of one function within a period that fire its alarm. Default 1. */
  functionErrors: z.optional(z.int().check(z.gte(1), z.lte(100_000))),
  /** Throttled invocations of one function within a period that fire its alarm. Default 1. */
  functionThrottles: z.optional(z.int().check(z.gte(1), z.lte(100_000))),
  /** Minutes a running fan-out may go without a child end before it counts as stalled. Default 360. */
  fanOutStalledAfterMinutes: z.optional(z.int().check(z.gte(15), z.lte(40_320))),
});

const DeployOptions = z.strictObject({
  vpc: z.optional(
    z.strictObject({
      subnetIds: z.array(text(/^subnet-[0-9a-f]+$/, 'expected a subnet id (subnet-...)')).check(z.minLength(1)),
      securityGroupIds: z.array(text(/^sg-[0-9a-f]+$/, 'expected a security group id (sg-...)')).check(z.minLength(1)),
    }),
  ),
  costAllocationTag: z.optional(
    z.strictObject({
      key: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^(?!aws:)/, { error: 'the aws: prefix is reserved' })),
      value: z.string().check(z.maxLength(256)),
    }),
  ),
  logRetentionInDays: z.optional(
    z.union(LOG_RETENTION_DAYS.map((d) => z.literal(d)), {
      error: `expected one of ${LOG_RETENTION_DAYS.join(', ')} (CloudWatch Logs retention values)`,
    }),
  ),
  /**
   * What the LambdaStep partition functions (createPartitions, repairTable) may touch. Their table is
   * a step input, so without this their roles cover every database and data bucket of the account.
   */
  lambdaStepPartitions: z.optional(
    z.strictObject({
      databases: z.array(text(GLUE_NAME, 'expected a lower-case Glue database name ([a-z0-9_-])')).check(z.minLength(1)),
      dataBuckets: z.array(text(BUCKET, 'expected an S3 bucket name (3-63 of a-z 0-9 . -)')).check(z.minLength(1)),
    }),
  ),
  /**
   * The buckets fan-out manifests (`itemsS3Uri`) may be read from: s3:GetObject on their objects for
   * startChildPipelines and fanOutCallback. Without it, objects of every bucket.
   */
  fanOutManifestBuckets: z.optional(z.array(text(BUCKET, 'expected an S3 bucket name (3-63 of a-z 0-9 . -)')).check(z.minLength(1))),
  /**
   * The buckets fan-out results (`resultsS3Uri`) may be written to: s3:PutObject on their objects for
   * the fan-in functions. Without it, none (a fan-out asking for results is refused).
   */
  fanOutResultsBuckets: z.optional(z.array(text(BUCKET, 'expected an S3 bucket name (3-63 of a-z 0-9 . -)'))),
  /** The child pipelines the fan-out functions may start, stop and retry: a name or IAM pattern (`child-*`). Default `*`. */
  childPipelines: z.optional(text(CHILD_PIPELINES, 'expected a pipeline name or pattern (letters, digits, -, IAM wildcards * and ?; 1-256 chars)')),
  /** Lambda's asynchronous retries before the event goes to the on-failure queue (Lambda allows 0-2). */
  maximumRetryAttempts: z.optional(z.int().check(z.gte(0), z.lte(2))),
  /** KMS keys of the routed tables' data (SSE-KMS): kms:Decrypt on exactly these for the function reading it. */
  kms: z.optional(
    z.strictObject({
      tableDataKeys: z.array(kmsKeyArn()).check(z.minLength(1)),
    }),
  ),
  /**
   * What the routes' Athena workgroups impose: the result location a workgroup enforces (it overrides
   * the route's outputLocation) and the KMS key its results are encrypted with. docs/iam.md.
   */
  athenaWorkGroups: z.optional(
    z
      .array(
        z.strictObject({
          name: workGroupName(),
          outputLocation: z.optional(s3Uri()),
          resultsKmsKey: z.optional(kmsKeyArn()),
        }),
      )
      .check(z.minLength(1)),
  ),
  /** The routed tables are governed by Lake Formation: Athena callers get lakeformation:GetDataAccess. */
  lakeFormation: z.optional(z.boolean()),
  alarms: z.optional(AlarmOptions),
});

export const PostProcessingConfig = z.strictObject({
  $comment: z.optional(z.string()),
  pipelines: z.record(z.string(), Pipeline),
  deploy: z.optional(DeployOptions),
});
export type PostProcessingConfig = z.infer<typeof PostProcessingConfig>;

interface Problem {
  path: string;
  message: string;
}

/** The rules one field's schema cannot express: they compare fields and routes. */
function semanticProblems(config: PostProcessingConfig): Problem[] {
  const problems: Problem[] = [];
  const seenPipelines = new Map<string, string>();
  for (const [name, pipeline] of Object.entries(config.pipelines)) {
    const at = `pipelines.${name}`;
    if (!PIPELINE_NAME.test(name)) {
      problems.push({ path: at, message: 'expected a SageMaker pipeline name (letters, digits, hyphens)' });
    }
    const other = seenPipelines.get(name.toLowerCase());
    // Pipeline ARNs are compared without case (see routing.ts): two keys would route the same events.
    if (other !== undefined) problems.push({ path: at, message: `same pipeline as ${other} (names are compared case-insensitively)` });
    seenPipelines.set(name.toLowerCase(), name);

    const seenRoutes = new Set<string>();
    pipeline.routes.forEach((route, i) => {
      const r = `${at}.routes[${i}]`;
      const key = `${route.database}.${route.table}`;
      if (seenRoutes.has(key)) problems.push({ path: `${r}.table`, message: `${key} is routed twice for this pipeline` });
      seenRoutes.add(key);
      if (route.strategy === 'athena-msck' && route.scope === 'outputs') {
        problems.push({
          path: `${r}.scope`,
          message: 'athena-msck always scans the whole table: use scope table, or strategy athena-add or glue to scope to outputs',
        });
      }
      const athena = route.strategy !== 'glue';
      if (athena && route.athena === undefined) {
        problems.push({ path: `${r}.athena`, message: `required for strategy ${route.strategy} (outputLocation, workGroup)` });
      }
      if (athena && route.glue !== undefined) problems.push({ path: `${r}.glue`, message: `not allowed with strategy ${route.strategy}` });
      if (!athena && route.athena !== undefined) problems.push({ path: `${r}.athena`, message: 'not allowed with strategy glue' });
      if (route.steps !== undefined && route.scope === 'table' && triggerOf(route) === 'execution') {
        problems.push({
          path: `${r}.steps`,
          message: 'not used: scope table with trigger execution registers the whole table whatever the steps (use scope outputs or trigger step)',
        });
      }
    });
  }
  const alarms = config.deploy?.alarms;
  if (alarms?.topicArn !== undefined && alarms.email !== undefined) {
    problems.push({ path: 'deploy.alarms.email', message: 'not allowed with topicArn: subscribe to the existing topic where it is managed' });
  }
  return problems;
}

/** The deploy options' cross-field rules: each workgroup listed once, and used by an Athena route. */
function deployProblems(config: PostProcessingConfig): Problem[] {
  const used = new Set(
    Object.values(config.pipelines).flatMap((p) => p.routes.filter((r) => r.strategy !== 'glue').map((r) => r.athena?.workGroup ?? 'primary')),
  );
  const seen = new Set<string>();
  const problems: Problem[] = [];
  (config.deploy?.athenaWorkGroups ?? []).forEach((wg, i) => {
    const at = `deploy.athenaWorkGroups[${i}]`;
    if (seen.has(wg.name)) problems.push({ path: `${at}.name`, message: `${wg.name} is listed twice` });
    seen.add(wg.name);
    if (!used.has(wg.name)) problems.push({ path: `${at}.name`, message: `no Athena route uses workgroup ${wg.name}` });
    if (wg.outputLocation === undefined && wg.resultsKmsKey === undefined) {
      problems.push({ path: at, message: 'expected outputLocation, resultsKmsKey or both' });
    }
  });
  return problems;
}

/**
 * Validates a parsed config file. Throws a ConfigurationError whose message names every bad field
 * (`pipelines.x.routes[0].strategy: ...`).
 */
export function parsePostProcessingConfig(raw: unknown, source = 'config/post-processing.json'): PostProcessingConfig {
  // A `__proto__` pipeline would vanish from the parsed record, unvalidated: refused by name.
  const hazards = findInputHazards(raw);
  if (hazards.length > 0) {
    throw new ConfigurationError(`Invalid ${source}: ${hazards.map((h) => `${fieldName(h.path)}: ${h.message}`).join('; ')}`);
  }
  const parsed = PostProcessingConfig.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const detail = formatInputIssues(parsed.error.issues, 4000).replace(/^Invalid input: /, '');
    throw new ConfigurationError(`Invalid ${source}: ${detail}`);
  }
  const problems = [...semanticProblems(parsed.data), ...deployProblems(parsed.data)];
  if (problems.length > 0) {
    throw new ConfigurationError(escapeControlCharacters(`Invalid ${source}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`));
  }
  return parsed.data;
}

type Deploy = NonNullable<PostProcessingConfig['deploy']>;
/** The deploy options with their defaults applied: every option of the schema, so none is lost on the way. */
export type ResolvedDeployOptions = Omit<Deploy, 'logRetentionInDays' | 'maximumRetryAttempts' | 'fanOutResultsBuckets' | 'childPipelines'> & {
  logRetentionInDays: NonNullable<Deploy['logRetentionInDays']>;
  maximumRetryAttempts: number;
  fanOutResultsBuckets: string[];
  childPipelines: string;
};

/** The deploy options with their defaults applied. */
export function deployOptions(config: PostProcessingConfig): ResolvedDeployOptions {
  const deploy = config.deploy ?? {};
  return {
    ...deploy,
    logRetentionInDays: deploy.logRetentionInDays ?? 30,
    maximumRetryAttempts: deploy.maximumRetryAttempts ?? 2,
    fanOutResultsBuckets: deploy.fanOutResultsBuckets ?? [],
    childPipelines: deploy.childPipelines ?? '*',
  };
}

/** deploy.alarms with its defaults applied. */
export function alarmOptions(config: PostProcessingConfig) {
  const alarms = config.deploy?.alarms;
  return {
    enabled: alarms?.enabled ?? true,
    email: alarms?.email ?? [],
    topicArn: alarms?.topicArn,
    periodMinutes: alarms?.periodMinutes ?? 5,
    functionErrors: alarms?.functionErrors ?? 1,
    functionThrottles: alarms?.functionThrottles ?? 1,
    fanOutStalledAfterMinutes: alarms?.fanOutStalledAfterMinutes ?? 360,
  };
}

/** The trigger of a route, default `execution`. */
export const triggerOf = (route: Route): 'execution' | 'step' => route.trigger ?? 'execution';
