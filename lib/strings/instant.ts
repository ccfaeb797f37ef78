/**
 * Reads an instant in any form a pipeline may pass one: the text form of `Execution.StartDateTime`
 * at run time is not documented (the SDK's local mode passes a Python datetime, whose `str()` has a
 * space where ISO 8601 has `T`), so every reasonable form is accepted and nothing is guessed.
 */
import * as z from 'zod/mini';
import { InvalidInputError } from '../core/errors';

/**
 * Epoch values whose magnitude is below 1e11 are seconds, others milliseconds. 1e11 seconds is in
 * year 5138 and 1e11 milliseconds is 1973-03-03, so seconds before year 5138 and milliseconds after
 * March 1973 (or before November 1966) read as meant; a time in seconds after year 5138 reads as
 * milliseconds.
 */
export const EPOCH_SECONDS_BELOW = 1e11;
/** The widest UTC offset in use (Kiribati, +14:00); anything wider is refused. */
export const MAX_OFFSET_MINUTES = 14 * 60;
/** The years a `-YYYY-MM-DD-HH-MM-SS` stamp can write. */
export const MIN_YEAR = 0;
export const MAX_YEAR = 9999;

const EXPECTED = 'expected an ISO 8601 time (2024-01-05T03:04:05Z, 2024-01-05 03:04:05.123+01:00) or epoch seconds or milliseconds';

// Date `T`-or-space time, optional seconds and fraction (`.` or `,`), then `Z`/`UTC`, an offset
// (+HH:MM, +HHMM, +HH) or nothing (UTC), optionally after a space.
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)? ?(?:(Z|UTC)|([+-])(\d{2})(?::?(\d{2}))?)?$/i;
const EPOCH = /^[+-]?\d+(?:\.\d+)?$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, month: number) => (month === 2 && isLeapYear(y) ? 29 : (MONTH_DAYS[month - 1] ?? 0));

const refuse = (why: string) => new InvalidInputError(why);

/** Why `at` cannot be written as `YYYY-MM-DD-HH-MM-SS` (its UTC year is not 0000 to 9999), or undefined if it can. */
export function stampYearProblem(at: Date): string | undefined {
  const year = at.getUTCFullYear();
  if (year >= MIN_YEAR && year <= MAX_YEAR) return undefined;
  const which = Number.isNaN(year) ? 'this time is out of range' : `this time is in year ${year} (UTC)`;
  return `expected a time whose UTC year has four digits (0000 to 9999); ${which}`;
}

function fromEpoch(n: number): Date {
  if (!Number.isFinite(n)) return new Date(Number.NaN);
  const seconds = Math.abs(n) < EPOCH_SECONDS_BELOW;
  // Whole seconds apart from the fraction, so that float error never moves the time across a second.
  const whole = Math.floor(n);
  const ms = seconds ? whole * 1000 + Math.floor((n - whole) * 1000) : whole;
  return new Date(ms);
}

/**
 * An epoch given as text, read from its digits: the fraction is cut to milliseconds as the ISO form's is
 * (`1717243200.9999999` is 1717243200999 ms), where Number() would round it into the next second.
 * Negative times are floored, as fromEpoch floors them.
 */
function fromEpochText(text: string): Date {
  const [, sign, whole = '', fraction = ''] = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text) ?? [];
  const magnitude = Number(whole);
  if (!Number.isFinite(magnitude)) return new Date(Number.NaN);
  const seconds = magnitude < EPOCH_SECONDS_BELOW;
  const digits = seconds ? 3 : 0;
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  const cut = /[1-9]/.test(fraction.slice(digits));
  const ms = magnitude * (seconds ? 1000 : 1) + Number(kept || '0');
  return new Date(sign === '-' ? -ms - (cut ? 1 : 0) : ms);
}

function fromIsoText(match: RegExpExecArray): Date {
  const [, y, mo, d, h, mi, s, fraction, utc, sign, oh, om] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map((part) => Number(part ?? '0')) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) throw refuse(`expected a valid date: there is no month ${mo}`);
  if (day < 1 || day > daysInMonth(year, month)) throw refuse(`expected a valid date: ${y}-${mo} has no day ${d}`);
  if (hour > 23) throw refuse(`expected a valid time: hour ${h} (00 to 23)`);
  if (minute > 59) throw refuse(`expected a valid time: minute ${mi} (00 to 59)`);
  if (second === 60) throw refuse('expected a valid time: leap seconds (second 60) are not accepted');
  if (second > 59) throw refuse(`expected a valid time: second ${s} (00 to 59)`);
  let offsetMinutes = 0;
  if (sign !== undefined && utc === undefined) {
    const [hours, minutes] = [Number(oh), Number(om ?? '0')];
    if (minutes > 59 || hours * 60 + minutes > MAX_OFFSET_MINUTES) {
      throw refuse(`expected a UTC offset within -14:00 to +14:00, not ${sign}${oh}:${om ?? '00'}`);
    }
    offsetMinutes = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const local = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0 to 99 as 1900 to 1999.
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, Number((fraction ?? '').padEnd(3, '0').slice(0, 3)));
  return new Date(local.getTime() - offsetMinutes * 60_000);
}

/**
 * Reads an instant: ISO 8601 with `T` or a space, with or without seconds and a fraction, with `Z`,
 * `UTC`, an offset up to ±14:00, or none (then UTC); or epoch seconds or milliseconds, as a number or
 * a decimal string (seconds when below 1e11 in magnitude, see EPOCH_SECONDS_BELOW). Invalid dates,
 * leap seconds and times whose UTC year is not 0000 to 9999 are refused with an InvalidInputError.
 */
export function parseInstant(value: unknown): Date {
  let at: Date;
  if (typeof value === 'number') {
    at = fromEpoch(value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    const iso = ISO_TIME.exec(text);
    if (iso) at = fromIsoText(iso);
    else if (EPOCH.test(text)) at = fromEpochText(text);
    else throw refuse(EXPECTED);
  } else {
    throw refuse(EXPECTED);
  }
  const problem = stampYearProblem(at);
  if (problem) throw refuse(problem);
  return at;
}

/** The step input schema of an instant (see parseInstant): its errors name the field. */
export const instant = () =>
  z.transform((value: unknown, ctx): Date => {
    try {
      return parseInstant(value);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: value });
      return z.NEVER;
    }
  });
