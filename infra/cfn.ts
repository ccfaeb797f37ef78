/** The few CloudFormation and IAM shapes the stack is built from, typed. */

export type Sub = { 'Fn::Sub': string };
export type GetAtt = { 'Fn::GetAtt': [string, string] };
export type Ref = { Ref: string };
/** A value CloudFormation resolves at deploy time, or a literal. */
export type CfnValue = string | Sub | GetAtt | Ref;

export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue | CfnValue[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: 'Retain';
  UpdateReplacePolicy?: 'Retain';
}
export type Resources = Record<string, CfnResource>;
export interface Output {
  Description: string;
  Value: CfnValue;
}

export const sub = (text: string): Sub => ({ 'Fn::Sub': text });
export const getAtt = (id: string, attribute: string): GetAtt => ({ 'Fn::GetAtt': [id, attribute] });
export const ref = (id: string): Ref => ({ Ref: id });

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; global services (S3) leave region and account empty. */
export const arn = (service: string, resource: string, regional = true): Sub =>
  sub(`arn:\${AWS::Partition}:${service}:${regional ? '${AWS::Region}:${AWS::AccountId}' : ':'}:${resource}`);

/** `concat` -> `Concat`: the prefix of a function's logical IDs. */
export const capitalized = (name: string): string => `${name.slice(0, 1).toUpperCase()}${name.slice(1)}`;

/** Spread into a resource that must outlive the stack (fan-out state, failed events): docs/iam.md. */
export const RETAIN = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } as const;

// Without a region, the longest value each pseudo parameter takes (partition aws-us-gov, region
// ap-southeast-5); a resource's ARN by GetAtt or Ref: the deployed size of a value is at most this.
const WORST_CASE: Record<string, number> = { 'AWS::Partition': 10, 'AWS::Region': 14, 'AWS::AccountId': 12, 'AWS::StackName': 128 };
const OTHER_REFERENCE = 320;

/** The partition of a region (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html). */
export function partitionOf(region: string): string {
  const prefixes: [string, string][] = [['cn-', 'aws-cn'], ['us-gov-', 'aws-us-gov'], ['us-isob-', 'aws-iso-b'], ['us-iso-', 'aws-iso'], ['eu-isoe-', 'aws-iso-e'], ['us-isof-', 'aws-iso-f']];
  return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/**
 * The JSON length of a value once CloudFormation has resolved it in `region` (IAM and EventBridge
 * count this); without a region, at most this in any region.
 */
export function deployedLength(value: unknown, region?: string): number {
  const lengths = region ? { ...WORST_CASE, 'AWS::Partition': partitionOf(region).length, 'AWS::Region': region.length } : WORST_CASE;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const text = o['Fn::Sub'];
      if (typeof text === 'string') {
        return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => 'x'.repeat(lengths[name] ?? OTHER_REFERENCE));
      }
      if ('Fn::GetAtt' in o || 'Ref' in o) return 'x'.repeat(OTHER_REFERENCE);
    }
    return v;
  }).length;
}
