/**
 * The use case: one SageMaker pipeline event in, the configured post-processing run. Routing decides,
 * SageMaker says which outputs the processing jobs wrote (scope `outputs`), the plan turns routes into
 * registrations, and the injected registrars run them.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { PostProcessingConfig } from './config';
import { planRegistrations, type RunPlan, type StepOutputs } from './plan';
import { routeEvent, type PipelineEvent, type RoutingDecision } from './routing';
import { runRegistrations, type Registrars, type RegistrationOutcome } from './run-registrations';
import { executionFailureReason, listProcessingSteps, ProcessingOutputs } from './sagemaker';

export interface PostProcessingDeps {
  /** Called only for an event that needs SageMaker: an ignored event builds no client (and loads no SDK). */
  sageMaker: () => SageMakerClient;
  registrars: Registrars;
}

export type PostProcessingReport =
  | { action: 'ignored'; pipeline: string | undefined; reason: string }
  | { action: 'explained-failure'; pipeline: string; failureReason: string | undefined }
  | { action: 'registered'; pipeline: string; plan: RunPlan; outcomes: RegistrationOutcome[] };

/** The outputs of the processing steps the decision concerns: the one step, or every succeeded step of the execution. */
async function resolveOutputs(
  sageMaker: () => SageMakerClient,
  decision: Extract<RoutingDecision, { action: 'register' }>,
  executionArn: string,
): Promise<StepOutputs[]> {
  if (!decision.routes.some((r) => r.scope === 'outputs')) return [];
  const outputs = new ProcessingOutputs(sageMaker());
  const steps =
    decision.trigger === 'step'
      ? [{ stepName: decision.stepName, processingJobArn: decision.processingJobArn }]
      : await listProcessingSteps(sageMaker(), executionArn);
  return Promise.all(steps.map(async (s) => ({ stepName: s.stepName, s3Uris: await outputs.of(s.processingJobArn) })));
}

/**
 * Runs what the configuration asks for this event. Registration failures are in the report's outcomes
 * (the caller fails the invocation with assertAllSucceeded); SageMaker read errors are thrown.
 */
export async function postProcessPipelineEvent(
  deps: PostProcessingDeps,
  config: PostProcessingConfig,
  event: PipelineEvent,
): Promise<PostProcessingReport> {
  const decision = routeEvent(config, event);
  const executionArn = event.detail.pipelineExecutionArn;
  switch (decision.action) {
    case 'ignore':
      return { action: 'ignored', pipeline: decision.pipeline, reason: decision.reason };
    case 'explain-failure':
      return {
        action: 'explained-failure',
        pipeline: decision.pipeline,
        failureReason: await executionFailureReason(deps.sageMaker(), executionArn),
      };
    case 'register': {
      const plan = planRegistrations(decision.routes, await resolveOutputs(deps.sageMaker, decision, executionArn));
      const outcomes = await runRegistrations(plan.registrations, deps.registrars);
      return { action: 'registered', pipeline: decision.pipeline, plan, outcomes };
    }
  }
}
