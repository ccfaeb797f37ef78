import * as z from 'zod/mini';
import { InvalidInputError, NotFoundError } from '../../../lib/core/errors';
import { logger } from '../../../lib/core/powertools';
import { defineLambdaStep, parseStepInput } from '../../../lib/lambda-step/define-step';
import { integer, list, text } from '../../../lib/lambda-step/inputs';
import { lambdaContext } from '../../helpers/lambda-context';

const failIfResolved = (): never => {
  throw new Error('expected the handler to fail');
};

const EXECUTION_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/my-pipeline/execution/p4jn9xou8a8s';

describe('parseStepInput', () => {
  const schema = z.object({ name: text(), count: integer({ min: 1 }), tags: z.optional(list(z.string())) });

  it('returns typed values from the string forms a pipeline sends', () => {
    expect(parseStepInput(schema, { name: 'a', count: '2', tags: '["x"]' })).toEqual({ name: 'a', count: 2, tags: ['x'] });
  });

  it('names every offending field and what was expected, in one message', () => {
    const error = (() => {
      try {
        parseStepInput(schema, { count: 'two', tags: '[1]', extra: true });
      } catch (e) {
        return e as InvalidInputError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toBe(
      'Invalid input: name: required (expected a string); count: expected an integer (got "two"); tags[0]: expected string (got 1); extra: unexpected field',
    );
    expect(error?.fields).toEqual(['name', 'count', 'tags[0]', 'extra']);
  });

  it('keeps the message within 1024 characters however many fields are wrong', () => {
    const wide = z.object(Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`field_number_${i}`, integer()])));
    const event = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`field_number_${i}`, 'not a number at all']));
    expect(() => parseStepInput(wide, event)).toThrow(InvalidInputError);
    try {
      parseStepInput(wide, event);
    } catch (e) {
      expect((e as Error).message.length).toBeLessThanOrEqual(1024);
      expect((e as Error).message).toMatch(/^Invalid input: field_number_0: expected an integer/);
    }
  });

  it('refuses an event that is not an object', () => {
    expect(() => parseStepInput(schema, ['a'])).toThrow('Invalid input: event: expected an object of step inputs');
    expect(() => parseStepInput(schema, null)).toThrow(InvalidInputError);
  });

  it('accepts pipelineExecutionArn on every step and does not pass it on', () => {
    expect(parseStepInput(schema, { name: 'a', count: 1, pipelineExecutionArn: EXECUTION_ARN })).toEqual({ name: 'a', count: 1 });
  });
});

describe('defineLambdaStep', () => {
  afterEach(() => jest.restoreAllMocks());

  it('returns the outputs shaped for the pipeline', async () => {
    const handler = defineLambdaStep({
      name: 'test',
      input: z.object({ n: integer() }),
      run: ({ n }) => ({ doubled: n * 2, list: [n] }),
    });
    await expect(handler({ n: '4' }, lambdaContext())).resolves.toEqual({ doubled: 8, list: '[4]' });
  });

  it('sets the execution ARN found in the event as the correlation id', async () => {
    const setCorrelationId = jest.spyOn(logger, 'setCorrelationId');
    const handler = defineLambdaStep({ name: 'test', input: z.object({ executionArn: text() }), run: () => ({}) });
    await handler({ executionArn: EXECUTION_ARN }, lambdaContext());
    expect(setCorrelationId).toHaveBeenCalledWith(EXECUTION_ARN);
  });

  it('takes a pipelineExecutionArn that is not an ARN (a local run) as the correlation id rather than ignoring it', async () => {
    const setCorrelationId = jest.spyOn(logger, 'setCorrelationId');
    const handler = defineLambdaStep({ name: 'test', input: z.object({}), run: () => ({}) });
    await handler({ pipelineExecutionArn: ' local-execution-1 ' }, lambdaContext());
    expect(setCorrelationId).toHaveBeenCalledWith('local-execution-1');
  });

  it('surfaces expected errors as they are, within 1024 characters', async () => {
    const handler = defineLambdaStep({
      name: 'test',
      input: z.object({}),
      run: () => {
        throw new NotFoundError(`table ${'x'.repeat(2000)} not found`);
      },
    });
    const error = await handler({}, lambdaContext()).then(failIfResolved, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message.length).toBe(1024);
  });

  it('logs unexpected errors with their stack and surfaces a short message', async () => {
    const logError = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const boom = new TypeError('cannot read properties of undefined');
    const handler = defineLambdaStep({
      name: 'test',
      input: z.object({}),
      run: () => {
        throw boom;
      },
    });
    const error = await handler({}, lambdaContext()).then(failIfResolved, (e: unknown) => e as Error);
    expect(error.message).toBe(
      'test failed unexpectedly: TypeError: cannot read properties of undefined (request c6af9ac6-7b61-11e6-9a41-93e812345678)',
    );
    expect(error.cause).toBe(boom);
    expect(logError).toHaveBeenCalledWith('step failed unexpectedly', boom);
  });

  it('fails when outputs break a limit, naming the output', async () => {
    const handler = defineLambdaStep({ name: 'test', input: z.object({}), run: () => ({ big: 'x'.repeat(2000) }) });
    await expect(handler({}, lambdaContext())).rejects.toThrow(/output "big" is 2000 characters/);
  });

  it('gives run the remaining time of the invocation', async () => {
    let remaining = 0;
    const handler = defineLambdaStep({
      name: 'test',
      input: z.object({}),
      run: (_input, ctx) => {
        remaining = ctx.remainingTimeMs();
        return {};
      },
    });
    await handler({}, lambdaContext('test', 5_000));
    expect(remaining).toBeGreaterThan(4_000);
    expect(remaining).toBeLessThanOrEqual(5_000);
  });
});

