/**
 * The AWS limits the stack and its configuration must fit, each once, with the page that states it.
 * infra/limits.ts checks a compiled template against them; lib/post-processing/config.ts refuses a
 * configuration that cannot fit. Values marked "quota" are account defaults that can be raised.
 */

/** One AWS limit: its value, what it bounds (for messages), and where AWS states it. */
export interface AwsLimit {
  readonly value: number;
  readonly what: string;
  readonly source: string;
}

const CFN_QUOTAS = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html';
const CFN_RESOURCES = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html';
const IAM_QUOTAS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html';
const EVENTBRIDGE_QUOTAS = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html';
const LAMBDA_QUOTAS = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const TAGS = 'https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html';
const CLOUDWATCH_QUOTAS = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html';

const LIMITS = {
  cfnResources: { value: 500, what: 'resources per stack', source: CFN_QUOTAS },
  cfnOutputs: { value: 200, what: 'outputs per stack', source: CFN_QUOTAS },
  cfnParameters: { value: 200, what: 'parameters per stack', source: CFN_QUOTAS },
  // 1 MB as cfn-lint counts it (src/cfnlint/helpers.py LIMITS): the lower reading of "1 MB".
  cfnTemplateBytes: { value: 1_000_000, what: 'bytes of template body uploaded to S3', source: CFN_QUOTAS },
  logicalIdChars: { value: 255, what: 'characters of a logical ID (A-Za-z0-9 only, unique in the template)', source: CFN_RESOURCES },
  roleInlinePolicyChars: { value: 10_240, what: "characters of a role's inline policies together (whitespace not counted)", source: IAM_QUOTAS },
  managedPolicyChars: { value: 6_144, what: 'characters of a managed policy (whitespace not counted)', source: IAM_QUOTAS },
  managedPoliciesPerRole: { value: 10, what: 'managed policies attached to a role (quota)', source: IAM_QUOTAS },
  iamTrustPolicySize: { value: 2_048, what: "characters of a role's trust policy (quota)", source: IAM_QUOTAS },
  iamRoleName: { value: 64, what: 'characters of an IAM role name', source: IAM_QUOTAS },
  eventPatternChars: { value: 2_048, what: 'characters of an EventBridge event pattern (quota)', source: EVENTBRIDGE_QUOTAS },
  eventTargetsPerRule: { value: 5, what: 'targets per EventBridge rule', source: 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html' },
  eventRulesPerBus: { value: 300, what: 'rules per event bus (quota; 100 in af-south-1 and eu-south-1)', source: EVENTBRIDGE_QUOTAS },
  eventRuleName: { value: 64, what: 'characters of an EventBridge rule name', source: 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html' },
  lambdaFunctionName: { value: 64, what: 'characters of a Lambda function name', source: 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html' },
  lambdaDescription: { value: 256, what: 'characters of a Lambda function description', source: 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html' },
  lambdaEnvironmentBytes: { value: 4_096, what: "bytes of a function's environment variables together", source: LAMBDA_QUOTAS },
  sqsQueueName: { value: 80, what: 'characters of an SQS queue name (.fifo included)', source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html' },
  snsTopicName: { value: 256, what: 'characters of an SNS topic name', source: 'https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html' },
  dynamoDbTableName: { value: 255, what: 'characters of a DynamoDB table name', source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html' },
  athenaWorkGroupName: { value: 128, what: 'characters of an Athena workgroup name', source: 'https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html' },
  alarmName: { value: 255, what: 'characters of a CloudWatch alarm name', source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html' },
  alarmDescription: { value: 1_024, what: 'characters of a CloudWatch alarm description', source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html' },
  dashboardName: { value: 255, what: 'characters of a CloudWatch dashboard name (A-Za-z0-9_-)', source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html' },
  dashboardWidgets: { value: 500, what: 'widgets per CloudWatch dashboard', source: CLOUDWATCH_QUOTAS },
  dashboardMetricsPerWidget: { value: 500, what: 'metrics per CloudWatch dashboard widget', source: CLOUDWATCH_QUOTAS },
  tagKey: { value: 128, what: 'characters of a tag key (aws: prefix reserved)', source: TAGS },
  tagValue: { value: 256, what: 'characters of a tag value', source: TAGS },
  // osls tags the stack STAGE=<stage>: the stage is a tag value.
  stageChars: { value: 256, what: 'characters of a stage (osls tags the stack STAGE=<stage>, a tag value)', source: TAGS },
  pipelineName: { value: 256, what: 'characters of a SageMaker pipeline name', source: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePipeline.html' },
  glueName: { value: 255, what: 'characters of a Glue database or table name', source: 'https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html' },
  bucketName: { value: 63, what: 'characters of an S3 bucket name (3 at least)', source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html' },
} as const satisfies Record<string, AwsLimit>;

export type LimitName = keyof typeof LIMITS;

/**
 * Every limit by name: `AWS_LIMITS.tagValue.value` where the name is known, `AWS_LIMITS[key]?.value`
 * where it is a string (infra code that takes the limit as a parameter).
 */
export const AWS_LIMITS: typeof LIMITS & Readonly<Record<string, AwsLimit | undefined>> = LIMITS;

/** Characters AWS allows in tag keys and values (the Tagging API's pattern). */
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** The reserved tag prefix, in any case (`aws:`, `AWS:`, `Aws:`). */
export const RESERVED_TAG_PREFIX = /^aws:/i;

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const LOG_RETENTION_SOURCE = 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html';

/** `limit` with its value, for messages: "at most 64 characters of an IAM role name". */
export const describeLimit = (name: LimitName): string => `at most ${LIMITS[name].value} ${LIMITS[name].what}`;

// The stage is a tag value: one number.
if (LIMITS.stageChars.value !== LIMITS.tagValue.value) throw new Error('aws-limits: stageChars must equal tagValue');
