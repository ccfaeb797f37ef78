import { showErrorName, withPowertools } from '../../../lib/core/middleware';
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
