/**
 * Checks a compiled CloudFormation template (as osls writes it) against the AWS limits of
 * lib/core/aws-limits.ts, so that what cannot deploy fails `sls package`, not `sls deploy`.
 * Pure: no osls, no AWS call.
 *
 * Values built with intrinsic functions are measured at their longest: the literal text of an
 * `Fn::Sub` plus an allowance per substitution (PSEUDO_PARAMETER_LENGTHS; a resource's name or ARN
 * REFERENCE_LENGTH), `Fn::Join` as its joined parts, `Fn::If`/`Fn::Select` as their longest option.
 */
import { ConfigurationError } from '../lib/core/errors';
import { AWS_LIMITS, RESERVED_TAG_PREFIX, TAG_CHARACTERS, describeLimit, type LimitName } from '../lib/core/aws-limits';

export { AWS_LIMITS, type AwsLimit, type LimitName } from '../lib/core/aws-limits';

/** One limit a template breaks: which, where (logical ID and property), and a message naming both. */
export interface LimitViolation {
  limit: LimitName;
  where: string;
  message: string;
}

export interface Template {
  Resources: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
}

/** The longest value each pseudo parameter takes, in characters. */
export const PSEUDO_PARAMETER_LENGTHS: Readonly<Record<string, number>> = {
  'AWS::AccountId': 12,
  // ap-southeast-5, us-isob-east-1: 14 (without a Region given: checkTemplateLimits' options).
  'AWS::Region': 14,
  // aws-us-gov: 10.
  'AWS::Partition': 10,
  // amazonaws.com.cn: 16.
  'AWS::URLSuffix': 16,
  // CloudFormation stack names: at most 128.
  'AWS::StackName': 128,
  'AWS::StackId': 256,
  'AWS::NoValue': 0,
};
/** What a Ref or Fn::GetAtt resolves to when the template does not tell (a generated name, an import), in characters. */
export const REFERENCE_LENGTH = 256;

const P = '${AWS::Partition}';
const R = '${AWS::Region}';
const A = '${AWS::AccountId}';
/**
 * How Ref and Fn::GetAtt resolve for the resource types the stack names: the property holding the
 * name, what Ref returns, and the ARN before the name (the Fn::GetAtt Arn).
 */
const REFERENCES: Readonly<Record<string, { name: string; ref: 'name' | 'arn' | 'url'; arn: string; arnSuffix?: string }>> = {
  'AWS::Lambda::Function': { name: 'FunctionName', ref: 'name', arn: `arn:${P}:lambda:${R}:${A}:function:` },
  'AWS::IAM::Role': { name: 'RoleName', ref: 'name', arn: `arn:${P}:iam::${A}:role/` },
  'AWS::SQS::Queue': { name: 'QueueName', ref: 'url', arn: `arn:${P}:sqs:${R}:${A}:` },
  'AWS::SNS::Topic': { name: 'TopicName', ref: 'arn', arn: `arn:${P}:sns:${R}:${A}:` },
  'AWS::DynamoDB::Table': { name: 'TableName', ref: 'name', arn: `arn:${P}:dynamodb:${R}:${A}:table/` },
  'AWS::Events::Rule': { name: 'Name', ref: 'name', arn: `arn:${P}:events:${R}:${A}:rule/` },
  'AWS::Athena::WorkGroup': { name: 'Name', ref: 'name', arn: `arn:${P}:athena:${R}:${A}:workgroup/` },
  'AWS::Logs::LogGroup': { name: 'LogGroupName', ref: 'name', arn: `arn:${P}:logs:${R}:${A}:log-group:`, arnSuffix: ':*' },
  'AWS::S3::Bucket': { name: 'BucketName', ref: 'name', arn: `arn:${P}:s3:::` },
};
const QUEUE_URL = `https://sqs.${R}.${'${AWS::URLSuffix}'}/${A}/`;

type Resources = Readonly<Record<string, unknown>>;

/** What measuring needs: the template's resources, and the longest value of each pseudo parameter. */
interface Context {
  resources: Resources;
  pseudo: Readonly<Record<string, number>>;
}

