/**
 * The Glue, Athena and SageMaker (execution steps, processing jobs) fakes as awsJson1_1 services,
 * for doubles/aws-json-http.ts to serve: `X-Amz-Target: AWSGlue.<Op>`, `AmazonAthena.<Op>`, `SageMaker.<Op>`.
 */
import type { JsonService } from './aws-json-http';
import type { FakeAthena } from './fake-athena';
import type { FakeGlue } from './fake-glue';
import type { FakeSageMakerExecutions } from './fake-sagemaker-executions';

export const glueService = (fake: FakeGlue): JsonService => ({
  targetPrefix: 'AWSGlue',
  routes: {
    GetTable: (i) => fake.getTable(i),
    BatchGetPartition: (i) => fake.batchGetPartition(i),
    BatchCreatePartition: (i) => fake.batchCreatePartition(i),
    CreatePartition: (i) => fake.createPartition(i),
    BatchDeletePartition: (i) => fake.batchDeletePartition(i),
    BatchUpdatePartition: (i) => fake.batchUpdatePartition(i),
    GetPartitions: (i) => fake.getPartitions(i),
  },
});

export const athenaService = (fake: FakeAthena): JsonService => ({
  targetPrefix: 'AmazonAthena',
  routes: {
    StartQueryExecution: (i) => fake.startQueryExecution(i),
    GetQueryExecution: (i) => fake.getQueryExecution(i),
    GetQueryResults: (i) => fake.getQueryResults(i),
  },
});

export const sageMakerExecutionsService = (fake: FakeSageMakerExecutions): JsonService => ({
  targetPrefix: 'SageMaker',
  routes: {
    ListPipelineExecutionSteps: async (i) => fake.listSteps(i),
    DescribeProcessingJob: async (i) => fake.describeJob(i),
    DescribePipelineExecution: async (i) => fake.describeExecution(i),
  },
});