describe('parseStepInput with hostile input', () => {
  const schema = z.object({ values: list(z.string()), item: z.optional(z.record(z.string(), z.unknown())) });
  const messageOf = (event: unknown): string => {
    try {
      parseStepInput(schema, event);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      return (error as Error).message;
    }
    throw new Error('expected the input to be refused');
  };
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('names the field of a list nested thousands deep, given as a JSON string or as JSON', () => {
    expect(messageOf({ values: nested(5000) })).toMatch(/^Invalid input: values(\[0\])+: nested deeper than 32 levels$/);
    expect(messageOf({ values: JSON.parse(nested(5000)) })).toMatch(/^Invalid input: values(\[0\])+: nested deeper than 32 levels$/);
  });

  it('refuses a __proto__ key by name instead of dropping it', () => {
    expect(messageOf({ values: '["a"]', item: JSON.parse('{"__proto__": {"x": 1}, "b": 2}') })).toBe(
      'Invalid input: item.__proto__: refused key (JavaScript objects cannot hold "__proto__" as data)',
    );
    expect(messageOf({ values: '[{"__proto__": 1}]' })).toMatch(/^Invalid input: values\[0\]\.__proto__: refused key/);
  });

  it('keeps constructor and prototype keys as data', () => {
    const item = { constructor: 'a', prototype: 'b', toString: 'c' };
    expect(parseStepInput(schema, { values: '["a"]', item })).toEqual({ values: ['a'], item });
  });

  it('escapes control characters of field names and values in the message', () => {
    const message = messageOf({ values: '["a"]', 'bad\u0000\nname\u001b': 1 });
    expect(message).toBe('Invalid input: bad\\u0000\\nname\\u001b: unexpected field');
  });
});

describe('defineLambdaStep with hostile input', () => {
  it('escapes control characters in the FailureReason and in the stack the runtime logs', async () => {
    const handler = defineLambdaStep({
      name: 'test',
      input: z.object({ name: text() }),
      run: ({ name }) => {
        throw new NotFoundError(`table ${name} not found`);
      },
    });
    const error = await handler({ name: 'x\u0000\ny\u001b' }, lambdaContext()).then(failIfResolved, (e: unknown) => e as Error);
    expect(error.message).toBe('table x\\u0000\\ny\\u001b not found');
    expect(error.stack?.split('\n')[0]).toBe('NotFoundError: table x\\u0000\\ny\\u001b not found');
  });

  it('fails with the short field-named error, not unexpectedly, on a list nested thousands deep', async () => {
    const handler = defineLambdaStep({ name: 'test', input: z.object({ values: list(z.string()) }), run: () => ({}) });
    const error = await handler({ values: `${'['.repeat(5000)}${']'.repeat(5000)}` }, lambdaContext()).then(failIfResolved, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/^Invalid input: values\[0\]/);
  });
});
