/** SageMaker pipeline execution ARNs: recognised, and what is wrong with a value given as one. */
import { truncate } from './errors';

const EXECUTION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[^/]+\/execution\/[^/\s]+$/i;

/** True when the value is a SageMaker pipeline execution ARN. */
export const isPipelineExecutionArn = (value: unknown): value is string =>
  typeof value === 'string' && EXECUTION_ARN.test(value);

const EXECUTION_ARN_FORM = 'arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>';

/** What is wrong with a value given as a pipeline execution ARN, said whole (the value itself may be cut in the message). */
export function executionArnProblem(value: unknown): string {
  if (typeof value !== 'string') return `expected a SageMaker pipeline execution ARN (${EXECUTION_ARN_FORM})`;
  const arn = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$/.exec(value.trim());
  if (!arn) return `not an ARN: expected a SageMaker pipeline execution ARN (${EXECUTION_ARN_FORM})`;
  const [, , service, , , resource = ''] = arn;
  if (service !== 'sagemaker') return `a ${truncate(service || 'malformed', 30)} ARN, not a SageMaker pipeline execution ARN (${EXECUTION_ARN_FORM})`;
  if (/^pipeline\/[^/]+\/?$/i.test(resource)) {
    return 'a pipeline ARN, not a pipeline execution ARN: pass Execution.PipelineExecutionArn (it ends in /execution/<id>)';
  }
  const kind = /^([a-z-]+)\//i.exec(resource)?.[1];
  if (kind && kind.toLowerCase() !== 'pipeline') return `a SageMaker ${truncate(kind, 30)} ARN, not a pipeline execution ARN (${EXECUTION_ARN_FORM})`;
  return `expected a SageMaker pipeline execution ARN (${EXECUTION_ARN_FORM})`;
}
