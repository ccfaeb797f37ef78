/**
 * The operator's post-processing configuration (config/post-processing.json): for each pipeline, the
 * Glue tables to update when it succeeds, and the deploy options. One schema serves the tests, the
 * deploy (infra/serverless.js loads it through tsx) and the function's cold start.
 */
import * as z from 'zod/mini';
import { AWS_LIMITS, LOG_RETENTION_DAYS, RESERVED_TAG_PREFIX, TAG_CHARACTERS } from '../core/aws-limits';
import { ConfigurationError, escapeControlCharacters } from '../core/errors';
import { fieldName, formatInputIssues } from '../lambda-step/input-errors';
import { findInputHazards } from '../lambda-step/inputs';

// CreatePipeline's name pattern: letters, digits and single or repeated hyphens. Its {0,255} counts
// groups, not characters (`a-b-b...` of 511 matches): the 256-character limit is checked apart.
const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
const isPipelineName = (name: string) => name.length <= AWS_LIMITS.pipelineName.value && PIPELINE_NAME.test(name);
const PIPELINE_NAME_RULE = `expected a SageMaker pipeline name (1-${AWS_LIMITS.pipelineName.value} of a-z A-Z 0-9 -, starting and ending with a letter or digit)`;
// Glue stores names in lower case and IAM matches ARNs as written: only lower case is accepted, so
// the policy's table ARNs are the ones Glue authorises.
const GLUE_NAME = new RegExp(`^[a-z0-9_][a-z0-9_-]{0,${AWS_LIMITS.glueName.value - 1}}$`);
const glueNameRule = (what: string) => `expected a lower-case Glue ${what} name (1-${AWS_LIMITS.glueName.value} of a-z 0-9 _ -, not starting with -)`;
// `*`, `?` are IAM wildcards and `${` a CloudFormation Fn::Sub reference: never let a location widen
// or rewrite the policy it is written into.
const S3_URI = /^s3:\/\/([^/]*)(\/[^*?$\s]*)?$/;
const WORK_GROUP = new RegExp(`^[a-zA-Z0-9._-]{1,${AWS_LIMITS.athenaWorkGroupName.value}}$`);
const BUCKET = new RegExp(`^[a-z0-9][a-z0-9.-]{1,${AWS_LIMITS.bucketName.value - 2}}[a-z0-9]$`);
// A SageMaker pipeline name, or a pattern of them with IAM's wildcards.
const CHILD_PIPELINES = new RegExp(`^[a-zA-Z0-9*?-]{1,${AWS_LIMITS.pipelineName.value}}$`);
const BUCKET_RULE = `expected an S3 bucket name (3-${AWS_LIMITS.bucketName.value} of a-z 0-9 . -, starting and ending with a letter or digit, no "..", not an IP address, no reserved prefix or suffix)`;
// Prefixes and suffixes S3 reserves (bucket naming rules).
const RESERVED_BUCKET = /^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/;
// A KMS key ARN (key id or multi-Region key id): IAM authorises KMS use on the key ARN, never on an alias.
const KMS_KEY_ARN =
  /^arn:aws(-cn|-us-gov|-iso|-iso-[a-z])?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** A general purpose bucket name S3 accepts (bucket naming rules). */
export const isBucketName = (name: string): boolean =>
  BUCKET.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name) && !RESERVED_BUCKET.test(name);

const text = (pattern: RegExp, error: string) => z.string({ error }).check(z.regex(pattern, { error }));
const bucketName = () => z.string({ error: BUCKET_RULE }).check(z.refine(isBucketName, { error: BUCKET_RULE }));
const S3_URI_RULE = 'expected an s3://bucket/prefix/ URI (a valid bucket name; no *, ? or $ in the prefix)';
const s3Uri = () =>
  z.string({ error: S3_URI_RULE }).check(
    z.refine((uri) => {
      const match = S3_URI.exec(uri);
      return match !== null && isBucketName(match[1] ?? '');
    }, { error: S3_URI_RULE }),
  );
const kmsKeyArn = () => text(KMS_KEY_ARN, 'expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; not an alias)');
const workGroupName = () => text(WORK_GROUP, `expected an Athena workgroup name (1-${AWS_LIMITS.athenaWorkGroupName.value} of a-zA-Z0-9 . _ -)`);
const glueName = (what: string) => text(GLUE_NAME, glueNameRule(what));

/** A whole number from `min` to `max`, the refusal stating the range. */
const wholeNumber = (min: number, max: number, unit: string) => {
  const error = `expected a whole number of ${unit} from ${min} to ${max}`;
  return z.int({ error }).check(z.gte(min, { error }), z.lte(max, { error }));
};

