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
