import fc from 'fast-check';
import { InvalidInputError } from '../../../lib/core/errors';
import { EPOCH_SECONDS_BELOW, parseInstant } from '../../../lib/strings/instant';

const iso = (value: unknown) => parseInstant(value).toISOString();

describe('parseInstant', () => {
  it.each([
    ['2024-01-05T03:04:05Z', '2024-01-05T03:04:05.000Z'],
    ['2024-01-05t03:04:05z', '2024-01-05T03:04:05.000Z'],
    ['2024-01-05 03:04:05', '2024-01-05T03:04:05.000Z'],
    ['2024-01-05 03:04:05.678901+00:00', '2024-01-05T03:04:05.678Z'],
    ['2024-01-05T03:04:05,5Z', '2024-01-05T03:04:05.500Z'],
    ['2024-01-05T03:04:05.123456789-05:30', '2024-01-05T08:34:05.123Z'],
    ['2024-01-05T03:04:05+0530', '2024-01-04T21:34:05.000Z'],
    ['2024-01-05T03:04:05+05', '2024-01-04T22:04:05.000Z'],
    ['2024-01-05T03:04:05 +01:00', '2024-01-05T02:04:05.000Z'],
    ['2024-01-05 03:04:05 UTC', '2024-01-05T03:04:05.000Z'],
    ['2024-01-05T03:04:05-00:00', '2024-01-05T03:04:05.000Z'],
    ['2024-01-05T03:04Z', '2024-01-05T03:04:00.000Z'],
    ['  2024-01-05T03:04:05Z  ', '2024-01-05T03:04:05.000Z'],
  ])('reads the ISO 8601 form %j', (text, expected) => {
    expect(iso(text)).toBe(expected);
  });

  it('reads epoch seconds and milliseconds, as numbers or decimal strings, telling them apart by magnitude', () => {
    expect(iso(1700000000)).toBe('2023-11-14T22:13:20.000Z');
    expect(iso('1700000000')).toBe('2023-11-14T22:13:20.000Z');
    expect(iso(1700000000.5)).toBe('2023-11-14T22:13:20.500Z');
    expect(iso('1700000000123')).toBe('2023-11-14T22:13:20.123Z');
    expect(iso(1700000000123)).toBe('2023-11-14T22:13:20.123Z');
    expect(iso(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(iso(-1.5)).toBe('1969-12-31T23:59:58.500Z');
    // Just below the threshold is seconds (year 5138), at it milliseconds (March 1973).
    expect(iso(EPOCH_SECONDS_BELOW - 1)).toBe('5138-11-16T09:46:39.000Z');
    expect(iso(EPOCH_SECONDS_BELOW)).toBe('1973-03-03T09:46:40.000Z');
  });

  it('cuts an epoch string with 7 or more fraction digits, as it cuts the ISO form, never rounding into the next second', () => {
    expect(iso('1717243200.9999999')).toBe('2024-06-01T12:00:00.999Z');
    expect(iso('1717243200.99999999999999999999')).toBe(iso('2024-06-01T12:00:00.99999999999999999999Z'));
    expect(iso('1717243200000.9999')).toBe('2024-06-01T12:00:00.000Z');
    // Negative times floor, as a number does: -1.0005 s is 1001 ms before the epoch.
    expect(iso('-1.0005')).toBe('1969-12-31T23:59:58.999Z');
    expect(iso('-1.5')).toBe(iso(-1.5));
  });

  it('reads an epoch string as the ISO form of the same instant, for any fraction', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: EPOCH_SECONDS_BELOW - 1 }), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 25 }), (seconds, fraction) => {
        const isoForm = `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
        expect(iso(`${seconds}.${fraction}`)).toBe(iso(isoForm));
      }),
    );
  });

  it.each([
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['0000-01-01T00:00:00-01:00', '0000-01-01T01:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0099-03-01T00:00:00Z', '0099-03-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T23:00:00+01:00', '9999-12-31T22:00:00.000Z'],
    ['2024-01-05T03:04:05+14:00', '2024-01-04T13:04:05.000Z'],
    ['2024-01-05T03:04:05-14:00', '2024-01-05T17:04:05.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    [-62167219200, '0000-01-01T00:00:00.000Z'],
    [253402300799999, '9999-12-31T23:59:59.999Z'],
  ])('reads the edge %j', (value, expected) => {
    expect(iso(value)).toBe(expected);
  });

  it.each([
    ['0000-01-01T00:00:00+01:00', /UTC year has four digits.*year -1 \(UTC\)/],
    ['9999-12-31T23:00:00-01:00', /UTC year has four digits.*year 10000 \(UTC\)/],
    ['10000-01-01T00:00:00Z', /expected an ISO 8601 time/],
    ['+010000-01-01T00:00:00Z', /expected an ISO 8601 time/],
    ['-0001-01-01T00:00:00Z', /expected an ISO 8601 time/],
    ['-000001-01-01T00:00:00Z', /expected an ISO 8601 time/],
    [-62167219201, /year -1/],
    [253402300800000, /year 10000/],
    ['1e400', /expected an ISO 8601 time/],
    ['9'.repeat(400), /out of range/],
    [Number.NaN, /out of range/],
    [Number.POSITIVE_INFINITY, /out of range/],
    ['2024-01-05T03:04:05+14:01', /UTC offset within -14:00 to \+14:00, not \+14:01/],
    ['2024-01-05T03:04:05-14:30', /UTC offset/],
    ['2024-01-05T03:04:05+15:00', /UTC offset/],
    ['2024-01-05T03:04:05+05:60', /UTC offset/],
    ['2024-01-05T03:04:05+24:00', /UTC offset/],
    ['2024-01-05T03:04:05+5', /expected an ISO 8601 time/],
    ['2016-12-31T23:59:60Z', /leap seconds/],
    ['2023-02-29T00:00:00Z', /2023-02 has no day 29/],
    ['1900-02-29T00:00:00Z', /1900-02 has no day 29/],
    ['2024-04-31T00:00:00Z', /2024-04 has no day 31/],
    ['2024-01-00T00:00:00Z', /no day 00/],
    ['2024-13-01T00:00:00Z', /no month 13/],
    ['2024-00-01T00:00:00Z', /no month 00/],
    ['2024-01-01T24:00:00Z', /hour 24/],
    ['2024-01-01T23:60:00Z', /minute 60/],
    ['2024-01-01T23:59:61Z', /second 61/],
    ['2024-01-05', /expected an ISO 8601 time/],
    ['yesterday', /expected an ISO 8601 time/],
    ['', /expected an ISO 8601 time/],
    [true, /expected an ISO 8601 time/],
    [null, /expected an ISO 8601 time/],
  ])('refuses %j', (value, message) => {
    expect(() => parseInstant(value)).toThrow(InvalidInputError);
    expect(() => parseInstant(value)).toThrow(message);
  });
});