/** The template's resources, and the Region osls packages for (`--region`): with it, AWS::Region and AWS::Partition count at their real length. */
interface TemplateContext {
  resources?: Resources;
  region?: string;
}

/** The partition of a Region (aws, aws-cn, aws-us-gov, aws-iso...). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

function contextOf(context: TemplateContext): Context {
  const pseudo = { ...PSEUDO_PARAMETER_LENGTHS };
  if (context.region !== undefined) {
    pseudo['AWS::Region'] = context.region.length;
    pseudo['AWS::Partition'] = partitionOf(context.region).length;
  }
  return { resources: context.resources ?? {}, pseudo };
}

/**
 * The longest string a template value resolves to, in characters (a string as is; an intrinsic
 * function by the rules in this module's comment; anything else as its JSON text).
 */
export const resolvedLength = (value: unknown, resources: Resources = {}, region?: string): number => lengthOf(value, contextOf({ resources, region }));

/** The JSON length of a policy document or event pattern without whitespace, intrinsics at their longest. */
export const jsonSize = (value: unknown, resources: Resources = {}, region?: string): number => jsonSizeIn(value, contextOf({ resources, region }));

/**
 * The JSON length of any value as it sits in a document (a string with its quotes), intrinsics at their
 * longest: unlike jsonSize, a string is a value here, never a document's JSON text.
 */
export const jsonValueSize = (value: unknown, resources: Resources = {}): number => jsonLength(value, contextOf({ resources }));

/** The longest value of `Ref: id` or `Fn::GetAtt: [id, attribute]` given the template's resources. */
function referenceLength(id: string, attribute: string | undefined, ctx: Context, depth: number): number {
  if (attribute === undefined && id in ctx.pseudo) return ctx.pseudo[id] ?? 0;
  const resource = ctx.resources[id];
  const form = isRecord(resource) && typeof resource.Type === 'string' ? REFERENCES[resource.Type] : undefined;
  const properties = isRecord(resource) && isRecord(resource.Properties) ? resource.Properties : {};
  if (form === undefined || !(form.name in properties)) return REFERENCE_LENGTH;
  // A name that refers back to its resource (a broken template) ends at MAX_INTRINSIC_DEPTH.
  const name = lengthOf(properties[form.name], ctx, depth + 1);
  const arn = subLength(form.arn, {}, ctx, depth + 1) + name + (form.arnSuffix ?? '').length;
  if (attribute === undefined) return form.ref === 'name' ? name : form.ref === 'arn' ? arn : subLength(QUEUE_URL, {}, ctx, depth + 1) + name;
  if (attribute === 'Arn') return arn;
  if (attribute === form.name || attribute === 'QueueName' || attribute === 'TopicName') return name;
  return REFERENCE_LENGTH;
}

const ALPHANUMERIC = /^[A-Za-z0-9]+$/;
const MAX_INTRINSIC_DEPTH = 32;
const DASHBOARD_NAME = /^[A-Za-z0-9_-]+$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The single `Fn::*`/`Ref` key of an intrinsic function object, if it is one. */
function intrinsic(value: unknown): [string, unknown] | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys;
  if (key === undefined || (key !== 'Ref' && key !== 'Condition' && !key.startsWith('Fn::'))) return undefined;
  return [key, value[key]];
}

/** The length of `${Name}` or `${Id.Attribute}` once substituted, given the Fn::Sub's own variables. */
function substitutionLength(name: string, variables: Record<string, unknown>, ctx: Context, depth: number): number {
  if (name in variables) return lengthOf(variables[name], ctx, depth + 1);
  const dot = name.indexOf('.');
  return dot < 0 || name in ctx.pseudo ? referenceLength(name, undefined, ctx, depth + 1) : referenceLength(name.slice(0, dot), name.slice(dot + 1), ctx, depth + 1);
}

