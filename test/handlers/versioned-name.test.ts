import fc from 'fast-check';
import { InvalidInputError } from '../../lib/core/errors';
import { EPOCH_SECONDS_BELOW } from '../../lib/strings/instant';
import { handler as versionedName } from '../../handlers/versioned-name';
import { sampleEvent } from '../helpers/events';
import { lambdaContext } from '../helpers/lambda-context';

const ctx = lambdaContext('versionedName');
const NAME = /^p-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/;
const DAY = 86_400_000;
const YEAR_0000 = Date.UTC(2000, 0, 1) - 730485 * DAY; // 0000-01-01T00:00:00Z
const END_OF_9999 = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The name the handler must return for a UTC instant, built by another route than the code's (toISOString). */
const expectedName = (utcMs: number) => `p-${new Date(Math.floor(utcMs / 1000) * 1000).toISOString().slice(0, 19).replace(/[T:]/g, '-')}`;
const inStampRange = (utcMs: number) => utcMs >= YEAR_0000 && utcMs <= END_OF_9999;
const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

type Outcome = { name: string } | { error: InvalidInputError };
async function run(at: unknown): Promise<Outcome> {
  try {
    return (await versionedName({ prefix: 'p', at }, ctx)) as { name: string };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { error };
  }
}

/** Success: the name has the pattern and is `expected`'s UTC time; failure: a short InvalidInputError naming `at`. */
function check(outcome: Outcome, expectedUtcMs: number | undefined) {
  if ('name' in outcome) {
    expect(outcome.name).toMatch(NAME);
    if (expectedUtcMs !== undefined) expect(outcome.name).toBe(expectedName(expectedUtcMs));
  } else {
    expect(outcome.error.fields).toEqual(['at']);
    expect(outcome.error.message).toMatch(/^Invalid input: at: /);
    expect(outcome.error.message.length).toBeLessThanOrEqual(1024);
  }
}

// A local wall-clock time whose own year has four digits, written in one of the documented ISO forms.
const isoForm = fc.record({
  localMs: fc.oneof(
    fc.integer({ min: YEAR_0000, max: END_OF_9999 }),
    fc.integer({ min: YEAR_0000, max: YEAR_0000 + DAY }),
    fc.integer({ min: END_OF_9999 - DAY, max: END_OF_9999 }),
  ),
  offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }),
  separator: fc.constantFrom('T', 't', ' '),
  seconds: fc.boolean(),
  fractionDigits: fc.integer({ min: 0, max: 9 }),
  extraDigits: fc.stringMatching(/^\d{6}$/),
  zone: fc.constantFrom('Z', 'z', 'UTC', ' UTC', '', '+HH:MM', '+HHMM', '+HH', ' +HH:MM'),
});

