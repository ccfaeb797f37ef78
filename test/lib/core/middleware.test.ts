import fc from 'fast-check';
import { InvalidInputError } from '../../../lib/core/errors';
import { executionArnProblem } from '../../../lib/core/execution-arn';
import { showErrorName, withPowertools } from '../../../lib/core/middleware';
import { hostileString } from '../../properties/hostile';
import { logger, metrics, MetricUnit } from '../../../lib/core/powertools';
import { lambdaContext } from '../../helpers/lambda-context';

// A class whose name differs from its `name`, as every class does once esbuild has minified it.
class T extends Error {
  override name = 'InvalidInputError';
}

const failing = () => withPowertools(async (): Promise<void> => Promise.reject(new T('arg2: expected an integer')));

async function thrownBy(handler: ReturnType<typeof failing>): Promise<Error> {
  try {
    await handler({}, lambdaContext());
  } catch (error) {
    return error as Error;
  }
  throw new Error('the handler did not throw');
}

describe('withPowertools', () => {
  afterEach(() => delete process.env.IS_LOCAL);

  it('gives a thrown error a constructor named after its name under sls invoke local (what osls prints as errorType)', async () => {
    process.env.IS_LOCAL = 'true';
    const error = await thrownBy(failing());
    expect(error.constructor.name).toBe('InvalidInputError');
    expect(error).toBeInstanceOf(T);
    expect(error.message).toBe('arg2: expected an integer');
    expect(Object.keys(error)).not.toContain('constructor');
  });

  it('leaves the error as it is on Lambda (which reports error.name)', async () => {
    const error = await thrownBy(failing());
    expect(error.constructor).toBe(T);
  });

  it('adds the Lambda context to the logs, and drops the keys an invocation appended, whether it returns or throws', async () => {
    const addContext = jest.spyOn(logger, 'addContext');
    const resetKeys = jest.spyOn(logger, 'resetKeys');
    const context = lambdaContext();
    await withPowertools(async () => logger.appendKeys({ childExecutionArn: 'x' }))({}, context);
    await thrownBy(failing());
    expect(addContext).toHaveBeenNthCalledWith(1, context);
    expect(resetKeys).toHaveBeenCalledTimes(2);
    jest.restoreAllMocks();
  });
});

describe('withPowertools with an event that is not JSON', () => {
  const echo = withPowertools(async (event: unknown) => event);

  it('says where a string event meant as JSON is not JSON (sls invoke local passes such --data as a string)', async () => {
    await expect(echo('{str1: "a"}', lambdaContext())).rejects.toThrow(
      'Invalid input: event: not valid JSON (line 1, column 2: expected a key in double quotes, found "s")',
    );
    await expect(echo('[1,\n2,]', lambdaContext())).rejects.toThrow('Invalid input: event: not valid JSON (line 2, column 3: a comma before ]');
    await expect(echo('{"a": "\u001b[2J', lambdaContext())).rejects.toThrow(/not valid JSON \(line 1, column 8: a control character \(U\+001b\)/);
  });

  it('leaves JSON, objects and plain strings to the function', async () => {
    await expect(echo('{"a": 1}', lambdaContext())).resolves.toBe('{"a": 1}');
    await expect(echo('hello', lambdaContext())).resolves.toBe('hello');
    await expect(echo({ a: 1 }, lambdaContext())).resolves.toEqual({ a: 1 });
  });

  it('never throws anything but an InvalidInputError naming the event, for any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString, hostileString.map((s) => `{${s}`), fc.jsonValue().map((v) => `[${JSON.stringify(v)}`)), async (text) => {
        try {
          await echo(text, lambdaContext());
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as InvalidInputError).fields).toEqual(['event']);
          expect((error as Error).message.length).toBeLessThanOrEqual(1024);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('executionArnProblem', () => {
  it('says what is wrong with a value given as a pipeline execution ARN', () => {
    expect(executionArnProblem('arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p')).toMatch(/^a pipeline ARN, not a pipeline execution ARN/);
    expect(executionArnProblem('arn:aws:states:eu-west-1:111122223333:execution:m:x')).toMatch(/^a states ARN, not a SageMaker pipeline execution ARN/);
    expect(executionArnProblem('arn:aws:sagemaker:eu-west-1:111122223333:training-job/x')).toMatch(/^a SageMaker training-job ARN/);
    expect(executionArnProblem('p')).toMatch(/^not an ARN/);
  });

  it('says something short for any value, and the pipeline ARN case for every pipeline ARN', () => {
    const arnPart = fc.oneof(hostileString, fc.stringMatching(/^[a-z0-9-]{0,12}$/));
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.tuple(arnPart, arnPart, arnPart, arnPart, arnPart).map((p) => `arn:${p.join(':')}`)), (value) => {
        const problem = executionArnProblem(value);
        expect(problem.length).toBeGreaterThan(0);
        expect(problem.length).toBeLessThanOrEqual(200);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){0,40}$/), fc.constantFrom('aws', 'aws-cn', 'aws-us-gov'), (name, partition) => {
        expect(executionArnProblem(`arn:${partition}:sagemaker:eu-west-1:111122223333:pipeline/${name}`)).toMatch(/^a pipeline ARN, not a pipeline execution ARN/);
      }),
    );
  });
});

describe('showErrorName', () => {
  it('leaves errors whose class already has their name, and values that are not errors', () => {
    const error = new TypeError('x');
    showErrorName(error);
    expect(error.constructor).toBe(TypeError);
    expect(() => showErrorName('a string')).not.toThrow();
  });
});

describe('withPowertools metrics', () => {
  const written: string[] = [];
  beforeEach(() => {
    written.length = 0;
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('prints no "No application metrics to publish" warning for an invocation that adds no metric', async () => {
    await withPowertools(async () => 'ok')({}, lambdaContext());
    expect(written.join('')).not.toMatch(/metrics to publish/);
  });

  it('publishes the metrics an invocation adds, and starts the next one without its dimensions', async () => {
    const publish = jest.spyOn(metrics, 'publishStoredMetrics');
    await withPowertools(async () => metrics.addMetric('StepSucceeded', MetricUnit.Count, 1))({}, lambdaContext());
    expect(publish).toHaveBeenCalledTimes(1);
    await withPowertools(async () => metrics.addDimension('function', 'concat'))({}, lambdaContext());
    expect(publish).toHaveBeenCalledTimes(1);
    await withPowertools(async () => metrics.addDimension('function', 'joinStrings'))({}, lambdaContext());
    expect(written.join('')).not.toMatch(/already been added/);
  });
});
