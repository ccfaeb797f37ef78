import fc from 'fast-check';
import { InvalidInputError } from '../../../lib/core/errors';
import { childDisplayName, DISPLAY_NAME } from '../../../lib/fan-out/display-name';
import { itemParameters } from '../../../lib/fan-out/parameters';
import { checkDeclaredParameters, planChildStarts } from '../../../lib/fan-out/plan';
import { FanInArguments, StartChildPipelinesInput } from '../../../lib/fan-out/request';
import { CALLBACK_STEP_LIMIT, LAMBDA_STEP_LIMIT } from '../../../lib/fan-out/plan-fan-out';
import { childRequestToken } from '../../../lib/fan-out/tokens';
import { parseStepInput } from '../../../lib/lambda-step';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/abc123';

describe('childDisplayName', () => {
  it('names children <prefix>-item-<n>', () => {
    expect(childDisplayName('child-pipeline-1', 1)).toBe('child-pipeline-1-item-1');
  });

  it('replaces characters the pattern refuses and trims hyphens', () => {
    expect(childDisplayName('_my.pipeline_', 12)).toBe('my-pipeline-item-12');
    expect(childDisplayName('___', 3)).toBe('item-3');
  });

  it('truncates the prefix, never the suffix', () => {
    const name = childDisplayName('a'.repeat(200), 1000);
    expect(name).toHaveLength(82);
    expect(name.endsWith('-item-1000')).toBe(true);
  });

  it('always matches the display-name pattern and keeps the suffix', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 1000 }), (prefix, n) => {
        const name = childDisplayName(prefix, n);
        expect(name).toMatch(DISPLAY_NAME);
        expect(name.length).toBeLessThanOrEqual(82);
        expect(name.endsWith(`item-${n}`)).toBe(true);
      }),
    );
  });
});

describe('itemParameters', () => {
  it('passes a scalar as the item parameter, stringified', () => {
    expect(itemParameters(3, 0, 'item')).toEqual([{ Name: 'item', Value: '3' }]);
    expect(itemParameters(true, 0, 'Flag')).toEqual([{ Name: 'Flag', Value: 'true' }]);
  });

  it('turns object keys into parameters and JSON-stringifies nested values', () => {
    expect(itemParameters({ region: 'eu', n: 2, cfg: { a: 1 } }, 0, 'item')).toEqual([
      { Name: 'region', Value: 'eu' },
      { Name: 'n', Value: '2' },
      { Name: 'cfg', Value: '{"a":1}' },
    ]);
  });

  it('refuses bad names, long values, null values and more than 200 parameters, naming the item', () => {
    expect(() => itemParameters({ 'bad name': 1 }, 4, 'item')).toThrow(/items\[4\]\.bad name: "bad name" is not a valid parameter name/);
    expect(() => itemParameters({ '': 1 }, 0, 'item')).toThrow(InvalidInputError);
    expect(() => itemParameters('x'.repeat(1025), 2, 'item')).toThrow(/items\[2\]: value is 1025 characters/);
    expect(() => itemParameters({ a: null }, 0, 'item')).toThrow(/null is not a parameter value/);
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`p${i}`, i]));
    expect(() => itemParameters(many, 1, 'item')).toThrow(/items\[1\]: 201 parameters/);
  });
});

describe('childRequestToken', () => {
  it('is 64 hex characters and the same for the same request', () => {
    const a = childRequestToken(PARENT, 'p', 0, 'p-item-1', [{ Name: 'item', Value: '1' }]);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(childRequestToken(PARENT, 'p', 0, 'p-item-1', [{ Name: 'item', Value: '1' }])).toBe(a);
  });

  it('ignores parameter order but not run, pipeline, index or content', () => {
    const params = [
      { Name: 'a', Value: '1' },
      { Name: 'b', Value: '2' },
    ];
    const a = childRequestToken(PARENT, 'p', 0, 'p-item-1', params);
    expect(childRequestToken(PARENT, 'p', 0, 'p-item-1', [...params].reverse())).toBe(a);
    const others = [
      childRequestToken('run-2', 'p', 0, 'p-item-1', params),
      childRequestToken(PARENT, 'q', 0, 'p-item-1', params),
      childRequestToken(PARENT, 'p', 1, 'p-item-1', params),
      childRequestToken(PARENT, 'p', 0, 'p-item-1', [{ Name: 'a', Value: '9' }]),
    ];
    expect(new Set([a, ...others]).size).toBe(5);
  });
});

