/**
 * IAM statement builders narrowed by the configuration (routed tables, their S3 Locations, Athena
 * workgroups and result locations, the configured pipelines), and the role of a function: its
 * statements in an inline policy, split into managed policies when they outgrow it (never widened).
 */
import { ConfigurationError } from '../lib/core/errors';
import type { PostProcessingConfig, Route } from '../lib/post-processing/config';
import { AWS_LIMITS, jsonValueSize } from './limits';
import { arn, ref, sub, type CfnResource, type CfnValue, type Resources, type Statement } from './cfn';

/** A route with its pipeline's name. */
export type RouteOf = Route & { pipeline: string };

/** Every route of every pipeline, with its pipeline name. */
export function routedTables(config: PostProcessingConfig): RouteOf[] {
  return Object.entries(config.pipelines).flatMap(([pipeline, p]) => p.routes.map((route) => ({ pipeline, ...route })));
}

/** Pipeline names as configured, plus their lower-case spelling (SageMaker may lower-case names in ARNs). */
export function pipelineNameVariants(names: string[]): string[] {
  return [...new Set(names.flatMap((n) => [n, n.toLowerCase()]))];
}

/** Glue authorises table and partition calls on the catalog, the database and the table. */
export function glueTableArns(tables: { database: string; table: string }[]): CfnValue[] {
  const dbs = [...new Set(tables.map((t) => t.database))];
  const keys = [...new Set(tables.map((t) => `${t.database}/${t.table}`))];
  return [arn('glue', 'catalog'), ...dbs.map((d) => arn('glue', `database/${d}`)), ...keys.map((k) => arn('glue', `table/${k}`))];
}

/** `s3://bucket/a/b` -> `{ bucket, prefix: 'a/b/' }` (prefix '' for the bucket root). */
export function splitS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match?.[1]) throw new Error(`not an s3:// URI: ${uri}`);
  const key = match[2] ?? '';
  return { bucket: match[1], prefix: key === '' || key.endsWith('/') ? key : `${key}/` };
}

export const bucketArn = (bucket: string): CfnValue => arn('s3', bucket, false);
const objectsArn = ({ bucket, prefix }: { bucket: string; prefix: string }): CfnValue => arn('s3', `${bucket}/${prefix}*`, false);
const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** Listing of each bucket limited to the prefixes (s3:prefix condition), per bucket. */
function listStatements(uris: string[]): Statement[] {
  const byBucket = new Map<string, string[]>();
  for (const { bucket, prefix } of uris.map(splitS3Uri)) byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), prefix]);
  return [...byBucket].map(([bucket, prefixes]) => {
    const statement: Statement = { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn(bucket) };
    // A Location at the bucket root lists the whole bucket: no condition can narrow it. (`p*` matches `p` too.)
    if (!prefixes.includes('')) statement.Condition = { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } };
    return statement;
  });
}

/** Read access (list under the prefix, get objects, bucket location) to table Locations. */
export function s3ReadStatements(uris: string[]): Statement[] {
  if (uris.length === 0) return [];
  const parts = uris.map(splitS3Uri);
  return [
    ...listStatements(uris),
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: parts.map(objectsArn) },
    { Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: unique(parts.map((p) => p.bucket)).map(bucketArn) },
  ];
}

/** What Athena needs on its query result location, done with the caller's credentials. */
export function athenaOutputStatements(uris: string[]): Statement[] {
  if (uris.length === 0) return [];
  const parts = uris.map(splitS3Uri);
  return [
    { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: unique(parts.map((p) => p.bucket)).map(bucketArn) },
    ...listStatements(uris),
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: parts.map(objectsArn),
    },
  ];
}

// Athena asks Lake Formation for temporary credentials to data it governs with the caller's identity.
// The action takes no resource narrower than `*` (the template test allow-lists it).
export const LAKE_FORMATION_DATA_ACCESS: Statement = { Effect: 'Allow', Action: ['lakeformation:GetDataAccess'], Resource: '*' };

export const workGroupArn = (name: string): CfnValue => arn('athena', `workgroup/${name}`);

// Athena runs MSCK REPAIR TABLE and ALTER TABLE ADD PARTITION against Glue with the caller's rights.
export const ATHENA_GLUE_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
];

// Lambda creates and deletes the network interfaces of a function in a VPC with its role. These EC2
// actions take no resource narrower than `*` that works for every subnet (AWSLambdaVPCAccessExecutionRole
// grants them on `*`): the template test allows `*` for these only.
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** Raised when a configuration cannot fit an AWS limit: names the option and the limit. */
export class StackLimitError extends ConfigurationError {
  override name = 'StackLimitError';
}