/** The longest text of a Fn::Sub template: literal characters plus the allowance of each `${...}`. */
function subLength(text: string, variables: Record<string, unknown>, ctx: Context, depth: number): number {
  let length = 0;
  let rest = text;
  for (;;) {
    const start = rest.indexOf('${');
    if (start < 0) return length + rest.length;
    // `${!Literal}` stands for the literal `${Literal}`.
    if (rest[start + 2] === '!') {
      length += start + 2;
      rest = rest.slice(start + 3);
      continue;
    }
    const end = rest.indexOf('}', start);
    if (end < 0) return length + rest.length;
    length += start + substitutionLength(rest.slice(start + 2, end), variables, ctx, depth);
    rest = rest.slice(end + 1);
  }
}

/** resolvedLength within a context; `depth` bounds the nesting of intrinsic functions. */
function lengthOf(value: unknown, ctx: Context, depth = 0): number {
  if (typeof value === 'string') return value.length;
  const fn = intrinsic(value);
  // Templates nest intrinsics a few levels: deeper (or a cycle of references) is not a template osls writes.
  if (depth > MAX_INTRINSIC_DEPTH) return REFERENCE_LENGTH;
  if (fn === undefined) return jsonLength(value, ctx, depth);
  const [name, args] = fn;
  const length = (v: unknown) => lengthOf(v, ctx, depth + 1);
  switch (name) {
    case 'Ref':
      return typeof args === 'string' ? referenceLength(args, undefined, ctx, depth) : REFERENCE_LENGTH;
    case 'Fn::GetAtt': {
      const [id, attribute] = typeof args === 'string' ? args.split('.', 2) : Array.isArray(args) ? args : [];
      return typeof id === 'string' && typeof attribute === 'string' ? referenceLength(id, attribute, ctx, depth) : REFERENCE_LENGTH;
    }
    case 'Fn::Sub': {
      if (typeof args === 'string') return subLength(args, {}, ctx, depth);
      if (Array.isArray(args) && typeof args[0] === 'string') return subLength(args[0], isRecord(args[1]) ? args[1] : {}, ctx, depth);
      return REFERENCE_LENGTH;
    }
    case 'Fn::Join': {
      if (!Array.isArray(args) || typeof args[0] !== 'string' || !Array.isArray(args[1])) return REFERENCE_LENGTH;
      const parts: unknown[] = args[1];
      return parts.reduce<number>((sum, part) => sum + length(part), 0) + args[0].length * Math.max(0, parts.length - 1);
    }
    case 'Fn::If':
      return Array.isArray(args) ? Math.max(length(args[1]), length(args[2])) : REFERENCE_LENGTH;
    case 'Fn::Select':
      return Array.isArray(args) && Array.isArray(args[1]) ? Math.max(0, ...args[1].map(length)) : REFERENCE_LENGTH;
    default:
      return REFERENCE_LENGTH;
  }
}

/**
 * The length of `value` as compact JSON, each intrinsic function counted as a string of its longest
 * resolved length; `measure` counts a piece of text (characters, or UTF-8 bytes). Iterative: a value
 * nested thousands deep is measured, not a stack overflow.
 */
function jsonLength(value: unknown, ctx: Context, depth = 0, measure: (text: string) => number = (t) => t.length): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += measure(JSON.stringify(v));
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) total += measure(JSON.stringify(v ?? null));
    else if (intrinsic(v) !== undefined) total += 2 + lengthOf(v, ctx, depth + 1);
    else if (Array.isArray(v)) {
      total += 2 + Math.max(0, v.length - 1);
      for (const item of v) stack.push(item);
    } else if (isRecord(v)) {
      const entries = Object.entries(v);
      total += 2 + Math.max(0, entries.length - 1);
      for (const [key, item] of entries) {
        total += measure(JSON.stringify(key)) + 1;
        stack.push(item);
      }
    } else total += 4;
  }
  return total;
}

/** jsonSize within a context. */
function jsonSizeIn(value: unknown, ctx: Context): number {
  // A pattern or policy given as a JSON string is measured as that JSON.
  if (typeof value === 'string') {
    try {
      return jsonLength(JSON.parse(value) as unknown, ctx);
    } catch {
      return value.length;
    }
  }
  return jsonLength(value, ctx);
}

