/**
 * onPipelineExecutionStatus: its IAM (what the post-processing and the partition registrars it calls
 * need, on the pipelines, tables, workgroups and prefixes config/post-processing.json names) and its
 * EventBridge rules, split so that each event pattern stays within EventBridge's size quota.
 */
import { triggerOf, type PostProcessingConfig } from '../lib/post-processing/config';
import { PIPELINE_EXECUTION_STATUS_CHANGE, PIPELINE_STEP_STATUS_CHANGE, PipelineExecutionStatus } from '../lib/core/sagemaker-events';
import { arn, getAtt, type CfnValue, type Resources, type Statement } from './cfn';
import type { StackContext } from './context';
import * as iam from './iam';
import { AWS_LIMITS, jsonSize } from './limits';
import { ruleName } from './names';

// createPartitions (lib/partitions): read the table, classify, create; the options add their calls.
const glueStrategyActions = (route: iam.RouteOf) => [
  'glue:GetTable',
  'glue:BatchGetPartition',
  'glue:BatchCreatePartition',
  ...(route.glue?.removeMissing ? ['glue:GetPartitions', 'glue:BatchDeletePartition'] : []),
  ...(route.glue?.updateMoved ? ['glue:BatchUpdatePartition'] : []),
];
const ATHENA_ACTIONS = ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'];

/** One statement per distinct action set, holding every table that needs it (keeps the policy small). */
function glueStatements(routes: iam.RouteOf[]): Statement[] {
  const byActions = new Map<string, { actions: string[]; tables: iam.RouteOf[] }>();
  for (const route of routes) {
    const actions = route.strategy === 'glue' ? glueStrategyActions(route) : iam.ATHENA_GLUE_ACTIONS;
    const key = actions.join(',');
    byActions.set(key, { actions, tables: [...(byActions.get(key)?.tables ?? []), route] });
  }
  return [...byActions.values()].map(({ actions, tables }) => ({ Effect: 'Allow', Action: actions, Resource: iam.glueTableArns(tables) }));
}

/** The statements of onPipelineExecutionStatus for a configuration (none when nothing is routed). */
export function postProcessingStatements(ctx: StackContext): Statement[] {
  const { config } = ctx;
  const routes = iam.routedTables(config);
  if (routes.length === 0) return [];
  const athenaRoutes = routes.filter((route) => route.strategy !== 'glue');
  const scoped = routes.some((route) => route.scope === 'outputs');
  const unique = <T>(xs: T[]) => [...new Set(xs)];
  const workGroups = new Map((ctx.deploy.athenaWorkGroups ?? []).map((wg) => [wg.name, wg]));
  const workGroupOf = (route: iam.RouteOf) => workGroups.get(route.athena?.workGroup ?? 'primary');
  // A workgroup that enforces its result location writes the results there, whatever the route asks.
  const resultLocation = (route: iam.RouteOf) => workGroupOf(route)?.outputLocation ?? route.athena?.outputLocation;
  const resultKeys = unique(athenaRoutes.map((route) => workGroupOf(route)?.resultsKmsKey).filter((k): k is string => k !== undefined));
  const tableKeys = ctx.deploy.kms?.tableDataKeys ?? [];
  const pipelines = iam.pipelineNameVariants(Object.keys(config.pipelines));
  return [
    {
      Effect: 'Allow',
      Action: ['sagemaker:DescribePipelineExecution', 'sagemaker:ListPipelineExecutionSteps'],
      Resource: pipelines.map((n) => arn('sagemaker', `pipeline/${n}/execution/*`)),
    },
    // Jobs started by a pipeline are named pipelines-<executionId>-<step>-...
    ...(scoped ? [{ Effect: 'Allow' as const, Action: ['sagemaker:DescribeProcessingJob'], Resource: arn('sagemaker', 'processing-job/pipelines-*') }] : []),
    ...glueStatements(routes),
    ...iam.s3ReadStatements(unique(routes.map((route) => route.location))),
    // Reading SSE-KMS objects of the Locations decrypts with the table data's key.
    ...(tableKeys.length > 0 ? [{ Effect: 'Allow' as const, Action: ['kms:Decrypt'], Resource: tableKeys }] : []),
    ...(athenaRoutes.length > 0
      ? [
          { Effect: 'Allow' as const, Action: ATHENA_ACTIONS, Resource: unique(athenaRoutes.map((route) => route.athena?.workGroup ?? 'primary')).map(iam.workGroupArn) },
          ...iam.athenaOutputStatements(unique(athenaRoutes.map(resultLocation).filter((l): l is string => l !== undefined))),
          // Athena encrypts (GenerateDataKey) and reads back (Decrypt) results with the caller's rights.
          ...(resultKeys.length > 0 ? [{ Effect: 'Allow' as const, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: resultKeys }] : []),
          ...(ctx.deploy.lakeFormation ? [iam.LAKE_FORMATION_DATA_ACCESS] : []),
        ]
      : []),
  ];
}