const limit = (key: string): number => {
  const value = AWS_LIMITS[key]?.value;
  if (value === undefined) throw new Error(`infra/limits.ts has no ${key}`);
  return value;
};

const policyDocument = (Statement: Statement[]) => ({ Version: '2012-10-17', Statement });

interface PolicyDoc {
  budget: number;
  statements: Statement[];
}

/**
 * Packs statements into documents in order, filling each before opening the next: a statement whose
 * resources do not fit whole is cut into statements of the same actions and condition, each with a
 * share of the resources (the same permissions). `open()` gives the next document, or undefined.
 */
function packInto(statements: Statement[], first: PolicyDoc, open: () => PolicyDoc | undefined, measure: (value: unknown) => number): boolean {
  let doc = first;
  let used = measure(policyDocument(doc.statements));
  for (const statement of statements) {
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    const single = !Array.isArray(statement.Resource);
    const skeleton = measure({ ...statement, Resource: [] });
    const sizes = resources.map(measure);
    let from = 0;
    while (from < resources.length) {
      // Room left: a comma before the statement when the document holds one already.
      const room = doc.budget - used - (doc.statements.length > 0 ? 1 : 0) - skeleton;
      let to = from;
      let size = 0;
      while (to < resources.length && size + (sizes[to] ?? 0) + (to > from ? 1 : 0) <= room && !(single && to > from)) {
        size += (sizes[to] ?? 0) + (to > from ? 1 : 0);
        to += 1;
      }
      if (to === from || (single && to < resources.length)) {
        if (doc.statements.length === 0) return false;
        const next = open();
        if (!next) return false;
        doc = next;
        used = measure(policyDocument(doc.statements));
        continue;
      }
      doc.statements.push(single ? statement : { ...statement, Resource: resources.slice(from, to) });
      used += (doc.statements.length > 1 ? 1 : 0) + skeleton + size;
      from = to;
    }
  }
  return true;
}

export interface RoleSpec {
  /** Logical ID prefix of the function (`Concat`). */
  id: string;
  /** The function's catalog name, for messages. */
  fn: string;
  /** The function's fitted name: its log group is /aws/lambda/<name>. */
  functionName: string;
  vpc: boolean;
  /** Statements that must hold before the function is set up (its on-failure destination): kept inline. */
  essential: Statement[];
  statements: Statement[];
  /** The option whose size drives the statements, named when they cannot fit. */
  option: string;
  /** The stack's resources built so far: references to them are measured by their names (infra/limits.ts). */
  resources: Resources;
}

/**
 * The role of one function (logs on its own log group, ENI management in a VPC, its statements),
 * and the managed policies its statements overflow into: the inline policy takes what fits in IAM's
 * inline budget, then managed policies of at most their size, at most their number per role.
 */
export function functionRole(spec: RoleSpec): Resources {
  const logs: Statement = {
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${spec.functionName}:*`),
  };
  const inline: Statement[] = [logs, ...(spec.vpc ? [{ Effect: 'Allow' as const, Action: VPC_ENI_ACTIONS, Resource: '*' }] : []), ...spec.essential];
  // Values as they sit in the documents: an ARN written as a plain string counts its quotes.
  const measure = (value: unknown) => jsonValueSize(value, spec.resources);
  // The policy's name and wrapper count too: leave them room.
  const inlineDoc: PolicyDoc = { budget: limit('roleInlinePolicyChars') - 100, statements: inline };
  const managed: PolicyDoc[] = [];
  const maxManaged = limit('managedPoliciesPerRole');
  const fits = packInto(spec.statements, inlineDoc, () => {
    if (managed.length >= maxManaged) return undefined;
    const doc: PolicyDoc = { budget: limit('managedPolicyChars'), statements: [] };
    managed.push(doc);
    return doc;
  }, measure);
  if (!fits) {
    const needed = measure(policyDocument(spec.statements));
    throw new StackLimitError(
      `${spec.option}: ${spec.fn}'s IAM permissions need about ${needed} characters: more than a role holds (${limit('roleInlinePolicyChars')} inline plus ${maxManaged} managed policies of ${limit('managedPolicyChars')}; IAM quotas). Route fewer pipelines or tables per stack, or shorter names`,
    );
  }
  const resources: Resources = {};
  const policyIds = managed.map((_, i) => `${spec.id}Policy${i + 1}`);
  managed.forEach((doc, i) => {
    resources[policyIds[i] ?? ''] = { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: policyDocument(doc.statements) } };
  });
  const role: CfnResource = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [{ PolicyName: `${spec.fn}-policy`, PolicyDocument: policyDocument(inline) }],
      ...(policyIds.length > 0 ? { ManagedPolicyArns: policyIds.map(ref) } : {}),
    },
  };
  resources[`${spec.id}Role`] = role;
  return resources;
}