/** The UTF-8 bytes of the template as osls uploads it (2-space indented JSON), or undefined when it cannot be written. */
function templateBytes(template: Template): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(template, null, 2));
  } catch {
    return undefined;
  }
}

interface Resource {
  id: string;
  type: string;
  properties: Record<string, unknown>;
}

function resourcesOf(template: Template): Resource[] {
  return Object.entries(template.Resources).map(([id, r]) => ({
    id,
    type: isRecord(r) && typeof r.Type === 'string' ? r.Type : '',
    properties: isRecord(r) && isRecord(r.Properties) ? r.Properties : {},
  }));
}

const violation = (limit: LimitName, where: string, got: number | string): LimitViolation => ({
  limit,
  where,
  message: `${where}: ${describeLimit(limit)} (got ${got}; ${AWS_LIMITS[limit].source})`,
});

/** `{ limit, where, got }` when `length` is over the limit. */
function overLimit(limit: LimitName, where: string, length: number): LimitViolation[] {
  return length > AWS_LIMITS[limit].value ? [violation(limit, where, length)] : [];
}

/** Names and descriptions each resource type gives, with their limit. */
const NAME_PROPERTIES: Readonly<Record<string, ReadonlyArray<readonly [string, LimitName]>>> = {
  'AWS::Lambda::Function': [
    ['FunctionName', 'lambdaFunctionName'],
    ['Description', 'lambdaDescription'],
  ],
  'AWS::IAM::Role': [['RoleName', 'iamRoleName']],
  'AWS::Events::Rule': [['Name', 'eventRuleName']],
  'AWS::SQS::Queue': [['QueueName', 'sqsQueueName']],
  'AWS::SNS::Topic': [['TopicName', 'snsTopicName']],
  'AWS::DynamoDB::Table': [['TableName', 'dynamoDbTableName']],
  'AWS::Athena::WorkGroup': [['Name', 'athenaWorkGroupName']],
  'AWS::CloudWatch::Alarm': [
    ['AlarmName', 'alarmName'],
    ['AlarmDescription', 'alarmDescription'],
  ],
  'AWS::CloudWatch::Dashboard': [['DashboardName', 'dashboardName']],
};

function checkNames(resources: Resource[], ctx: Context): LimitViolation[] {
  return resources.flatMap(({ id, type, properties }) =>
    (NAME_PROPERTIES[type] ?? []).flatMap(([property, limit]) =>
      property in properties ? overLimit(limit, `${id}.${property}`, lengthOf(properties[property], ctx)) : [],
    ),
  );
}

function checkLogicalIds(template: Template): LimitViolation[] {
  const sections = { Resources: template.Resources, Outputs: template.Outputs ?? {}, Parameters: template.Parameters ?? {} };
  const problems: LimitViolation[] = [];
  for (const [section, entries] of Object.entries(sections)) {
    for (const id of Object.keys(entries)) {
      if (!ALPHANUMERIC.test(id)) {
        problems.push({ limit: 'logicalIdChars', where: `${section}.${id}`, message: `${section}.${id}: logical IDs hold only A-Za-z0-9 (${AWS_LIMITS.logicalIdChars.source})` });
      }
      problems.push(...overLimit('logicalIdChars', `${section}.${id}`, id.length));
    }
  }
  // A parameter and a resource may not share a logical ID (Ref could not tell them apart).
  for (const id of Object.keys(sections.Parameters)) {
    if (id in sections.Resources) {
      problems.push({ limit: 'logicalIdChars', where: `Parameters.${id}`, message: `Parameters.${id}: also a resource's logical ID (logical IDs are unique in a template)` });
    }
  }
  return problems;
}

