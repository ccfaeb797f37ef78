/**
 * Fan-in benchmark: one CallbackStep fan-out of 10,000 children, run end to end in process, against a
 * real DynamoDB API (dynalite, the table as infra/fan-out.ts declares it) and the SageMaker test double
 * with the account's concurrent-execution quota (200) enforced. Each child runs for a random time
 * (2-8 s: dynalite, in the same process, serves a few hundred requests a second on 2 shared cores;
 * 200 children ending every 5 s on average keep it below saturation, so the delays measure the code,
 * not a queue in front of dynalite) and then ends; its status event is delivered (after a random
 * delay, a share of them twice) to onChildExecutionEnd, as EventBridge invokes onChildExecutionStatus. Resume messages go through a
 * delayed queue with the shipped delay (60 s), so a start that waited for one would show in the delays.
 * One status invocation crashes midway (a DynamoDB error) and is retried, and the CallbackStep message
 * is delivered a second time midway. Printed: children started exactly once, callbacks sent, DynamoDB
 * requests and Lambda invocations per child, and the delay from a child's end to the next pending
 * child's start (n-th end after the first wave paired with the n-th start after it).
 * A second fan-out, a tenth of the size, runs with `maxRunning: 50` and `childRetries: 1`, its 1% of
 * failing children failing once: the most children running at once (the double's own record) is at
 * most 50, every child succeeds, retries = failures; its DynamoDB requests per child are printed
 * beside the first's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient, type RetryPipelineExecutionCommandInput, type StartPipelineExecutionCommandInput } from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stageNames } from '../infra/names';
import type { FanInDeps } from '../lib/fan-out/fan-in-deps';
import type { EndStatus } from '../lib/fan-out/fan-in-state';
import { loadBound, scaled, scaleNote } from './scale';

// Before the functions' modules load (below, dynamically): their logger and metrics read these once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const CHILDREN = Number(process.env.CHILDREN ?? scaled(10_000, 200));
const QUOTA = Number(process.env.QUOTA ?? 200);
const MIN_MS = Number(process.env.CHILD_MIN_MS ?? 2000);
const MAX_MS = Number(process.env.CHILD_MAX_MS ?? 8000);
const FAIL_RATE = Number(process.env.FAIL_RATE ?? 0.01);
const EVENT_DELAY_MS = Number(process.env.EVENT_DELAY_MS ?? 20);
const DUPLICATE_RATE = Number(process.env.DUPLICATE_RATE ?? 0.02);
const RESUME_DELAY_MS = Number(process.env.RESUME_DELAY_MS ?? 60_000);
const LAMBDA_RETRY_MS = 1000;
const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/bench0001';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/**
 * The table served by dynalite in a process of its own (scripts/local-fan-out-table.ts, as the docs run
 * it): the functions' code and dynalite then use a core each.
 */
async function localTable(stage: string): Promise<{ endpoint: string; table: string; stop: () => void }> {
  const server = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-fan-out-table.ts', stage], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: server.stdout });
  for await (const line of lines) {
    const endpoint = /^AWS_ENDPOINT_URL_DYNAMODB=(.+)$/.exec(line)?.[1];
    if (endpoint) return { endpoint, table: stageNames(stage).fanOutTable, stop: () => server.kill('SIGTERM') };
  }
  throw new Error('scripts/local-fan-out-table.ts printed no endpoint');
}

