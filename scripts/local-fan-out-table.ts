/**
 * A local DynamoDB (dynalite, the implementation the tests use) holding the fan-out table as
 * infra/fan-out.js declares it, for running the fan-in functions offline:
 *   node --import tsx scripts/local-fan-out-table.ts [stage]   # prints AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:<port>
 * It serves until stopped (Ctrl-C, or a signal).
 */
import { startDynalite } from '../test/fakes/dynalite';

async function main() {
  const stage = process.argv[2] ?? 'dev';
  const dynamo = await startDynalite(`sagemaker-pipeline-functions-${stage}-fan-out`);
  const endpoint = await dynamo.client.config.endpoint?.();
  console.log(`AWS_ENDPOINT_URL_DYNAMODB=${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`);
  const stop = () => void dynamo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