/** A list of `min` to `max` items, the refusal stating the bounds. */
const list = <T extends z.ZodMiniType>(item: T, what: string, min = 1, max?: number) => {
  const error = max === undefined ? `expected a list of at least ${min} ${what}` : `expected a list of ${min} to ${max} ${what}`;
  const checks = max === undefined ? [z.minLength(min, { error })] : [z.minLength(min, { error }), z.maxLength(max, { error })];
  return z.array(item, { error }).check(...checks);
};

// Step names are matched exactly: `*` or `?` would read as a wildcard and match nothing.
const STEP_NAME_LENGTH = 256;
const stepName = () => {
  const length = `expected a step name of 1-${STEP_NAME_LENGTH} characters`;
  return z.string({ error: length }).check(
    z.minLength(1, { error: length }),
    z.maxLength(STEP_NAME_LENGTH, { error: length }),
    z.regex(/^[^*?]*$/, { error: 'an exact step name, not a pattern: * and ? match no step (leave steps out to match every step)' }),
  );
};

// The tag goes to osls's provider.tags and stackTags, whose schema takes fewer key characters than
// AWS (ASCII letters and digits, space, _ . / = + : -; no @, no other script): both must accept it.
const OSLS_TAG_KEY = /^[A-Za-z0-9_./=+: -]*$/;
const TAG_KEY_RULE = `expected a tag key of 1-${AWS_LIMITS.tagKey.value} of A-Z a-z 0-9, space and _ . : / = + - (AWS's and osls's rules)`;
const TAG_VALUE_RULE = `expected a tag value of 0-${AWS_LIMITS.tagValue.value} letters, digits, spaces and _ . : / = + - @`;
const CostAllocationTag = z.strictObject({
  key: z.string({ error: TAG_KEY_RULE }).check(
    z.minLength(1, { error: TAG_KEY_RULE }),
    z.maxLength(AWS_LIMITS.tagKey.value, { error: TAG_KEY_RULE }),
    z.regex(TAG_CHARACTERS, { error: TAG_KEY_RULE }),
    z.regex(OSLS_TAG_KEY, { error: TAG_KEY_RULE }),
    z.refine((key) => !RESERVED_TAG_PREFIX.test(key), { error: 'the aws: prefix is reserved for AWS, in any case (aws:, AWS:, Aws:)' }),
  ),
  value: z.string({ error: TAG_VALUE_RULE }).check(z.maxLength(AWS_LIMITS.tagValue.value, { error: TAG_VALUE_RULE }), z.regex(TAG_CHARACTERS, { error: TAG_VALUE_RULE })),
});

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
  database: glueName('database'),
  table: glueName('table'),
  /** The table's S3 Location, as in the catalog: it scopes the IAM policy and filters the outputs. */
  location: s3Uri(),
  strategy: z.enum(['glue', 'athena-msck', 'athena-add'], { error: 'expected one of glue | athena-msck | athena-add' }),
  scope: z.enum(['table', 'outputs'], { error: 'expected one of table | outputs' }),
  trigger: z.optional(z.enum(['execution', 'step'], { error: 'expected one of execution | step' })),
  /** Only these processing steps count (their outputs, or their success with trigger `step`). */
  steps: z.optional(list(stepName(), 'step names')),
  glue: z.optional(GlueOptions),
  athena: z.optional(AthenaOptions),
  description: z.optional(z.string()),
});
export type Route = z.infer<typeof Route>;

const Pipeline = z.strictObject({
  description: z.optional(z.string()),
  routes: z.array(Route, { error: 'expected a list of routes' }).check(z.minLength(1, { error: 'expected at least one route' })),
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
  email: z.optional(list(text(EMAIL, 'expected an e-mail address'), 'e-mail addresses', 1, 10)),
  /** An existing SNS topic to send the alarms to, instead of a topic in the stack. */
  topicArn: z.optional(text(SNS_TOPIC_ARN, 'expected a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>, no .fifo)')),
  /** The period the alarms evaluate, in minutes. Default 5. */
  periodMinutes: z.optional(
    z.union(ALARM_PERIODS_MINUTES.map((m) => z.literal(m)), { error: `expected one of ${ALARM_PERIODS_MINUTES.join(', ')}` }),
  ),
  /** Errors of one function within a period that fire its alarm. Default 1. */
  functionErrors: z.optional(wholeNumber(1, 100_000, 'errors')),
  /** Throttled invocations of one function within a period that fire its alarm. Default 1. */
  functionThrottles: z.optional(wholeNumber(1, 100_000, 'throttles')),
  /** Minutes a running fan-out may go without a child end before it counts as stalled. Default 360. */
  fanOutStalledAfterMinutes: z.optional(wholeNumber(15, 40_320, 'minutes')),
});