describe('versionedName handler: the `at` input', () => {
  it.each(['versioned-name-space-fraction.json', 'versioned-name-epoch-millis.json'])('reads the sample %s', async (file) => {
    await expect(versionedName(sampleEvent(file), ctx)).resolves.toEqual({ name: 'my-pipeline-2021-12-15-09-30-05' });
  });

  it('accepts every documented ISO 8601 form: the name is the UTC time, or `at` is refused when its UTC year has not four digits', async () => {
    await fc.assert(
      fc.asyncProperty(isoForm, async (f) => {
        const local = new Date(f.localMs);
        const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
        let time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
        let wallMs = Math.floor(f.localMs / 60_000) * 60_000;
        if (f.seconds) {
          time += `:${pad(local.getUTCSeconds())}`;
          wallMs = Math.floor(f.localMs / 1000) * 1000;
          if (f.fractionDigits > 0) time += `.${(pad(local.getUTCMilliseconds(), 3) + f.extraDigits).slice(0, f.fractionDigits)}`;
        }
        const sign = f.offsetMinutes < 0 ? '-' : '+';
        const [hh, mm] = [pad(Math.trunc(f.offsetMinutes / 60)), pad(f.offsetMinutes % 60)];
        const offsetMinutes = f.zone === '+HH' ? Math.trunc(f.offsetMinutes / 60) * 60 : f.zone.includes('HH') ? f.offsetMinutes : 0;
        const zone = f.zone.replace('+', sign).replace('HH', hh).replace('MM', mm);
        const utcMs = wallMs - offsetMinutes * 60_000;

        const outcome = await run(`${date}${f.separator}${time}${zone}`);
        if (inStampRange(utcMs)) expect(outcome).toEqual({ name: expectedName(utcMs) });
        else expect('error' in outcome && outcome.error.message).toMatch(/^Invalid input: at: expected a time whose UTC year has four digits/);
        check(outcome, utcMs);
      }),
    );
  });

  it('accepts epoch seconds and milliseconds, as numbers and strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: YEAR_0000, max: END_OF_9999 }), fc.boolean(), fc.boolean(), async (ms, asString, fraction) => {
        const secondsForm = Math.abs(ms / 1000) < EPOCH_SECONDS_BELOW;
        const millisecondsForm = Math.abs(ms) >= EPOCH_SECONDS_BELOW;
        if (secondsForm) {
          const seconds = fraction ? (ms / 1000).toFixed(3) : String(Math.floor(ms / 1000));
          expect(await run(asString ? seconds : Number(seconds))).toEqual({ name: expectedName(ms) });
        }
        if (millisecondsForm) expect(await run(asString ? String(ms) : ms)).toEqual({ name: expectedName(ms) });
      }),
    );
  });

  it('refuses epoch times whose UTC year has not four digits, naming `at`', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: -8.64e15, max: YEAR_0000 - 1 }), fc.integer({ min: END_OF_9999 + 1, max: 8.64e15 })),
        async (ms) => {
          const outcome = await run(ms);
          expect('error' in outcome).toBe(true);
          check(outcome, undefined);
        },
      ),
    );
  });

  it('refuses years at and past the edges: 10000, negative, expanded, naming `at`', async () => {
    for (const at of ['10000-01-01T00:00:00Z', '-0001-12-31T23:00:00Z', '+002024-01-05T03:04:05Z', '0000-01-01T00:00:00+01:00', '9999-12-31T23:00:00-01:00']) {
      const outcome = await run(at);
      expect('error' in outcome).toBe(true);
      check(outcome, undefined);
    }
  });

  it('refuses invalid offsets, leap seconds and dates that do not exist, naming `at`', async () => {
    const invalid = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
        .filter(([h, m]) => m > 59 || h * 60 + m > 14 * 60)
        .chain(([h, m]) => fc.constantFrom(`+${pad(h)}:${pad(m)}`, `-${pad(h)}${pad(m)}`))
        .map((offset) => `2024-06-01T12:00:00${offset}`),
      fc.constantFrom('1972-06-30T23:59:60Z', '2016-12-31T23:59:60+00:00', '2016-12-31 23:59:60'),
      fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
        .filter(([y, m, d]) => m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(2000, m, 0)).getUTCDate() || (m === 2 && d === 29 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0)))
        .map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}T00:00:00Z`),
    );
    await fc.assert(
      fc.asyncProperty(invalid, async (at) => {
        const outcome = await run(at);
        expect('error' in outcome).toBe(true);
        check(outcome, undefined);
      }),
    );
  });

  it('returns a name of the pattern or refuses `at` with a short InvalidInputError, for any value', async () => {
    const mutated = fc
      .tuple(fc.constantFrom('2024-01-05T03:04:05.678+05:30', '0000-01-01 00:00:00Z', '9999-12-31T23:59:59-14:00', '1700000000123'), fc.nat(40), fc.string({ maxLength: 3 }))
      .map(([s, i, insert]) => s.slice(0, i % (s.length + 1)) + insert + s.slice((i % (s.length + 1)) + 1));
    const value = fc.oneof(
      mutated,
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 2000 }),
      fc.double(),
      fc.integer(),
      fc.constantFrom(null, true, [], {}, ' ', '\u0000', '2024-01-05T03:04:05Z\n'),
    );
    await fc.assert(fc.asyncProperty(value, async (at) => check(await run(at), undefined)));
  });
});