/** Logical IDs that two different sources map to: the later would overwrite the earlier in silence. */
export function findLogicalIdCollisions(entries: ReadonlyArray<readonly [source: string, logicalId: string]>): LimitViolation[] {
  const seen = new Map<string, string>();
  const problems: LimitViolation[] = [];
  for (const [source, id] of entries) {
    const other = seen.get(id);
    if (other !== undefined && other !== source) {
      problems.push({ limit: 'logicalIdChars', where: id, message: `${id}: logical ID of both ${other} and ${source} (logical IDs are unique in a template)` });
    }
    seen.set(id, source);
  }
  return problems;
}

/** `{ Ref: role }` or `role` itself: the role logical IDs a policy resource names. */
function rolesNamed(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((role) => {
    const fn = intrinsic(role);
    return fn && fn[0] === 'Ref' && typeof fn[1] === 'string' ? [fn[1]] : [];
  });
}

function checkIam(resources: Resource[], ctx: Context): LimitViolation[] {
  const problems: LimitViolation[] = [];
  const inline = new Map<string, number>();
  const managed = new Map<string, number>();
  const roles = resources.filter((r) => r.type === 'AWS::IAM::Role');
  for (const role of roles) {
    const policies = Array.isArray(role.properties.Policies) ? role.properties.Policies : [];
    inline.set(role.id, policies.reduce<number>((sum, p) => sum + (isRecord(p) ? jsonSizeIn(p.PolicyDocument, ctx) : 0), 0));
    const arns = role.properties.ManagedPolicyArns;
    managed.set(role.id, Array.isArray(arns) ? arns.length : 0);
    if ('AssumeRolePolicyDocument' in role.properties) {
      problems.push(...overLimit('iamTrustPolicySize', `${role.id}.AssumeRolePolicyDocument`, jsonSizeIn(role.properties.AssumeRolePolicyDocument, ctx)));
    }
  }
  for (const r of resources) {
    if (r.type === 'AWS::IAM::Policy' || r.type === 'AWS::IAM::RolePolicy') {
      const size = jsonSizeIn(r.properties.PolicyDocument, ctx);
      const named = r.type === 'AWS::IAM::Policy' ? rolesNamed(r.properties.Roles) : rolesNamed([r.properties.RoleName]);
      for (const role of named) inline.set(role, (inline.get(role) ?? 0) + size);
    }
    if (r.type === 'AWS::IAM::ManagedPolicy') {
      problems.push(...overLimit('managedPolicyChars', `${r.id}.PolicyDocument`, jsonSizeIn(r.properties.PolicyDocument, ctx)));
      for (const role of rolesNamed(r.properties.Roles)) managed.set(role, (managed.get(role) ?? 0) + 1);
    }
  }
  for (const [role, size] of inline) problems.push(...overLimit('roleInlinePolicyChars', `${role} (inline policies)`, size));
  for (const [role, count] of managed) problems.push(...overLimit('managedPoliciesPerRole', `${role} (managed policies)`, count));
  return problems;
}

function checkEventBridge(resources: Resource[], ctx: Context): LimitViolation[] {
  const problems: LimitViolation[] = [];
  const rulesPerBus = new Map<string, number>();
  for (const { id, type, properties } of resources) {
    if (type !== 'AWS::Events::Rule') continue;
    if ('EventPattern' in properties) problems.push(...overLimit('eventPatternChars', `${id}.EventPattern`, jsonSizeIn(properties.EventPattern, ctx)));
    if (Array.isArray(properties.Targets)) problems.push(...overLimit('eventTargetsPerRule', `${id}.Targets`, properties.Targets.length));
    const bus = properties.EventBusName === undefined ? 'default' : JSON.stringify(properties.EventBusName);
    rulesPerBus.set(bus, (rulesPerBus.get(bus) ?? 0) + 1);
  }
  for (const [bus, count] of rulesPerBus) problems.push(...overLimit('eventRulesPerBus', `event bus ${bus} (rules of this stack alone)`, count));
  return problems;
}

function checkLambda(resources: Resource[], ctx: Context): LimitViolation[] {
  return resources.flatMap(({ id, type, properties }) => {
    if (type !== 'AWS::Lambda::Function' || !isRecord(properties.Environment)) return [];
    const variables = properties.Environment.Variables;
    // UTF-8 bytes of the variables' JSON: keys, values and their quoting, at their longest.
    const bytes = jsonLength(variables ?? {}, ctx, 0, (t) => Buffer.byteLength(t));
    return overLimit('lambdaEnvironmentBytes', `${id}.Environment.Variables`, bytes);
  });
}

