// The stack's Outputs: what the pipeline side needs, printed by `sls info --verbose` after a deploy
// (and in the CloudFormation console). serverless.yml: `resources: - ${file(infra/_outputs.js):outputs}`.
// osls adds its own `<Fn>LambdaFunctionQualifiedArn` outputs (a version's ARN); these are the plain
// ARNs a LambdaStep's `Lambda(function_arn=...)` takes, and the queues' URLs.
'use strict';

const { LAMBDA_STEP_FUNCTIONS } = require('./_names');

const capitalized = (name) => `${name[0].toUpperCase()}${name.slice(1)}`;

/** `Ref` of an SQS queue is its URL. */
const queueUrl = (logicalId, Description) => ({ Description, Value: { Ref: logicalId } });

function outputs() {
  const Outputs = {};
  for (const fn of LAMBDA_STEP_FUNCTIONS) {
    Outputs[`${capitalized(fn)}FunctionArn`] = {
      Description: `LambdaStep target ${fn}: Lambda(function_arn=...)`,
      Value: { 'Fn::GetAtt': [`${capitalized(fn)}LambdaFunction`, 'Arn'] },
    };
  }
  Object.assign(Outputs, {
    FanOutQueueUrl: queueUrl('FanOutQueue', "The fan-in queue: a CallbackStep's sqs_queue_url"),
    FanOutQueueArn: {
      Description: "The fan-in queue's ARN: the pipeline's role needs sqs:SendMessage on it",
      Value: { 'Fn::GetAtt': ['FanOutQueue', 'Arn'] },
    },
    FanOutDeadLetterQueueUrl: queueUrl('FanOutDeadLetterQueue', 'Fan-in queue messages that failed 5 receives (fanOutCallback)'),
    FanOutFailedEventsQueueUrl: queueUrl(
      'FanOutFailedEventsQueue',
      "Children's status events that onChildExecutionStatus could not process or receive",
    ),
    PostProcessingFailedEventsQueueUrl: queueUrl(
      'PostProcessingFailedEventsQueue',
      'Pipeline events onPipelineExecutionStatus failed on: scripts/replay-failed-events.sh replays them',
    ),
  });
  return { Outputs };
}

module.exports = { LAMBDA_STEP_FUNCTIONS, outputs };
