/**
 * Fan-out benchmark: 1,000 children against a fake StartPipelineExecution with a fixed latency and 10%
 * throttling, through a real SageMakerClient (the retry configuration the functions ship), so throttled
 * calls are retried by the SDK's own strategy and backoff. Each run's wall time is judged against the
 * floor set by the attempts it actually made (calls / concurrency x the latency they took: what the
 * concurrency limit allows, throttled attempts included), which is what the code controls; absolute
 * times, and the fake's latency itself, vary with the machine's load. A cold first run, then the
 * median of RUNS (default 9) warm runs, judged on the target of at most 1.1x the floor.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { clientOptions, sageMakerClientConfig, SAGEMAKER_RETRY_BASE_MS, SAGEMAKER_RETRY_CAP_MS } from '../lib/core/aws-clients';
import { planChildStarts } from '../lib/fan-out/plan';
import { startChildExecutions } from '../lib/fan-out/start-children';
import { FakeSageMaker } from '../doubles/fake-sagemaker';
import { fakeSageMakerRequestHandler } from '../doubles/fake-sagemaker-http';
import { JUDGE_LOAD_BOUND, scaled, scaleNote } from './scale';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ITEMS = Number(process.env.ITEMS ?? scaled(1000, 50));
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 20);
const THROTTLE = Number(process.env.THROTTLE ?? 0.1);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 10);

/** Time spent inside the fake's calls: how much the machine's load stretches the nominal latency. */
let heldMs = 0;
function timed(handler: ReturnType<typeof fakeSageMakerRequestHandler>): ReturnType<typeof fakeSageMakerRequestHandler> {
  return {
    ...handler,
    async handle(request) {
      const start = performance.now();
      try {
        return await handler.handle(request);
      } finally {
        heldMs += performance.now() - start;
      }
    },
  };
}

async function run(label: string, retry: 'shipped' | 'standard' | 'adaptive') {
  heldMs = 0;
  const fake = new FakeSageMaker({ concurrencyQuota: 1_000_000, latencyMs: LATENCY_MS, throttleRate: THROTTLE });
  fake.addPipeline('child', ['item']);
  const shipped = sageMakerClientConfig();
  const sageMaker = new SageMakerClient({
    // 'shipped' is the configuration lib/core/aws-clients.ts gives the functions' SageMaker client.
    ...(retry === 'shipped' ? shipped : { maxAttempts: shipped.maxAttempts, retryMode: retry }),
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: timed(fakeSageMakerRequestHandler(fake)),
  });
  const items = Array.from({ length: ITEMS }, (_, i) => `item-${i}`);
  const plan = planChildStarts({ pipelines: ['child'], items }, 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/bench');
  const t0 = performance.now();
  const result = await startChildExecutions({ sageMaker }, plan, { remainingTimeMs: () => 600_000, maxConcurrency: CONCURRENCY });
  const wall = performance.now() - t0;
  const calls = fake.startCalls + fake.throttled;
  // Every attempt, throttled or not, holds one of CONCURRENCY slots for a full round trip: the floor is
  // calls / concurrency x latency, with the latency the calls actually took (the machine's load
  // stretches the fake's nominal LATENCY_MS, which the fan-out's code cannot help).
  const callMs = heldMs / calls;
  const floor = (calls / CONCURRENCY) * callMs;
  const perChild = new Map<string, number>();
  for (const e of fake.executions.values()) perChild.set(e.displayName ?? '', (perChild.get(e.displayName ?? '') ?? 0) + 1);
  const duplicates = [...perChild.values()].reduce((n, c) => n + c - 1, 0);
  const lost = plan.filter((c) => !perChild.has(c.displayName)).length;
  return {
    label,
    wallMs: Math.round(wall),
    floorMs: Math.round(floor),
    overFloor: Number((wall / floor).toFixed(2)),
    // The mean time a call took in the fake, and the ratio against the floor at the nominal latency.
    callMs: Number(callMs.toFixed(1)),
    overNominalFloor: Number((wall / ((calls / CONCURRENCY) * LATENCY_MS)).toFixed(2)),
    calls,
    throttled: fake.throttled,
    started: result.started.length,
    notStarted: result.pending.length + result.failed.length,
    duplicates,
    lost,
  };
}

const RUNS = Number(process.env.RUNS ?? scaled(9, 3));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main() {
  console.log(`fan-out benchmark (${scaleNote()}): ${ITEMS} items, ${LATENCY_MS} ms latency, ${THROTTLE * 100}% throttled, concurrency ${CONCURRENCY}`);
  const { maxAttempts } = clientOptions();
  const shipped = `shipped (full jitter ${SAGEMAKER_RETRY_BASE_MS} ms..${SAGEMAKER_RETRY_CAP_MS} ms, ${maxAttempts} attempts)`;
  // The first run in a process also pays for compiling the SDK's code paths: reported, not judged.
  const cold = await run(`${shipped}, cold (first run)`, 'shipped');
  const warm = [];
  for (let i = 1; i <= RUNS; i++) warm.push(await run(`${shipped}, run ${i}`, 'shipped'));
  const rows = [cold, ...warm, await run(`SDK standard mode, ${maxAttempts} attempts (for comparison)`, 'standard')];
  if (process.env.BENCH_ADAPTIVE) rows.push(await run(`SDK adaptive mode, ${maxAttempts} attempts (slow: ~100x)`, 'adaptive'));
  console.table(rows);
  const ratios = warm.map((r) => r.overFloor);
  const ratio = median(ratios);
  const duplicates = [cold, ...warm].reduce((n, r) => n + r.duplicates, 0);
  const lost = [cold, ...warm].reduce((n, r) => n + r.lost, 0);
  console.log(
    `floor = attempts made / concurrency (${CONCURRENCY}) x the latency they took (median ${median(warm.map((r) => r.callMs))} ms a call; ` +
      `nominal ${LATENCY_MS} ms): the time the concurrency limit allows for the calls actually sent, throttled ones included. ` +
      "Absolute times, and how far the fake's latency stretches, vary with the machine's load: the ratio to this floor is what is judged.",
  );
  console.log(
    `shipped: wall time median ${ratio}x the floor over ${RUNS} runs (range ${Math.min(...ratios)}-${Math.max(...ratios)}x; cold first run ${cold.overFloor}x), ` +
      `target <= 1.1x: ${JUDGE_LOAD_BOUND ? (ratio <= 1.1 ? 'met' : 'NOT met') : 'not judged at a reduced size'}; duplicates ${duplicates}, lost ${lost} over all shipped runs (target 0, 0): ${duplicates === 0 && lost === 0 ? 'met' : 'NOT met'}`,
  );
  // What load cannot move fails the run; the wall ratio is judged by the reader of a full-size run.
  if (duplicates > 0 || lost > 0) process.exitCode = 1;
}

void main();