/** Tags as CloudFormation lists them (`[{ Key, Value }]`) or as a map (`{ key: value }`). */
function tagsOf(tags: unknown): Array<[unknown, unknown]> {
  if (Array.isArray(tags)) return tags.map((t): [unknown, unknown] => (isRecord(t) ? [t.Key, t.Value] : [t, undefined]));
  if (isRecord(tags) && intrinsic(tags) === undefined) return Object.entries(tags);
  return [];
}

/** The literal text of a tag key or value (intrinsics' substitutions left out), for the character check. */
function literalText(value: unknown): string {
  if (typeof value === 'string') return value;
  return (subText(value) ?? '').replace(/\$\{[^}]*\}/g, '');
}

/** Problems of one tag (length, reserved prefix, characters); `where` names it. */
export function tagProblems(key: unknown, value: unknown, where: string, ctx: Context = contextOf({})): LimitViolation[] {
  const problems = [...overLimit('tagKey', `${where} key`, lengthOf(key, ctx)), ...overLimit('tagValue', `${where} value`, lengthOf(value ?? '', ctx))];
  const keyText = literalText(key);
  if (RESERVED_TAG_PREFIX.test(keyText)) {
    problems.push({ limit: 'tagKey', where: `${where} key`, message: `${where} key: the aws: prefix is reserved, in any case (got ${JSON.stringify(keyText)}; ${AWS_LIMITS.tagKey.source})` });
  }
  for (const [part, text] of [
    ['key', keyText],
    ['value', literalText(value)],
  ] as const) {
    if (!TAG_CHARACTERS.test(text)) {
      problems.push({
        limit: part === 'key' ? 'tagKey' : 'tagValue',
        where: `${where} ${part}`,
        message: `${where} ${part}: only letters, digits, spaces and _ . : / = + - @ (got ${JSON.stringify(text)}; ${AWS_LIMITS.tagKey.source})`,
      });
    }
  }
  return problems;
}

function checkTags(resources: Resource[], ctx: Context): LimitViolation[] {
  return resources.flatMap(({ id, properties }) => tagsOf(properties.Tags).flatMap(([key, value], i) => tagProblems(key, value, `${id}.Tags[${i}]`, ctx)));
}

/** The text of a Fn::Sub (its template string), or undefined. */
function subText(value: unknown): string | undefined {
  const fn = intrinsic(value);
  if (fn === undefined || fn[0] !== 'Fn::Sub') return undefined;
  if (typeof fn[1] === 'string') return fn[1];
  return Array.isArray(fn[1]) && typeof fn[1][0] === 'string' ? fn[1][0] : undefined;
}

/**
 * The dashboard body's JSON, each substitution replaced by `0` (valid in a string and as a number);
 * `undefined` when built by other means than text, Fn::Sub or Fn::Join; `invalid` when not JSON.
 */
function dashboardBody(value: unknown): unknown {
  const fn = intrinsic(value);
  let text = typeof value === 'string' ? value : subText(value)?.replace(/\$\{[^}]*\}/g, '0');
  if (fn && fn[0] === 'Fn::Join' && Array.isArray(fn[1]) && typeof fn[1][0] === 'string' && Array.isArray(fn[1][1])) {
    const separator = fn[1][0];
    text = fn[1][1].map((part: unknown) => (typeof part === 'string' ? part : '0')).join(separator);
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID_JSON;
  }
}
const INVALID_JSON = Symbol('invalid JSON');