const DeployOptions = z.strictObject({
  vpc: z.optional(
    z.strictObject({
      subnetIds: list(text(/^subnet-[0-9a-f]+$/, 'expected a subnet id (subnet-...)'), 'subnet ids'),
      securityGroupIds: list(text(/^sg-[0-9a-f]+$/, 'expected a security group id (sg-...)'), 'security group ids'),
    }),
  ),
  costAllocationTag: z.optional(CostAllocationTag),
  logRetentionInDays: z.optional(
    z.union(LOG_RETENTION_DAYS.map((d) => z.literal(d)), {
      error: `expected one of ${LOG_RETENTION_DAYS.join(', ')} (the retention days CloudWatch Logs accepts)`,
    }),
  ),
  /**
   * What the LambdaStep partition functions (createPartitions, repairTable) may touch. Their table is
   * a step input, so without this their roles cover every database and data bucket of the account.
   */
  lambdaStepPartitions: z.optional(
    z.strictObject({
      databases: list(glueName('database'), 'Glue database names'),
      dataBuckets: list(bucketName(), 'bucket names'),
    }),
  ),
  /**
   * The buckets fan-out manifests (`itemsS3Uri`) may be read from: s3:GetObject on their objects for
   * startChildPipelines and fanOutCallback. Without it, objects of every bucket.
   */
  fanOutManifestBuckets: z.optional(list(bucketName(), 'bucket names')),
  /**
   * The buckets fan-out results (`resultsS3Uri`) may be written to: s3:PutObject on their objects for
   * the fan-in functions. Without it, none (a fan-out asking for results is refused).
   */
  fanOutResultsBuckets: z.optional(list(bucketName(), 'bucket names', 0)),
  /** The child pipelines the fan-out functions may start, stop and retry: a name or IAM pattern (`child-*`). Default `*`. */
  childPipelines: z.optional(text(CHILD_PIPELINES, 'expected a pipeline name or pattern (letters, digits, -, IAM wildcards * and ?; 1-256 chars)')),
  /** Lambda's asynchronous retries before the event goes to the on-failure queue (Lambda allows 0-2). */
  maximumRetryAttempts: z.optional(wholeNumber(0, 2, 'retries')),
  /** KMS keys of the routed tables' data (SSE-KMS): kms:Decrypt on exactly these for the function reading it. */
  kms: z.optional(
    z.strictObject({
      tableDataKeys: list(kmsKeyArn(), 'KMS key ARNs'),
    }),
  ),
  /**
   * What the routes' Athena workgroups impose: the result location a workgroup enforces (it overrides
   * the route's outputLocation) and the KMS key its results are encrypted with. docs/iam.md.
   */
  athenaWorkGroups: z.optional(
    list(
      z.strictObject({
        name: workGroupName(),
        outputLocation: z.optional(s3Uri()),
        resultsKmsKey: z.optional(kmsKeyArn()),
      }),
      'workgroups',
    ),
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
    if (!isPipelineName(name)) {
      problems.push({ path: at, message: PIPELINE_NAME_RULE });
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
 * The rule an issue breaks, for a check declared without its own message (zod/mini says only
 * "Invalid input"): every refusal states what was expected.
 */
function explainIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.message !== 'Invalid input') return issue;
  const unit = (origin: string) => (origin === 'array' || origin === 'set' ? ' items' : origin === 'string' ? ' characters' : '');
  switch (issue.code) {
    case 'too_small':
      return { ...issue, message: `expected at least ${String(issue.minimum)}${unit(issue.origin)}` };
    case 'too_big':
      return { ...issue, message: `expected at most ${String(issue.maximum)}${unit(issue.origin)}` };
    case 'invalid_format':
      return { ...issue, message: `expected ${issue.format === 'regex' && 'pattern' in issue ? `text matching ${String(issue.pattern)}` : `a ${issue.format}`}` };
    case 'invalid_value':
      return { ...issue, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'not_multiple_of':
      return { ...issue, message: `expected a multiple of ${String(issue.divisor)}` };
    case 'invalid_type':
      return issue;
    default:
      return { ...issue, message: `refused (${issue.code})` };
  }
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
    const detail = formatInputIssues(parsed.error.issues.map(explainIssue), 4000).replace(/^Invalid input: /, '');
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
