/**
 * Every metric the functions emit, with the dimension sets each is emitted with: the one list the code
 * emits from (`Metric.X`) and the dashboard and alarms are built from (infra/monitoring.ts imports this
 * file). Powertools adds the `service` dimension (POWERTOOLS_SERVICE_NAME) to every set.
 */

/** CloudWatch namespace of the metrics (every function's POWERTOOLS_METRICS_NAMESPACE: infra/stack.ts). */
export const METRICS_NAMESPACE = 'SageMakerPipelineFunctions';
/** The `service` dimension's value (every function's POWERTOOLS_SERVICE_NAME: infra/stack.ts). */
export const METRICS_SERVICE = 'sagemaker-pipeline-functions';

const SERVICE = ['service'] as const;
const BY_PIPELINE = ['service', 'pipeline', 'status'] as const;
const BY_FUNCTION = ['service', 'function'] as const;
const BY_TABLE = ['service', 'table'] as const;

/** Metric name -> the dimension sets it is emitted with. */
export const METRIC_DIMENSIONS = {
  // onPipelineExecutionStatus: one per event, and what its registrations did.
  PipelineExecutionStatus: [BY_PIPELINE],
  PipelineStepStatus: [BY_PIPELINE],
  PartitionsAdded: [BY_PIPELINE, BY_TABLE, BY_FUNCTION],
  RegistrationsFailed: [BY_PIPELINE, BY_TABLE],
  // LambdaStep targets (`function` is the step function's name).
  StepSucceeded: [BY_FUNCTION],
  StepFailed: [BY_FUNCTION],
  PartitionsSkipped: [BY_FUNCTION],
  PartitionsRemoved: [BY_FUNCTION],
  // Fan-out state changes, as they happen.
  FanOutChildrenStarted: [SERVICE],
  FanOutChildrenEnded: [SERVICE],
  FanOutChildrenFailed: [SERVICE],
  FanOutChildRetries: [SERVICE],
  // Fan-out gauges, one sample per sweep (every 15 minutes) over the running fan-outs.
  FanOutsRunning: [SERVICE],
  FanOutsStalled: [SERVICE],
  FanOutChildrenPending: [SERVICE],
  FanOutChildrenRunning: [SERVICE],
  // The sweep's repairs.
  FanOutChildEndsRecovered: [SERVICE],
  FanOutCompletionsTakenOver: [SERVICE],
} as const satisfies Record<string, readonly (readonly string[])[]>;

export type MetricName = keyof typeof METRIC_DIMENSIONS;

/** `Metric.PartitionsAdded === 'PartitionsAdded'`: emit through these, never a string literal. */
export const Metric = Object.fromEntries(Object.keys(METRIC_DIMENSIONS).map((name) => [name, name])) as {
  readonly [K in MetricName]: K;
};
