import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { dynamoDbClient } from '../lib/core/aws-clients';
import { readEnv, requiredVar } from '../lib/core/config';
import { executionArnProblem, isPipelineExecutionArn } from '../lib/core/execution-arn';
import { withPowertools } from '../lib/core/middleware';
import { FanInStore } from '../lib/fan-out/fan-in-store';
import { fanOutProgress, type FanOutProgress } from '../lib/fan-out/progress';
import { parseStepInput } from '../lib/lambda-step/define-step';

const config = readEnv(z.object({ FAN_OUT_TABLE: requiredVar() }));

const Input = z.object({
  parentExecutionArn: z.string().check(z.refine(isPipelineExecutionArn, { error: (issue) => executionArnProblem(issue.input) })),
});

/**
 * `{parentExecutionArn}` -> the fan-out's progress: children by state, failed children with their
 * reasons, pending ones, start and last-end times, whether the callback was sent. Reads the state
 * table only (`sls invoke -f fanOutProgress --data '{"parentExecutionArn": "..."}'`).
 */
export const handler = withPowertools(async (event: unknown): Promise<FanOutProgress> => {
  const { parentExecutionArn } = parseStepInput(Input, event);
  const store = new FanInStore(DynamoDBDocumentClient.from(dynamoDbClient()), config.FAN_OUT_TABLE);
  return fanOutProgress(store, parentExecutionArn);
  // An operator's query: no metric (the warning of an empty flush would precede the report in a terminal).
}, { metrics: false });
