import fc from 'fast-check';
import { ConfigurationError } from '../../lib/core/errors';
import { alarmOptions, parsePostProcessingConfig } from '../../lib/post-processing/config';

const withAlarms = (alarms: unknown) => ({
  pipelines: { p: { routes: [{ database: 'db', table: 't', location: 's3://bucket/t/', strategy: 'glue', scope: 'table' }] } },
  deploy: { alarms },
});
const errorOf = (raw: unknown): string => {
  try {
    parsePostProcessingConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('deploy.alarms', () => {
  it('defaults to alarms on, a topic of the stack, 5-minute periods, a stall after 6 hours', () => {
    expect(alarmOptions(parsePostProcessingConfig({ pipelines: {} }))).toEqual({
      enabled: true,
      email: [],
      topicArn: undefined,
      periodMinutes: 5,
      functionErrors: 1,
      functionThrottles: 1,
      fanOutStalledAfterMinutes: 360,
    });
  });

  it('takes e-mail subscriptions, or an existing topic, and thresholds', () => {
    const options = alarmOptions(
      parsePostProcessingConfig(withAlarms({ email: ['ops@example.com'], periodMinutes: 15, functionErrors: 3, fanOutStalledAfterMinutes: 120 })),
    );
    expect(options).toMatchObject({ email: ['ops@example.com'], periodMinutes: 15, functionErrors: 3, fanOutStalledAfterMinutes: 120 });
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:ops-alarms';
    expect(alarmOptions(parsePostProcessingConfig(withAlarms({ topicArn }))).topicArn).toBe(topicArn);
  });

  it('names each bad field', () => {
    const message = errorOf(
      withAlarms({ email: ['not-an-address'], topicArn: 'arn:aws:sns:us-east-1:111122223333:alarms.fifo', periodMinutes: 10, functionErrors: 0, fanOutStalledAfterMinutes: 5, extra: 1 }),
    );
    expect(message).toMatch(/deploy\.alarms\.email\[0\]: expected an e-mail address/);
    expect(message).toMatch(/deploy\.alarms\.topicArn: expected a standard SNS topic ARN/);
    expect(message).toMatch(/deploy\.alarms\.periodMinutes: expected one of 1, 5, 15, 60/);
    expect(message).toMatch(/deploy\.alarms\.functionErrors/);
    expect(message).toMatch(/deploy\.alarms\.fanOutStalledAfterMinutes/);
    expect(message).toMatch(/deploy\.alarms.*extra/);
  });

  it('refuses e-mail subscriptions together with an existing topic', () => {
    expect(errorOf(withAlarms({ email: ['ops@example.com'], topicArn: 'arn:aws:sns:us-east-1:111122223333:alarms' }))).toMatch(
      /deploy\.alarms\.email: not allowed with topicArn/,
    );
  });

  it('never accepts a hostile value in silence, and blames deploy.alarms', () => {
    const hostile = fc.oneof(
      fc.string(),
      fc.constantFrom('__proto__', 'constructor', '\u0000', '${AWS::AccountId}', '*', 'a@b', ' ops@example.com'),
      fc.double(),
      fc.constantFrom(-1, 0, 2 ** 53, Number.NaN, Infinity),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    );
    const field = fc.constantFrom('enabled', 'email', 'topicArn', 'periodMinutes', 'functionErrors', 'functionThrottles', 'fanOutStalledAfterMinutes', '__proto__', 'toString');
    fc.assert(
      fc.property(field, hostile, (key, value) => {
        const alarms = JSON.parse(JSON.stringify({ [key]: value }) ?? '{}') as Record<string, unknown>;
        try {
          const options = alarmOptions(parsePostProcessingConfig(withAlarms(alarms)));
          // Accepted: only a value of the documented shape, kept as given.
          const kept = (options as Record<string, unknown>)[key];
          expect(kept === undefined ? Object.keys(alarms).length === 0 : JSON.stringify(kept) === JSON.stringify(alarms[key])).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          expect((error as Error).message).toMatch(/deploy\.alarms/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('states the rule of each refused threshold (got 14 minutes: from 15 to 40320)', () => {
    expect(errorOf(withAlarms({ fanOutStalledAfterMinutes: 14 }))).toBe(
      'Invalid config/post-processing.json: deploy.alarms.fanOutStalledAfterMinutes: expected a whole number of minutes from 15 to 40320 (got 14)',
    );
    expect(errorOf(withAlarms({ functionErrors: 0 }))).toMatch(/deploy\.alarms\.functionErrors: expected a whole number of errors from 1 to 100000 \(got 0\)/);
    expect(errorOf(withAlarms({ functionThrottles: 100_001 }))).toMatch(/deploy\.alarms\.functionThrottles: expected a whole number of throttles from 1 to 100000/);
    expect(errorOf(withAlarms({ email: [] }))).toMatch(/deploy\.alarms\.email: expected a list of 1 to 10 e-mail addresses \(got \[\]\)/);
    expect(errorOf(withAlarms({ email: Array.from({ length: 11 }, (_, i) => `ops${i}@example.com`) }))).toMatch(/deploy\.alarms\.email: expected a list of 1 to 10 e-mail addresses/);
  });
});

