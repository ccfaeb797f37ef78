import fc from 'fast-check';
import { InvalidInputError } from '../../../lib/core/errors';
import { parseFanInMessage } from '../../../lib/fan-out/callback-message';
import { START_FORMS, STOPPING_FORMS, type CallbackStep } from '../../helpers/callback-messages';

const STEP: CallbackStep = {
  token: 'A1b2C3d4E5',
  pipelineExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent/execution/p4jn9xou8a8s',
  arguments: { pipelines: 'child', items: '["a","b"]' },
};
const parse = (body: unknown) => parseFanInMessage(JSON.stringify(body));
const refusal = (body: unknown): InvalidInputError => {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
};

/** `word` with each letter's case chosen by `upper`. */
const recase = (word: string, upper: boolean[]) =>
  [...word].map((c, i) => (upper[i % Math.max(upper.length, 1)] ? c.toUpperCase() : c.toLowerCase())).join('');
const casing = fc.array(fc.boolean(), { minLength: 1, maxLength: 20 });

describe('parseFanInMessage', () => {
  it.each(Object.entries(STOPPING_FORMS))('reads a Stopping message: %s', (_form, build) => {
    expect(parse(build(STEP))).toEqual({ token: STEP.token, pipelineExecutionArn: STEP.pipelineExecutionArn, status: 'Stopping' });
  });

  it.each(Object.entries(START_FORMS))('reads a start message: %s', (_form, build) => {
    expect(parse(build(STEP))).toEqual(STEP);
  });

  it('reads this function\'s own resume message', () => {
    expect(parse({ resumeFanOut: STEP.pipelineExecutionArn })).toEqual({ resumeFanOut: STEP.pipelineExecutionArn });
  });

  it('reads the envelope fields and the status value in any case', () => {
    fc.assert(
      fc.property(casing, casing, casing, casing, casing, fc.boolean(), (t, p, a, s, v, stopping) => {
        const body = {
          [recase('token', t)]: STEP.token,
          [recase('pipelineExecutionArn', p)]: STEP.pipelineExecutionArn,
          [recase('arguments', a)]: STEP.arguments,
          [recase('status', s)]: recase(stopping ? 'Stopping' : 'Executing', v),
        };
        const expected = stopping ? { token: STEP.token, pipelineExecutionArn: STEP.pipelineExecutionArn, status: 'Stopping' } : STEP;
        expect(parse(body)).toEqual(expected);
      }),
    );
  });

  it('accepts a field given twice in two cases with the same value', () => {
    expect(parse({ ...STOPPING_FORMS['"status" (developer guide), no arguments']?.(STEP), Status: 'Stopping' })).toMatchObject({ status: 'Stopping' });
  });

  it('refuses a field given twice in two cases with different values, naming it', () => {
    const error = refusal({ token: STEP.token, pipelineExecutionArn: STEP.pipelineExecutionArn, arguments: STEP.arguments, status: 'Executing', Status: 'Stopping' });
    expect(error.message).toBe('Invalid fan-in message: status: given twice with different values (as "status" and "Status")');
    expect(error.fields).toEqual(['status']);
    expect(refusal({ token: 'a', Token: 'b', pipelineExecutionArn: 'p', arguments: {} }).fields).toEqual(['token']);
  });

  it('refuses a status it does not know rather than guess, naming it', () => {
    for (const status of ['Stopped', 'Failed', '', 3, null]) {
      const error = refusal({ ...STEP, Status: status });
      expect(error.fields).toEqual(['status']);
      expect(error.message).toMatch(/^Invalid fan-in message: status: expected "Stopping" or "Executing", or no status \(got /);
    }
  });

  it('refuses a start without arguments, and envelope fields of the wrong type, naming the field', () => {
    expect(refusal({ token: 't', pipelineExecutionArn: 'p' }).fields).toEqual(['arguments']);
    expect(refusal({ token: 't', pipelineExecutionArn: 'p', Status: 'Executing' }).fields).toEqual(['arguments']);
    expect(refusal({ token: 't', pipelineExecutionArn: 'p', arguments: ['a'] }).fields).toEqual(['arguments']);
    expect(refusal({ pipelineExecutionArn: 'p', status: 'Stopping' }).fields).toEqual(['token']);
    expect(refusal({ Token: 't', PipelineExecutionArn: '', status: 'Stopping' }).fields).toEqual(['pipelineExecutionArn']);
    expect(refusal({ resumeFanOut: 3 }).fields).toEqual(['resumeFanOut']);
    expect(refusal(['a']).fields).toEqual(['body']);
    expect(() => parseFanInMessage('not json')).toThrow(/^Invalid fan-in message: body: expected JSON/);
  });

  it('passes the arguments through untouched, prototype keys included', () => {
    const body = `{"token":"t","pipelineExecutionArn":"p","arguments":{"__proto__":{"x":1},"pipelines":"c"}}`;
    const message = parseFanInMessage(body);
    expect(message).toHaveProperty('arguments');
    const args = 'arguments' in message ? message.arguments : {};
    expect(Object.keys(args)).toEqual(['__proto__', 'pipelines']);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
  });

  it('either reads a message or refuses it with a short InvalidInputError naming an envelope field', () => {
    const key = fc.oneof(fc.constantFrom('token', 'Token', 'status', 'Status', 'STATUS', 'arguments', 'Arguments', 'pipelineExecutionArn', 'PipelineExecutionArn', '__proto__', 'resumeFanOut'), fc.string());
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 3 })), (body) => {
        try {
          const message = parse(body);
          expect(message).toEqual(expect.any(Object));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          const { message, fields } = error as InvalidInputError;
          expect(fields).toHaveLength(1);
          expect(['token', 'pipelineExecutionArn', 'arguments', 'status', 'resumeFanOut']).toContain(fields[0]);
          expect(message.length).toBeLessThanOrEqual(1024);
        }
      }),
    );
  });
});