describe('planChildStarts', () => {
  const input = (event: object) => {
    const parsed = parseStepInput(StartChildPipelinesInput, event);
    return { ...parsed, items: parsed.items ?? [] };
  };

  it('plans one child per pipeline and item, pipeline by pipeline', () => {
    const plan = planChildStarts(
      input({ pipelines: 'child-a, arn:aws:sagemaker:us-east-1:111122223333:pipeline/child-b', items: '["x", "y"]', runId: 'r' }),
      'r',
    );
    expect(plan.map((c) => c.displayName)).toEqual(['child-a-item-1', 'child-a-item-2', 'child-b-item-1', 'child-b-item-2']);
    expect(plan.map((c) => c.id)).toEqual([0, 1, 2, 3]);
    expect(plan[2]?.pipeline).toBe('arn:aws:sagemaker:us-east-1:111122223333:pipeline/child-b');
    expect(new Set(plan.map((c) => c.clientRequestToken)).size).toBe(4);
  });

  it('uses the display-name prefix and the item parameter', () => {
    const [child] = planChildStarts(input({ pipelines: '["a"]', items: [5], itemParameter: 'Shard', displayNamePrefix: 'run_7', runId: 'r' }), 'r');
    expect(child?.displayName).toBe('run-7-item-1');
    expect(child?.parameters).toEqual([{ Name: 'Shard', Value: '5' }]);
  });

  it('refuses bad pipeline identifiers, duplicates and oversized fan-outs', () => {
    expect(() => planChildStarts(input({ pipelines: 'pipe_1', items: [1], runId: 'r' }), 'r')).toThrow(/pipelines\[0\]: "pipe_1" is neither/);
    expect(() => planChildStarts(input({ pipelines: 'a,a', items: [1], runId: 'r' }), 'r')).toThrow(/pipelines\[1\]: a is listed twice/);
    expect(() => planChildStarts(input({ pipelines: 'Child,child', items: [1], runId: 'r' }), 'r')).toThrow(
      /pipelines\[1\]: child is listed twice/,
    );
    const items = Array.from({ length: 600 }, (_, i) => i);
    expect(() => planChildStarts(input({ pipelines: 'a,b', items, runId: 'r' }), 'r')).toThrow(/1200 children \(at most 1000\)/);
  });

  it('refuses an empty or oversized item list at parse time', () => {
    expect(() => input({ pipelines: 'a', items: '[]', runId: 'r' })).toThrow(/items: expected at least one item/);
    expect(() => input({ pipelines: 'a', items: Array.from({ length: 10_001 }, () => 1), runId: 'r' })).toThrow(/at most 10000 items/);
  });

  it('keeps the LambdaStep form at 1000 children and says why; the CallbackStep form takes 10,000', () => {
    const items = Array.from({ length: 1001 }, (_, i) => i);
    expect(() => planChildStarts(input({ pipelines: 'a', items, runId: 'r' }), 'r', LAMBDA_STEP_LIMIT)).toThrow(
      /1001 children \(at most 1000: what one LambdaStep invocation can start; the CallbackStep form \(fanOutCallback\) takes up to 10000\)/,
    );
    const many = Array.from({ length: 5000 }, (_, i) => i);
    expect(planChildStarts(input({ pipelines: 'a,b', items: many, runId: 'r' }), 'r', CALLBACK_STEP_LIMIT)).toHaveLength(10_000);
    expect(() => planChildStarts(input({ pipelines: 'a,b,c', items: many, runId: 'r' }), 'r', CALLBACK_STEP_LIMIT)).toThrow(
      /items: 3 pipelines x 5000 items = 15000 children \(at most 10000\)/,
    );
  });

  it('refuses a step input with both items and itemsS3Uri, or neither', () => {
    expect(() => parseStepInput(StartChildPipelinesInput, { pipelines: 'a', runId: 'r' })).toThrow(/items: required, or itemsS3Uri/);
    expect(() => parseStepInput(StartChildPipelinesInput, { pipelines: 'a', items: [1], itemsS3Uri: 's3://b/k.csv', runId: 'r' })).toThrow(
      /itemsS3Uri: not used when items is given/,
    );
  });

  it('refuses parameters the child pipeline does not declare', () => {
    const plan = planChildStarts(input({ pipelines: 'a', items: [{ Region: 'eu' }], runId: 'r' }), 'r');
    const items = [{ Region: 'eu' }];
    expect(() => checkDeclaredParameters(plan, new Map([['a', new Set(['item'])]]), items)).toThrow(
      /^items\[0\]\.Region: pipeline a has no parameter "Region"/,
    );
    expect(() => checkDeclaredParameters(plan, new Map([['a', new Set(['Region'])]]), items)).not.toThrow();
  });

  it('blames itemParameter, not the item, for a scalar item whose parameter the pipeline does not declare', () => {
    const plan = planChildStarts(input({ pipelines: 'a', items: '["x"]', itemParameter: 'Dat', runId: 'r' }), 'r');
    expect(() => checkDeclaredParameters(plan, new Map([['a', new Set(['Date'])]]), ['x'])).toThrow(
      /^itemParameter: pipeline a has no parameter "Dat" \(declared: Date\)/,
    );
  });

  it('blames itemParameter for a bad parameter name, at parse time and in itemParameters', () => {
    expect(() => input({ pipelines: 'a', items: '["x"]', itemParameter: 'bad name', runId: 'r' })).toThrow(
      /^Invalid input: itemParameter: expected a pipeline parameter name/,
    );
    expect(() => itemParameters('x', 0, 'bad name')).toThrow(/^itemParameter: "bad name" is not a valid parameter name/);
  });

  it('refuses inputs that would be ignored: itemParameter with only object items, runId beside parentExecutionArn', () => {
    expect(() => input({ pipelines: 'a', items: '[{"A": 1}]', itemParameter: 'X', runId: 'r' })).toThrow(
      /itemParameter: not used: every item is an object/,
    );
    expect(() => input({ pipelines: 'a', items: '[{"A": 1}, 2]', itemParameter: 'X', runId: 'r' })).not.toThrow();
    expect(() => input({ pipelines: 'a', items: '[1]', runId: 'r', parentExecutionArn: PARENT })).toThrow(
      /runId: not used when parentExecutionArn is given/,
    );
  });

  it('requires parentExecutionArn or runId at parse time, naming the field first', () => {
    expect(() => input({ pipelines: 'a', items: '[1]' })).toThrow(/^Invalid input: parentExecutionArn: required, or runId instead/);
  });

  it('has no runId in the CallbackStep form, where it would be ignored', () => {
    expect(() => parseStepInput(FanInArguments, { pipelines: 'a', items: '[1]', runId: 'r' })).toThrow(/runId: unexpected field/);
  });
});