function checkDashboards(resources: Resource[]): LimitViolation[] {
  return resources.flatMap(({ id, type, properties }) => {
    if (type !== 'AWS::CloudWatch::Dashboard') return [];
    const problems: LimitViolation[] = [];
    const name = literalText(properties.DashboardName);
    if (name !== '' && !DASHBOARD_NAME.test(name.replace(/\$\{[^}]*\}/g, ''))) {
      problems.push({ limit: 'dashboardName', where: `${id}.DashboardName`, message: `${id}.DashboardName: only A-Za-z0-9, - and _ (got ${JSON.stringify(name)})` });
    }
    const body = dashboardBody(properties.DashboardBody);
    if (body === INVALID_JSON) {
      problems.push({ limit: 'dashboardWidgets', where: `${id}.DashboardBody`, message: `${id}.DashboardBody: not JSON, which PutDashboard refuses (${AWS_LIMITS.dashboardName.source})` });
    }
    const widgets = isRecord(body) && Array.isArray(body.widgets) ? body.widgets : [];
    problems.push(...overLimit('dashboardWidgets', `${id}.DashboardBody`, widgets.length));
    widgets.forEach((widget, i) => {
      const metrics = isRecord(widget) && isRecord(widget.properties) && Array.isArray(widget.properties.metrics) ? widget.properties.metrics : [];
      problems.push(...overLimit('dashboardMetricsPerWidget', `${id}.DashboardBody widgets[${i}]`, metrics.length));
    });
    return problems;
  });
}

/**
 * Every AWS limit of lib/core/aws-limits.ts the template breaks, each message naming the limit,
 * the resource (logical ID and property) and the value found. An empty list: it fits.
 */
export function checkTemplateLimits(template: Template, options: { region?: string } = {}): LimitViolation[] {
  const resources = resourcesOf(template);
  const ctx = contextOf({ resources: template.Resources, region: options.region });
  return [
    ...overLimit('cfnResources', 'Resources', resources.length),
    ...overLimit('cfnOutputs', 'Outputs', Object.keys(template.Outputs ?? {}).length),
    ...overLimit('cfnParameters', 'Parameters', Object.keys(template.Parameters ?? {}).length),
    // osls uploads the template pretty-printed: measured as such, in UTF-8 bytes.
    ...overLimit('cfnTemplateBytes', 'template', templateBytes(template) ?? Number.POSITIVE_INFINITY),
    ...checkLogicalIds(template),
    ...checkNames(resources, ctx),
    ...checkIam(resources, ctx),
    ...checkEventBridge(resources, ctx),
    ...checkLambda(resources, ctx),
    ...checkTags(resources, ctx),
    ...checkDashboards(resources),
  ];
}

/** Thrown when a template or a stage cannot deploy: the message lists every limit broken. */
export class LimitError extends ConfigurationError {
  override name = 'LimitError';
  constructor(readonly violations: readonly LimitViolation[]) {
    super(`The stack would exceed AWS limits:\n${violations.map((v) => `- ${v.message}`).join('\n')}`);
  }
}

/** Throws a LimitError listing every limit the template breaks. */
export function assertTemplateLimits(template: Template, options: { region?: string } = {}): void {
  const violations = checkTemplateLimits(template, options);
  if (violations.length > 0) throw new LimitError(violations);
}

/**
 * Refuses a stage that cannot deploy: osls tags the stack `STAGE=<stage>`, and a tag value holds at
 * most 256 characters of letters, digits, spaces and `_ . : / = + - @`.
 */
export function checkStage(stage: string): void {
  const shown = `stage "${stage.length > 40 ? `${stage.slice(0, 40)}...` : stage}"`;
  const why = `osls tags the stack STAGE=<stage>; ${AWS_LIMITS.stageChars.source}`;
  if (stage.length === 0) throw new ConfigurationError('stage: expected at least 1 character');
  const max = AWS_LIMITS.stageChars.value;
  if (stage.length > max) {
    throw new LimitError([{ limit: 'stageChars', where: shown, message: `${shown} is ${stage.length} characters: at most ${max} (${why})` }]);
  }
  if (!TAG_CHARACTERS.test(stage)) {
    throw new LimitError([{ limit: 'stageChars', where: shown, message: `${shown}: only letters, digits, spaces and _ . : / = + - @ (${why})` }]);
  }
}
