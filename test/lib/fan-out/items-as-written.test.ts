import fc from 'fast-check';
import { InvalidInputError } from '../../../lib/core/errors';
import { parseFanInMessage } from '../../../lib/fan-out/callback-message';
import { planChildStarts } from '../../../lib/fan-out/plan';
import { FanInArguments, StartChildPipelinesInput } from '../../../lib/fan-out/request';
import { parseStepInput } from '../../../lib/lambda-step/define-step';
import { edgeNumber, hostileString } from '../../properties/hostile';

const PARENT = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/abc';

/** The parameter values each child of a CallbackStep message's fan-out would be started with. */
function childValues(body: string): string[][] {
  const message = parseFanInMessage(body);
  if (!('arguments' in message)) throw new Error('not a start message');
  const input = parseStepInput(FanInArguments, message.arguments);
  if (!input.items) throw new Error('no items');
  return planChildStarts({ ...input, items: input.items }, PARENT).map((c) => c.parameters.map((p) => `${p.Name}=${p.Value}`));
}

const bodyOf = (args: string) => `{"token": "t", "pipelineExecutionArn": "${PARENT}", "arguments": ${args}}`;

describe('items as written, through a CallbackStep message', () => {
  it('keeps the numbers of items given as a list in the message body', () => {
    const body = bodyOf('{"pipelines": "child", "items": [{"id": 12345678901234567890, "x": [1e400, 1.10]}, 12345678901234567890, -0, 1.10]}');
    expect(childValues(body)).toEqual([['id=12345678901234567890', 'x=[1e400,1.10]'], ['item=12345678901234567890'], ['item=-0'], ['item=1.10']]);
  });

  it('keeps the numbers of items given as JSON text, as a pipeline passes them', () => {
    const items = JSON.stringify('[{"id": 12345678901234567890, "x": {"y": 1.10}}]');
    expect(childValues(bodyOf(`{"pipelines": "child", "items": ${items}}`))).toEqual([['id=12345678901234567890', 'x={"y":1.10}']]);
  });

  it('fails the step naming the item for a key given twice, in a list or in JSON text', () => {
    const inList = bodyOf('{"pipelines": "child", "items": [{"Region": "eu", "Region": "us"}]}');
    expect(() => childValues(inList)).toThrow('Invalid input: items[0]: key "Region" given twice');
    const inText = bodyOf(`{"pipelines": "child", "items": ${JSON.stringify('[{"Region": "eu", "Region": "us"}]')}}`);
    expect(() => childValues(inText)).toThrow('Invalid input: items[0]: key "Region" given twice');
  });

  it('refuses an envelope field given twice rather than guess, and keeps reading other numbers', () => {
    expect(() => parseFanInMessage(`{"token": "a", "token": "b", "pipelineExecutionArn": "${PARENT}", "arguments": {}}`)).toThrow(
      'Invalid fan-in message: token: key "token" given twice',
    );
    const message = parseFanInMessage(bodyOf('{"pipelines": "child", "items": ["a"], "maxConcurrency": 1e1, "failOnChildFailure": false}'));
    const args = 'arguments' in message ? message.arguments : {};
    expect(parseStepInput(FanInArguments, args)).toMatchObject({ maxConcurrency: 10, failOnChildFailure: false });
  });

  it('fails the step naming the field for 5,000 levels of nesting, never with a RangeError', () => {
    const deep = bodyOf(`{"pipelines": "child", "items": [{"Config": ${'['.repeat(5000)}${']'.repeat(5000)}}]}`);
    expect(() => childValues(deep)).toThrow(/^Invalid input: items\[0\]\.Config(\[0\]){29}: nested deeper than 32 levels/);
  });
});

describe('items as written (properties)', () => {
  const key = fc.oneof(fc.constantFrom('Region', 'id', 'a-b_c', '0', '10'), fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/));
  // JSON numbers as text: the edge numbers' JSON forms, and digits no double holds.
  const numberText = fc.oneof(
    edgeNumber.filter((n): n is number => typeof n === 'number' && Number.isFinite(n)).map((n) => JSON.stringify(n)),
    fc.constantFrom('-0', '1.10', '1e400', '-1E-400', '12345678901234567890', '0.30000000000000004', '9007199254740993', '1.0'),
  );
  const scalar = fc.oneof(hostileString.map((s) => JSON.stringify(s)), numberText, fc.constantFrom('true', 'false'));
  const nested = fc.array(fc.oneof(scalar, fc.constant('null')), { maxLength: 4 }).map((parts) => `[${parts.join(',')}]`);
  const item = fc.oneof(
    scalar,
    fc.uniqueArray(fc.tuple(key, fc.oneof(scalar, nested)), { minLength: 1, maxLength: 5, selector: ([k]) => k }),
  );

  it('passes each value as written (numbers, strings, nested lists), or refuses it naming the item', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 5 }), (items) => {
        const text = `[${items.map((i) => (typeof i === 'string' ? i : `{${i.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`)).join(', ')}]`;
        const expected = items.map((i) =>
          typeof i === 'string'
            ? [`item=${i.startsWith('"') ? (JSON.parse(i) as string) : i}`]
            : i.map(([k, v]) => `${k}=${v.startsWith('"') ? (JSON.parse(v) as string) : v}`),
        );
        let values: string[][];
        try {
          const input = parseStepInput(StartChildPipelinesInput, { pipelines: 'child', items: text, runId: 'r' });
          values = planChildStarts({ ...input, items: input.items ?? [] }, 'r').map((c) => c.parameters.map((p) => `${p.Name}=${p.Value}`));
        } catch (error) {
          // Only a value over the API's 1024 characters may be refused, naming the item.
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as Error).message).toMatch(/^items\[\d+\](\.[\w-]+)?: value is \d+ characters \(at most 1024\)$/);
          return;
        }
        // Parameter order is JavaScript's key order (integer-like keys first): not a value, so compared sorted.
        expect(values.map((v) => v.sort())).toEqual(expected.map((v) => v.sort()));
      }),
      { numRuns: 200 },
    );
  });
});
