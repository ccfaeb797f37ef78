/**
 * maxRunning under hostile schedules: generated sequences of child ends (succeeded or failed, events
 * delayed, repeated, lost), redelivered start messages, resumes, sweeps, invocations that die at a
 * DynamoDB write, concurrent calls, expired leases and a quota that refuses starts, against a real
 * DynamoDB API (dynalite) and the SageMaker double. Whatever the order: never more than `maxRunning`
 * children running (the double's own record), no child started twice, and, once everything is
 * delivered, exactly one callback, nothing started after it, the fan-out COMPLETED.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { createFanOutTable, startDynalite, type LocalDynamo } from '../../doubles/dynalite';
import { FakeSageMaker, mockSageMaker } from '../../doubles/fake-sagemaker';
import { handleFanInMessage, onChildExecutionEnd } from '../../lib/fan-out/fan-in';
import type { FanInDeps } from '../../lib/fan-out/fan-in-deps';
import { FanInStore } from '../../lib/fan-out/fan-in-store';
import { sweepFanOuts } from '../../lib/fan-out/sweep';
import { CLAIM_LEASE_MS, PLACE_LEASE_MS } from '../../lib/fan-out/timing';

const TABLE = 'fan-in-places-property';
const RUNS = Number(process.env.PLACES_RUNS ?? 40);
/** Time after which every lease (a place's, a completion claim's) has expired. */
const LEASE_MS = Math.max(PLACE_LEASE_MS, CLAIM_LEASE_MS);

type Op =
  | { kind: 'end'; pick: number; fail: boolean }
  | { kind: 'deliver'; pick: number; twice: boolean }
  | { kind: 'begin' }
  | { kind: 'resume' }
  | { kind: 'sweep' }
  | { kind: 'crash'; after: number }
  | { kind: 'lease' }
  | { kind: 'together'; a: Op; b: Op };

const simple = fc.oneof(
  fc.record({ kind: fc.constant('end' as const), pick: fc.nat(), fail: fc.boolean() }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), twice: fc.boolean() }),
  fc.record({ kind: fc.constant('begin' as const) }),
  fc.record({ kind: fc.constant('resume' as const) }),
  fc.record({ kind: fc.constant('sweep' as const) }),
  fc.record({ kind: fc.constant('crash' as const), after: fc.nat({ max: 6 }) }),
  fc.record({ kind: fc.constant('lease' as const) }),
);
const op: fc.Arbitrary<Op> = fc.oneof({ weight: 4, arbitrary: simple }, { weight: 1, arbitrary: fc.record({ kind: fc.constant('together' as const), a: simple, b: simple }) });

