/**
 * A local DynamoDB (dynalite, the implementation the tests use) holding the fan-out table as
 * infra/fan-out.js declares it, for running the fan-in functions offline:
 *   node --import tsx scripts/local-fan-out-table.ts [stage]   # prints AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:<port>
 * It serves until stopped (Ctrl-C, or a signal).
 */
import { startDynalite } from '../test/fakes/dynalite';

// The deployed table's name, as serverless.yml gives it to the functions (FAN_OUT_TABLE).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const names = require('../infra/_names.js') as { stageNames(stage: string): { fanOut: { table: string } } };

async function main() {
  const stage = process.argv[2] ?? 'dev';
  const dynamo = await startDynalite(names.stageNames(stage).fanOut.table);
  const endpoint = await dynamo.client.config.endpoint?.();
  console.log(`AWS_ENDPOINT_URL_DYNAMODB=${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`);
  const stop = () => void dynamo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
