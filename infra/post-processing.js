// onPipelineExecutionStatus: its role (what the post-processing and the partition registrars it calls
// need, on the pipelines, tables, workgroups and prefixes config/post-processing.json names) and its
// on-failure queue. The EventBridge rules are function events in serverless.yml (infra/_config.js).
 
'use strict';

const r = require('./_resources');
const { stageNames } = require('./_names');

const FUNCTION = 'onPipelineExecutionStatus';
const QUEUE = 'PostProcessingFailedEventsQueue';

// createPartitions (lib/partitions): read the table, classify, create; the options add their calls.
const glueStrategyActions = (route) => [
  'glue:GetTable',
  'glue:BatchGetPartition',
  'glue:BatchCreatePartition',
  ...(route.glue?.removeMissing ? ['glue:GetPartitions', 'glue:BatchDeletePartition'] : []),
  ...(route.glue?.updateMoved ? ['glue:BatchUpdatePartition'] : []),
];
const ATHENA_ACTIONS = ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'];

/** One statement per distinct action set, holding every table that needs it (keeps the policy small). */
function glueStatements(routes) {
  const byActions = new Map();
  for (const route of routes) {
    const actions = route.strategy === 'glue' ? glueStrategyActions(route) : r.ATHENA_GLUE_ACTIONS;
    const key = actions.join(',');
    byActions.set(key, { actions, tables: [...(byActions.get(key)?.tables ?? []), route] });
  }
  return [...byActions.values()].map(({ actions, tables }) => ({ Effect: 'Allow', Action: actions, Resource: r.glueTableArns(tables) }));
}

function statements(config) {
  const routes = r.routedTables(config);
  if (routes.length === 0) return [];
  const athenaRoutes = routes.filter((route) => route.strategy !== 'glue');
  const scoped = routes.some((route) => route.scope === 'outputs');
  const unique = (xs) => [...new Set(xs)];
  const workGroups = new Map((config.deploy?.athenaWorkGroups ?? []).map((wg) => [wg.name, wg]));
  const workGroupOf = (route) => workGroups.get(route.athena?.workGroup ?? 'primary');
  // A workgroup that enforces its result location writes the results there, whatever the route asks.
  const resultLocation = (route) => workGroupOf(route)?.outputLocation ?? route.athena?.outputLocation;
  const resultKeys = unique(athenaRoutes.map((route) => workGroupOf(route)?.resultsKmsKey).filter(Boolean));
  const tableKeys = config.deploy?.kms?.tableDataKeys ?? [];
  return [
    {
      Effect: 'Allow',
      Action: ['sagemaker:DescribePipelineExecution', 'sagemaker:ListPipelineExecutionSteps'],
      Resource: r.pipelineExecutionArns(config),
    },
    // Jobs started by a pipeline are named pipelines-<executionId>-<step>-...
    ...(scoped
      ? [{ Effect: 'Allow', Action: ['sagemaker:DescribeProcessingJob'], Resource: r.arn('sagemaker', 'processing-job/pipelines-*') }]
      : []),
    ...glueStatements(routes),
    ...r.s3ReadStatements(unique(routes.map((route) => route.location))),
    // Reading SSE-KMS objects of the Locations decrypts with the table data's key.
    ...(tableKeys.length > 0 ? [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: tableKeys }] : []),
    ...(athenaRoutes.length > 0
      ? [
          {
            Effect: 'Allow',
            Action: ATHENA_ACTIONS,
            Resource: unique(athenaRoutes.map((route) => route.athena?.workGroup ?? 'primary')).map(r.workGroupArn),
          },
          ...r.athenaOutputStatements(unique(athenaRoutes.map(resultLocation).filter(Boolean))),
          // Athena encrypts (GenerateDataKey) and reads back (Decrypt) results with the caller's rights.
          ...(resultKeys.length > 0 ? [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: resultKeys }] : []),
          ...(config.deploy?.lakeFormation ? [r.LAKE_FORMATION_DATA_ACCESS] : []),
        ]
      : []),
    // Lambda sends failed asynchronous invocations to the on-failure destination with this role.
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': [QUEUE, 'Arn'] } },
  ];
}

/** The rules infra/_config.js creates: 1 for execution status changes, 2 when a route has trigger `step`. */
function ruleNames(ctx) {
  const [execution, step] = stageNames(ctx.stage).rules.pipelineStatus;
  const routes = r.routedTables(ctx.config);
  return [...(routes.length > 0 ? [execution] : []), ...(routes.some((route) => route.trigger === 'step') ? [step] : [])];
}

module.exports = (ctx) => ({
  functions: { [FUNCTION]: statements(ctx.config) },
  resources: {
    [QUEUE]: {
      ...r.RETAIN,
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: stageNames(ctx.stage).postProcessingFailedQueue,
        MessageRetentionPeriod: 1209600,
        SqsManagedSseEnabled: true,
      },
    },
    // The EventBridge rules send what they could not deliver to the function to the same queue.
    PostProcessingFailedEventsQueuePolicy: r.eventBridgeDeadLetterPolicy(QUEUE, ruleNames(ctx)),
  },
});
