/**
 * A local DynamoDB (dynalite, the implementation the tests use) holding the fan-out table as
 * infra/fan-out.ts declares it, for running the fan-in functions offline:
 *   node --import tsx scripts/local-fan-out-table.ts [stage] [--sample]   # prints AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:<port>
 * `--sample` records a fan-out in progress for the parent of events/fan-out-progress.json (5 children:
 * one succeeded, one failed, one running, two waiting for quota), for `fanOutProgress` to report.
 * It serves until stopped (Ctrl-C, or a signal).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stageNames } from '../infra/names';
import { FanInStore } from '../lib/fan-out/fan-in-store';
import { startDynalite } from '../doubles/dynalite';
import { recordSampleFanOut } from '../doubles/sample-fan-out';

// The deployed table's name, as serverless.yml gives it to the functions (FAN_OUT_TABLE).

async function main() {
  const args = process.argv.slice(2);
  const stage = args.find((a) => !a.startsWith('--')) ?? 'dev';
  const table = stageNames(stage).fanOutTable;
  const dynamo = await startDynalite(table);
  if (args.includes('--sample')) {
    const event = JSON.parse(readFileSync(join(__dirname, '..', 'events', 'fan-out-progress.json'), 'utf8')) as { parentExecutionArn: string };
    await recordSampleFanOut(new FanInStore(dynamo.doc, table), event.parentExecutionArn);
  }
  console.log(`AWS_ENDPOINT_URL_DYNAMODB=${dynamo.endpoint}`);
  const stop = () => void dynamo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
