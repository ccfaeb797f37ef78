/**
 * STUB (catalog branch): the `limits` helper writes the real infra/limits.ts with this API. Only what
 * the catalog needs to compile and split; replaced when the limits branch is merged.
 */
export interface LimitViolation {
  limit: string;
  where: string;
  message: string;
}

export const AWS_LIMITS: Record<string, { value: number; what: string; source: string }> = {
  eventPatternChars: { value: 2048, what: 'characters in an EventBridge event pattern', source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html' },
  roleInlinePolicyChars: { value: 10240, what: "characters in a role's inline policies", source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html' },
  managedPolicyChars: { value: 6144, what: 'characters in a managed policy', source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html' },
  managedPoliciesPerRole: { value: 10, what: 'managed policies attached to a role', source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html' },
  stageChars: { value: 256, what: 'characters in a tag value (osls tags the stack STAGE=<stage>)', source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html' },
  logicalIdChars: { value: 255, what: 'alphanumeric characters in a logical ID', source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html' },
};

export function checkTemplateLimits(_template: { Resources: Record<string, unknown>; Outputs?: Record<string, unknown> }): LimitViolation[] {
  return [];
}

export function checkStage(stage: string): void {
  const max = AWS_LIMITS.stageChars?.value ?? 256;
  if (stage.length > max) throw new Error(`stage "${stage.slice(0, 40)}..." is ${stage.length} characters: at most ${max} (the stack's STAGE tag value)`);
}
