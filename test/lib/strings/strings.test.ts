import fc from 'fast-check';
import { InvalidInputError } from '../../../lib/core/errors';
import { concat, joinValues, normalizeNamePrefix, PIPELINE_NAME_PATTERN, utcStamp, versionedName } from '../../../lib/strings/strings';

const AT = new Date('2021-12-15T09:30:05.678Z');

describe('strings', () => {
  it('concat joins two strings as they are', () => {
    expect(concat('Hello', ' World')).toBe('Hello World');
  });

  it('joinValues builds an S3 URI from parts', () => {
    expect(joinValues('/', ['s3:/', 'my-bucket', 'training', 'exec-1'])).toBe('s3://my-bucket/training/exec-1');
    expect(joinValues('-', ['v', 2, 2.5])).toBe('v-2-2.5');
  });

  it('utcStamp writes the UTC time with hyphens', () => {
    expect(utcStamp(AT)).toBe('2021-12-15-09-30-05');
  });

  describe('versionedName', () => {
    it('appends the UTC time to the prefix', () => {
      expect(versionedName('my-pipeline', AT)).toBe('my-pipeline-2021-12-15-09-30-05');
    });

    it('refuses a prefix a pipeline name cannot hold, saying how to fix it', () => {
      expect(() => versionedName('pipeline_2023', AT)).toThrow(InvalidInputError);
      expect(() => versionedName('pipeline_2023', AT)).toThrow(/prefix: may hold only letters, digits and hyphens.*normalize/);
      expect(() => versionedName('-lead', AT)).toThrow(InvalidInputError);
    });

    it('refuses, naming `at`, a time whose UTC year has not four digits', () => {
      for (const at of ['0000-01-01T00:00:00+01:00', '9999-12-31T23:00:00-01:00', '+275760-09-13T00:00:00Z', 'not a date']) {
        const date = new Date(at);
        expect(() => versionedName('p', date)).toThrow(InvalidInputError);
        expect(() => versionedName('p', date)).toThrow(/^Invalid input: at: expected a time whose UTC year has four digits \(0000 to 9999\)/);
      }
      expect(versionedName('p', new Date('0000-01-01T00:00:00Z'))).toBe('p-0000-01-01-00-00-00');
      expect(versionedName('p', new Date('9999-12-31T23:59:59.999Z'))).toBe('p-9999-12-31-23-59-59');
      expect(() => utcStamp(new Date('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
    });

    it('normalises a prefix on request', () => {
      expect(versionedName('pipeline_2023.daily', AT, { normalize: true })).toBe('pipeline-2023-daily-2021-12-15-09-30-05');
      expect(() => versionedName('___', AT, { normalize: true })).toThrow(/no letter or digit/);
    });

    it('refuses a prefix too long for a 256-character name', () => {
      expect(versionedName('a'.repeat(236), AT)).toHaveLength(256);
      expect(() => versionedName('a'.repeat(237), AT)).toThrow(/at most 236 characters/);
    });

    it('always returns a valid pipeline name or refuses, for any prefix', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), fc.boolean(), (prefix, normalize) => {
          try {
            expect(versionedName(prefix, AT, { normalize })).toMatch(PIPELINE_NAME_PATTERN);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidInputError);
          }
        }),
      );
    });

    it('normalizeNamePrefix leaves valid prefixes unchanged', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9-]{0,50}$/), (prefix) => normalizeNamePrefix(prefix) === prefix),
      );
    });
  });
});
