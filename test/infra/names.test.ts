/** infra/names.ts: every name of any stage the stack accepts fits its limit, deterministically. */
import fc from 'fast-check';
import { FUNCTIONS, QUEUES } from '../../infra/catalog';
import { checkStage } from '../../infra/limits';
import { functionName, NAME_LIMITS, queueName, resourceName, ruleName, stageNames as fitted } from '../../infra/names';

const FUNCTION_NAMES = Object.keys(FUNCTIONS);
const names = {
  LIMITS: NAME_LIMITS,
  FUNCTIONS: FUNCTION_NAMES,
  resourceName,
  /** Every name of a stage, by kind. */
  stageNames: (stage: string) => {
    const n = fitted(stage);
    return {
      stack: n.stack,
      functions: Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, functionName(stage, fn)])),
      rules: {
        childStatus: ruleName(stage, 'child-status'),
        fanOutSweep: ruleName(stage, 'fan-out-sweep'),
        pipelineStatus: [ruleName(stage, 'pipeline-status-1'), ruleName(stage, 'pipeline-steps-1')],
      },
      fanOut: {
        table: n.fanOutTable,
        queue: queueName(stage, QUEUES.FanOutQueue.suffix),
        deadLetterQueue: queueName(stage, QUEUES.FanOutDeadLetterQueue.suffix),
        failedEvents: queueName(stage, QUEUES.FanOutFailedEventsQueue.suffix),
      },
      postProcessingFailedQueue: queueName(stage, QUEUES.PostProcessingFailedEventsQueue.suffix),
      workGroup: n.workGroup,
    };
  },
};

// osls's stage pattern (node_modules/osls/lib/utils/stage-pattern.js): no length limit.
const STAGE = /^[A-Za-z0-9-]+$/;
const stages = fc.stringMatching(STAGE).filter((s) => s.length > 0);
const longStages = fc.integer({ min: 40, max: 256 }).chain((n) => fc.stringMatching(new RegExp(`^[A-Za-z0-9-]{${n}}$`)));

/** Every name with its limit and the characters its service allows. */
function namesWithLimits(stage: string): [string, number, RegExp][] {
  const n = names.stageNames(stage);
  const { LIMITS } = names;
  return [
    [n.stack, LIMITS.stack ?? 0, /^[a-zA-Z][a-zA-Z0-9-]*$/],
    ...Object.values(n.functions).map((f): [string, number, RegExp] => [f, LIMITS.function ?? 0, /^[a-zA-Z0-9-_]+$/]),
    ...[n.rules.childStatus, n.rules.fanOutSweep, ...n.rules.pipelineStatus].map((r): [string, number, RegExp] => [r, LIMITS.rule ?? 0, /^[.\-_A-Za-z0-9]+$/]),
    [n.fanOut.table, LIMITS.table ?? 0, /^[a-zA-Z0-9_.-]{3,}$/],
    ...[n.fanOut.queue, n.fanOut.deadLetterQueue, n.fanOut.failedEvents, n.postProcessingFailedQueue].map(
      (q): [string, number, RegExp] => [q, LIMITS.queue ?? 0, /^[a-zA-Z0-9_-]+$/],
    ),
    [n.workGroup, LIMITS.workGroup ?? 0, /^[a-zA-Z0-9._-]+$/],
  ];
}

describe('infra/names', () => {
  it('keeps the names of a short stage as they were', () => {
    const n = names.stageNames('dev');
    expect(n.functions.onPipelineExecutionStatus).toBe('sagemaker-pipeline-functions-dev-onPipelineExecutionStatus');
    expect(n.fanOut).toEqual({
      table: 'sagemaker-pipeline-functions-dev-fan-out',
      queue: 'sagemaker-pipeline-functions-dev-fan-out',
      deadLetterQueue: 'sagemaker-pipeline-functions-dev-fan-out-dlq',
      failedEvents: 'sagemaker-pipeline-functions-dev-fan-out-failed-events',
    });
    expect(n.rules.pipelineStatus).toEqual(['sagemaker-pipeline-functions-dev-pipeline-status-1', 'sagemaker-pipeline-functions-dev-pipeline-steps-1']);
    expect(n.workGroup).toBe('sagemaker-pipeline-functions-dev');
    expect(n.stack).toBe('sagemaker-pipeline-functions-dev');
  });

  it('fits the production function name that was 65 characters, keeping the function whole and the stage hash', () => {
    const n = names.stageNames('production');
    // 64 - 'sagemaker-pipeline-functions-'.length - '-onPipelineExecutionStatus'.length = 9: room for the hash only.
    expect(n.functions.onPipelineExecutionStatus).toBe('sagemaker-pipeline-functions-ab8e18ef-onPipelineExecutionStatus');
    expect(n.functions.onChildExecutionStatus).toBe('sagemaker-pipeline-functions-production-onChildExecutionStatus');
    expect(names.stageNames('a-much-longer-production-stage').functions.fanOutCallback).toMatch(
      /^sagemaker-pipeline-functions-a-much-long-[0-9a-f]{8}-fanOutCallback$/,
    );
    // Unchanged where it already fitted.
    expect(names.stageNames('production').functions.concat).toBe('sagemaker-pipeline-functions-production-concat');
  });

  it('fits every name of any accepted stage in its limit and character set, keeping sagemaker in function names', () => {
    fc.assert(
      fc.property(fc.oneof(stages, longStages), (stage) => {
        for (const [name, limit, chars] of namesWithLimits(stage)) {
          expect([name, name.length <= limit]).toEqual([name, true]);
          expect(name).toMatch(chars);
        }
        for (const fn of Object.values(names.stageNames(stage).functions)) expect(fn).toContain('sagemaker');
      }),
      { numRuns: 300 },
    );
  });

  it('gives distinct names to distinct functions, queues and rules of a stage, and to distinct stages', () => {
    fc.assert(
      fc.property(fc.oneof(stages, longStages), fc.oneof(stages, longStages), (a, b) => {
        const n = names.stageNames(a);
        const fns = Object.values(n.functions);
        expect(new Set(fns).size).toBe(names.FUNCTIONS.length);
        const queues = [n.fanOut.queue, n.fanOut.deadLetterQueue, n.fanOut.failedEvents, n.postProcessingFailedQueue];
        expect(new Set(queues).size).toBe(queues.length);
        const rules = [n.rules.childStatus, n.rules.fanOutSweep, ...n.rules.pipelineStatus];
        expect(new Set(rules).size).toBe(rules.length);
        if (a !== b) expect(names.stageNames(b).functions.concat).not.toBe(n.functions.concat);
      }),
    );
  });

  it('is deterministic', () => {
    const stage = 'x'.repeat(256);
    expect(names.stageNames(stage)).toEqual(names.stageNames(stage));
  });

  it('refuses a stage longer than a tag value (osls tags the stack STAGE=<stage>), naming the stage and the limit', () => {
    expect(() => checkStage('s'.repeat(256))).not.toThrow();
    expect(() => checkStage('s'.repeat(257))).toThrow(/stage "s{40}\.\.\." is 257 characters: at most 256/);
  });

  it('refuses a suffix that leaves no room for the stage, naming the limit', () => {
    expect(() => names.resourceName('production', 'a'.repeat(30), 64)).toThrow(/too long for a 64-character name \(stage "production"\)/);
  });
});