async function main() {
  const { sageMakerClientConfig } = await import('../lib/core/aws-clients');
  const { handleFanInMessage, onChildExecutionEnd } = await import('../lib/fan-out/fan-in');
  const { FanInStore } = await import('../lib/fan-out/fan-in-store');
  const { FakeSageMaker } = await import('../doubles/fake-sagemaker');
  const { fakeSageMakerRequestHandler } = await import('../doubles/fake-sagemaker-http');
  const local = await localTable('bench');
  const dynamoClient = new DynamoDBClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const dynamo = { client: dynamoClient, doc: DynamoDBDocumentClient.from(dynamoClient) };
  const TABLE = local.table;
  const requests = new Map<string, number>();
  let failNextBatchWrite = false;
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      requests.set(name, (requests.get(name) ?? 0) + 1);
      if (failNextBatchWrite && name === 'BatchWriteItem') {
        failNextBatchWrite = false;
        throw Object.assign(new Error('injected: the invocation crashed here'), { name: 'InjectedCrash' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchCount' },
  );

  interface Scenario {
    name: string;
    parent: string;
    children: number;
    /** Share of children whose first attempt fails; `permanent`: they stay failed, else they succeed when retried. */
    failRate: number;
    permanent: boolean;
    arguments?: Record<string, string>;
  }

  /** Runs one fan-out to its callback; prints its figures; returns its checks and DynamoDB requests per child. */
  const runScenario = async (scenario: Scenario): Promise<{ checks: (readonly [string, boolean])[]; dynamoPerChild: number }> => {
    const CHILDREN = scenario.children;
    const PARENT = scenario.parent;
    requests.clear();
    const startTimes: number[] = [];
    const endTimes: number[] = [];
    const invocations = { callbackStep: 0, resume: 0, status: 0, statusRetries: 0 };
    let inFlight = 0;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, work: () => Promise<void>) => {
      inFlight += 1;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void work().finally(() => (inFlight -= 1));
      }, ms);
      timers.add(timer);
    };

    let crashAt = Math.floor(CHILDREN / 2);
    const store = new FanInStore(dynamo.doc, TABLE);
    // Set below, once the double exists; the deps read it when an invocation runs.
    const client: { sageMaker?: SageMakerClient } = {};

    const deps = (): FanInDeps => {
      const deadline = Date.now() + 120_000;
      if (!client.sageMaker) throw new Error('no SageMaker client yet');
      return {
        sageMaker: client.sageMaker,
        store,
        remainingTimeMs: () => deadline - Date.now(),
        scheduleResume: async (parent) =>
          later(RESUME_DELAY_MS, async () => {
            invocations.resume += 1;
            await handleFanInMessage(deps(), { resumeFanOut: parent });
          }),
      };
    };

    /** EventBridge: the status event reaches onChildExecutionStatus (retried like an asynchronous invocation). */
    const deliver = (arn: string, status: EndStatus, retry = false) =>
      later(retry ? LAMBDA_RETRY_MS : Math.random() * EVENT_DELAY_MS, async () => {
        if (retry) invocations.statusRetries += 1;
        else invocations.status += 1;
        try {
          if (!retry && (crashAt -= 1) === 0) failNextBatchWrite = true;
          await onChildExecutionEnd(deps(), arn, status);
        } catch (error) {
          if ((error as Error).name !== 'InjectedCrash') console.error('status invocation failed, retried', error);
          deliver(arn, status, true);
        }
      });

    let failedFirst = 0;
    class TimedSageMaker extends FakeSageMaker {
      /** The child runs 2-8 s, then ends with `status`; its event is delivered (a share twice). */
      private run(arn: string, status: EndStatus) {
        later(MIN_MS + Math.random() * (MAX_MS - MIN_MS), async () => {
          this.end(arn, status);
          endTimes.push(now());
          deliver(arn, status);
          if (Math.random() < DUPLICATE_RATE) deliver(arn, status);
        });
      }
      override async startPipelineExecution(input: StartPipelineExecutionCommandInput) {
        const before = this.executions.size;
        const out = await super.startPipelineExecution(input);
        if (this.executions.size > before) {
          startTimes.push(now());
          const fails = Math.random() < scenario.failRate;
          if (fails) failedFirst += 1;
          this.run(out.PipelineExecutionArn, fails ? 'Failed' : 'Succeeded');
        }
        return out;
      }
      override async retryPipelineExecution(input: RetryPipelineExecutionCommandInput) {
        const before = this.retryCalls.length;
        const out = await super.retryPipelineExecution(input);
        if (this.retryCalls.length > before) this.run(out.PipelineExecutionArn, scenario.permanent ? 'Failed' : 'Succeeded');
        return out;
      }
    }
    const fake = new TimedSageMaker({ concurrencyQuota: QUOTA });
    fake.addPipeline('child', ['item']);
    const sageMaker = new SageMakerClient({
      ...sageMakerClientConfig(),
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      requestHandler: fakeSageMakerRequestHandler(fake),
    });
    client.sageMaker = sageMaker;

    const message = {
      token: 'bEnCh00001',
      pipelineExecutionArn: PARENT,
      arguments: {
        pipelines: 'child',
        items: JSON.stringify(Array.from({ length: CHILDREN }, (_, i) => `item-${i}`)),
        failOnChildFailure: 'false',
        ...scenario.arguments,
      },
    };
    console.log(
      `\n${scenario.name} (${scaleNote()}): ${CHILDREN} children${scenario.arguments ? ` with ${JSON.stringify(scenario.arguments)}` : ''}, quota ${QUOTA} concurrent executions, children run ${MIN_MS}-${MAX_MS} ms, ` +
        `${scenario.failRate * 100}% fail${scenario.permanent ? '' : ' once'}, events delivered after 0-${EVENT_DELAY_MS} ms (${DUPLICATE_RATE * 100}% twice), resume delay ${RESUME_DELAY_MS} ms`,
    );
    const t0 = now();
    invocations.callbackStep += 1;
    await handleFanInMessage(deps(), message);
    const firstWave = startTimes.length;
    let redelivered = false;
    while (fake.successCalls.length + fake.failureCalls.length === 0 || inFlight > 0) {
      if (!redelivered && endTimes.length >= CHILDREN / 2) {
        // SQS delivers the CallbackStep message again: nothing may start twice.
        redelivered = true;
        invocations.callbackStep += 1;
        await handleFanInMessage(deps(), message);
      }
      // Only resume timers left (their 60 s delay) once the callback is sent: the run is over.
      if (fake.successCalls.length + fake.failureCalls.length > 0 && inFlight === timers.size) break;
      await sleep(20);
    }
    const wall = now() - t0;
    for (const timer of timers) clearTimeout(timer);

    const perChild = new Map<string, number>();
    for (const e of fake.executions.values()) perChild.set(e.displayName ?? '', (perChild.get(e.displayName ?? '') ?? 0) + 1);
    const duplicates = [...perChild.values()].reduce((n, c) => n + c - 1, 0);
    const lost = CHILDREN - perChild.size;
    const callbacks = fake.successCalls.length + fake.failureCalls.length;
    const dynamoTotal = [...requests.values()].reduce((a, b) => a + b, 0);
    const lambdaTotal = invocations.callbackStep + invocations.resume + invocations.status + invocations.statusRetries;
    // The n-th end paired with the n-th start after the first wave: the delay until its slot was used again.
    const ends = [...endTimes].sort((a, b) => a - b);
    const laterStarts = startTimes.slice(firstWave).sort((a, b) => a - b);
    const delays = laterStarts.map((s, i) => s - (ends[i] ?? s));
    const outputs = Object.fromEntries((fake.successCalls[0]?.OutputParameters ?? []).map((o) => [o.Name, o.Value]));
    const maxRunning = scenario.arguments?.maxRunning === undefined ? undefined : Number(scenario.arguments.maxRunning);

    console.table({
      'children started exactly once': { value: `${perChild.size} of ${CHILDREN} (${duplicates} duplicates, ${lost} lost)` },
      'callbacks sent': { value: `${callbacks} (${fake.successCalls.length} success, ${fake.failureCalls.length} failure)` },
      'most children running at once (the double\'s record)': { value: fake.peakRunning },
      'children whose first attempt failed / retries sent': { value: `${failedFirst} / ${fake.retryCalls.length}` },
      'DynamoDB requests per child': { value: (dynamoTotal / CHILDREN).toFixed(2) },
      'Lambda invocations per child': { value: (lambdaTotal / CHILDREN).toFixed(3) },
      'start delay after an end, median (ms)': { value: quantile(delays, 0.5).toFixed(1) },
      'start delay after an end, p99 (ms)': { value: quantile(delays, 0.99).toFixed(1) },
      'start delay after an end, worst (ms)': { value: Math.max(...delays).toFixed(1) },
      'wall time (s)': { value: (wall / 1000).toFixed(1) },
    });
    console.log('DynamoDB requests by operation:', Object.fromEntries([...requests].sort((a, b) => b[1] - a[1])));
    console.log('Lambda invocations:', invocations, `SageMaker: ${fake.startCalls} StartPipelineExecution calls, ${fake.quotaErrors} refused for quota`);
    console.log('callback outputs:', outputs);
    const checks: (readonly [string, boolean])[] = [
      [`children started exactly once (0 duplicates, 0 lost)`, duplicates === 0 && lost === 0],
      [`exactly 1 callback`, callbacks === 1],
    ];
    if (maxRunning !== undefined) checks.push([`at most ${maxRunning} children running at once (${fake.peakRunning})`, fake.peakRunning <= maxRunning]);
    if (!scenario.permanent) {
      checks.push([`every child succeeded (${outputs.succeeded ?? 0} of ${CHILDREN})`, outputs.succeeded === String(CHILDREN)]);
      checks.push([`retries = children that failed (${fake.retryCalls.length} = ${failedFirst})`, fake.retryCalls.length === failedFirst && outputs.retried === String(failedFirst)]);
    } else {
      // Requests per child under contention and the start delay move with the machine's load.
      checks.push(loadBound(`at most 6 DynamoDB requests per child (${(dynamoTotal / CHILDREN).toFixed(2)})`, dynamoTotal / CHILDREN <= 6));
      checks.push(
        loadBound(
          `start delay set by event delivery, not by resumes (${RESUME_DELAY_MS} ms) or the sweep (15 min): worst ${Math.max(...delays).toFixed(0)} ms`,
          Math.max(...delays) < RESUME_DELAY_MS,
        ),
      );
    }
    for (const [what, ok] of checks) console.log(`${ok ? 'met' : 'NOT met'}: ${what}`);
    sageMaker.destroy();
    return { checks, dynamoPerChild: dynamoTotal / CHILDREN };
  };

  const baseline = await runScenario({ name: 'fan-in benchmark', parent: PARENT, children: CHILDREN, failRate: FAIL_RATE, permanent: true });
  // maxRunning 50 over a tenth of the children (at 50 at once, the full 10,000 would take 4 times as long).
  const options = await runScenario({
    name: 'with maxRunning 50 and childRetries 1',
    parent: `${PARENT}-options`,
    children: Math.max(100, Math.round(CHILDREN / 10)),
    failRate: FAIL_RATE,
    permanent: false,
    arguments: { maxRunning: '50', childRetries: '1' },
  });
  console.log(
    `\nDynamoDB requests per child: ${options.dynamoPerChild.toFixed(2)} with maxRunning and childRetries, ${baseline.dynamoPerChild.toFixed(2)} without`,
  );
  dynamoClient.destroy();
  local.stop();
  process.exitCode = [...baseline.checks, ...options.checks].every(([, ok]) => ok) ? 0 : 1;
}

void main();