describe('fan-in maxRunning under generated schedules', () => {
  let dynamo: LocalDynamo;
  let run = 0;
  beforeAll(async () => {
    dynamo = await startDynalite(TABLE);
  });
  afterAll(() => dynamo.close());

  it('never runs more children than maxRunning, starts none twice, and answers the parent once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom('0', '1'),
        // The account's quota: below maxRunning, starts are refused and their places given back.
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 40 }),
        async (children, maxRunning, childRetries, quota, ops) => {
          run += 1;
          // A table per run: each run's SageMaker double numbers its executions from 1, so a shared table
          // would hold another run's lookup items under the same execution ARNs (never so in AWS).
          const table = `${TABLE}-${run}`;
          await createFanOutTable(dynamo.client, table);
          const parent = `arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/places${run}`;
          const fake = new FakeSageMaker({ concurrencyQuota: quota });
          fake.addPipeline('child', ['item']);
          const mock = mockSageMaker(fake);
          let clock = Date.now();
          // The n-th DynamoDB write from now fails as if the invocation died there (0: none pending).
          let crashIn = 0;
          const crashName = `crash-${run}`;
          dynamo.client.middlewareStack.add(
            (next, context) => async (args) => {
              if (crashIn > 0 && /Update|Put|BatchWrite/.test(context.commandName ?? '') && (crashIn -= 1) === 0) {
                throw Object.assign(new Error('the invocation died here'), { name: 'InjectedCrash' });
              }
              return next(args);
            },
            { step: 'initialize', name: crashName },
          );
          const deps: FanInDeps = {
            sageMaker: new SageMakerClient({}),
            store: new FanInStore(dynamo.doc, table, () => clock),
            scheduleResume: async () => undefined,
            remainingTimeMs: () => 60_000,
          };
          const message = {
            token: `token-${run}`,
            pipelineExecutionArn: parent,
            arguments: { pipelines: 'child', items: JSON.stringify(Array.from({ length: children }, (_, i) => `i${i}`)), maxRunning: String(maxRunning), childRetries },
          };
          // Status events not yet delivered. An invocation that fails puts its event back, as Lambda retries
          // it (twice): after its third failure it goes to the failed-events queue, for the sweep to recover.
          const events: { arn: string; status: 'Succeeded' | 'Failed'; attempts: number }[] = [];
          const errors: unknown[] = [];
          const invoke = async (work: () => Promise<unknown>, onFailure?: () => void) => {
            try {
              await work();
            } catch (error) {
              // The quota refusing a child's retry fails the event on purpose (it is delivered again).
              if (!['InjectedCrash', 'ResourceLimitExceeded'].includes((error as Error).name)) errors.push(error);
              onFailure?.();
            }
          };
          const apply = async (o: Op): Promise<void> => {
            switch (o.kind) {
              case 'end': {
                const running = fake.running();
                const e = running[o.pick % Math.max(1, running.length)];
                if (!e) return;
                const status = o.fail ? 'Failed' : 'Succeeded';
                fake.end(e.arn, status, o.fail ? 'step failed' : undefined);
                events.push({ arn: e.arn, status, attempts: 1 });
                return;
              }
              case 'deliver': {
                const at = o.pick % Math.max(1, events.length);
                const [event] = o.twice ? events.slice(at, at + 1) : events.splice(at, 1);
                if (event) {
                  await invoke(
                    () => onChildExecutionEnd(deps, event.arn, event.status),
                    () => event.attempts < 3 && events.push({ ...event, attempts: event.attempts + 1 }),
                  );
                }
                return;
              }
              case 'begin':
                return invoke(() => handleFanInMessage(deps, message));
              case 'resume':
                return invoke(() => handleFanInMessage(deps, { resumeFanOut: parent }));
              case 'sweep':
                // On the schedule's clock, as the store's writes are: on the real one, a child started after a
                // `lease` step looks started in the future and is left to its events (lost ones included).
                return invoke(() => sweepFanOuts(deps, { minAgeMs: 0, now: () => clock }));
              case 'crash':
                crashIn = o.after + 1;
                return;
              case 'lease':
                clock += LEASE_MS;
                return;
              case 'together':
                await Promise.all([apply(o.a), apply(o.b)]);
                return;
            }
          };
          try {
            await invoke(() => handleFanInMessage(deps, message));
            for (const o of ops) {
              await apply(o);
              expect(fake.peakRunning).toBeLessThanOrEqual(maxRunning);
            }
            // Then everything is delivered, no more crashes: children end (succeeding), events arrive, leases pass.
            crashIn = 0;
            for (let round = 0; round < 4 * children + 10 && fake.successCalls.length + fake.failureCalls.length === 0; round += 1) {
              for (const e of fake.running()) {
                fake.end(e.arn, 'Succeeded');
                events.push({ arn: e.arn, status: 'Succeeded', attempts: 1 });
              }
              while (events.length > 0) await apply({ kind: 'deliver', pick: 0, twice: false });
              clock += LEASE_MS;
              await apply({ kind: 'begin' });
              await apply({ kind: 'resume' });
              await apply({ kind: 'sweep' });
            }
            expect(fake.peakRunning).toBeLessThanOrEqual(maxRunning);
            // Only the injected crashes and the quota fail an invocation.
            expect(errors).toEqual([]);
            expect(fake.successCalls.length + fake.failureCalls.length).toBe(1);
            // The step has ended: whatever comes after (a late redelivery, a resume, sweeps) starts nothing.
            const executions = fake.executions.size;
            for (let round = 0; round < 2; round += 1) {
              clock += LEASE_MS;
              await apply({ kind: 'begin' });
              await apply({ kind: 'resume' });
              await apply({ kind: 'sweep' });
            }
            expect(fake.executions.size).toBe(executions);
            expect(fake.successCalls.length + fake.failureCalls.length).toBe(1);
            // And the fan-out is closed: no sweep keeps reading it.
            expect((await deps.store.get(parent))?.state).toBe('COMPLETED');
            // One execution per child (a retry resumes the same one).
            const names = [...fake.executions.values()].map((e) => e.displayName);
            expect(new Set(names).size).toBe(names.length);
            expect(names.length).toBeLessThanOrEqual(children);
          } finally {
            dynamo.client.middlewareStack.remove(crashName);
            mock.restore();
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, Math.max(600_000, RUNS * 1000));
});