/** The pipelines whose events a kind of rule matches: every configured one, or those with `trigger: step` routes. */
function pipelinesOf(config: PostProcessingConfig, kind: 'execution' | 'step'): string[] {
  return Object.entries(config.pipelines)
    .filter(([, p]) => kind === 'execution' || p.routes.some((r) => triggerOf(r) === 'step'))
    .map(([name]) => name);
}

const patternOf = (kind: 'execution' | 'step', names: string[]) => ({
  source: ['aws.sagemaker'],
  'detail-type': [kind === 'execution' ? PIPELINE_EXECUTION_STATUS_CHANGE : PIPELINE_STEP_STATUS_CHANGE],
  detail: {
    // Matched ignoring case: SageMaker may lower-case pipeline names in ARNs.
    pipelineArn: names.map((n): { 'equals-ignore-case': CfnValue } => ({ 'equals-ignore-case': arn('sagemaker', `pipeline/${n}`) })),
    ...(kind === 'execution' ? { currentPipelineExecutionStatus: [...PipelineExecutionStatus.options] } : { currentStepStatus: ['Succeeded'] }),
  },
});

/** The pipelines cut into groups whose event pattern fits EventBridge's size quota, in order. */
export function patternGroups(kind: 'execution' | 'step', names: string[]): string[][] {
  const max = AWS_LIMITS.eventPatternChars?.value ?? 2048;
  const groups: string[][] = [];
  let current: string[] = [];
  for (const name of names) {
    if (current.length > 0 && jsonSize(patternOf(kind, [...current, name])) > max) {
      groups.push(current);
      current = [];
    }
    if (jsonSize(patternOf(kind, [name])) > max) {
      throw new iam.StackLimitError(`pipelines.${name}: the name is too long for an EventBridge event pattern (${max} characters)`);
    }
    current.push(name);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** A rule of the function, its Lambda permission, and the logical IDs; names fixed so the queue policy can name them. */
export interface StatusRule {
  id: string;
  name: string;
}

/**
 * The EventBridge rules of onPipelineExecutionStatus: execution status changes of every configured
 * pipeline, succeeded steps of pipelines with `trigger: step` routes; each pattern within the quota.
 * Failed deliveries go to the on-failure queue; each rule may invoke the function.
 */
export function statusRules(ctx: StackContext, target: { functionId: string; deadLetterQueue: string }): { rules: StatusRule[]; resources: Resources } {
  const resources: Resources = {};
  const rules: StatusRule[] = [];
  for (const kind of ['execution', 'step'] as const) {
    patternGroups(kind, pipelinesOf(ctx.config, kind)).forEach((names, i) => {
      const id = `${kind === 'execution' ? 'PipelineStatus' : 'PipelineStepStatus'}Rule${i + 1}`;
      const name = ruleName(ctx.stage, `${kind === 'execution' ? 'pipeline-status' : 'pipeline-steps'}-${i + 1}`);
      rules.push({ id, name });
      resources[id] = {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: name,
          Description:
            kind === 'execution'
              ? 'SageMaker pipeline execution status changes of the pipelines in config/post-processing.json'
              : 'Succeeded steps of the pipelines with trigger: step routes in config/post-processing.json',
          State: 'ENABLED',
          EventPattern: patternOf(kind, names),
          Targets: [
            {
              Id: 'onPipelineExecutionStatus',
              Arn: getAtt(target.functionId, 'Arn'),
              RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 20 },
              DeadLetterConfig: { Arn: getAtt(target.deadLetterQueue, 'Arn') },
            },
          ],
        },
      };
      resources[`${id}Permission`] = {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: getAtt(target.functionId, 'Arn'),
          Action: 'lambda:InvokeFunction',
          Principal: 'events.amazonaws.com',
          SourceArn: getAtt(id, 'Arn'),
        },
      };
    });
  }
  return { rules, resources };
}
