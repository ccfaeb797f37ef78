/**
 * Property-based test of the post-processing configuration's parser (config/post-processing.json):
 * hostile files either parse or fail with a ConfigurationError naming the field, never a crash, a
 * silently dropped key, or a raw control character.
 */
import fc from 'fast-check';
import { ConfigurationError } from '../../lib/core/errors';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';
import { assertProperty, hostileString, hostileValue, RUNS, withOwnKey } from './hostile';

const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex

/** A route that keeps every rule, then sometimes one field replaced by a hostile value. */
const route = fc
  .tuple(
    fc.constantFrom('glue', 'athena-add', 'athena-msck'),
    fc.constantFrom('analytics', 'sales_db'),
    fc.stringMatching(/^[a-z][a-z0-9_]{2,12}$/),
    fc.option(fc.constantFrom(['Process'], ['Train', 'Score']), { nil: undefined }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('database', 'table', 'location', 'strategy', 'scope', 'trigger', 'steps', 'glue', 'athena', 'other'), hostileValue) },
    ),
  )
  .map(([strategy, database, table, steps, mutation]) => {
    const r: Record<string, unknown> = {
      database,
      table,
      location: `s3://bucket/${table}/`,
      strategy,
      scope: strategy === 'athena-msck' ? 'table' : 'outputs',
      ...(strategy === 'glue' ? { glue: { removeMissing: true } } : { athena: { outputLocation: 's3://results/athena/' } }),
      ...(steps && strategy !== 'athena-msck' ? { steps } : {}),
    };
    if (mutation) withOwnKey(r, mutation[0], mutation[1]);
    return r;
  });

const pipelineName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('my-pipeline', 'My-Pipeline', 'nightly', 'constructor', 'prototype', 'toString') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'pipeline_2023') },
  { weight: 1, arbitrary: hostileString },
);

const config = fc
  .tuple(
    fc.array(fc.tuple(pipelineName, fc.oneof({ weight: 4, arbitrary: fc.record({ routes: fc.array(route, { minLength: 1, maxLength: 3 }) }) }, { weight: 1, arbitrary: hostileValue })), {
      maxLength: 4,
    }),
    fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constant({ logRetentionInDays: 30 }) }, { weight: 1, arbitrary: hostileValue }),
    fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('__proto__', 'extra', 'constructor'), hostileValue) }),
  )
  .map(([pipelines, deploy, extra]) => {
    const record: Record<string, unknown> = {};
    for (const [name, value] of pipelines) withOwnKey(record, name, value);
    const raw: Record<string, unknown> = { pipelines: record };
    if (deploy !== undefined) raw.deploy = deploy;
    if (extra) withOwnKey(raw, extra[0], extra[1]);
    return raw;
  });

describe('parsePostProcessingConfig under generated files', () => {
  it(`parses or names the field at fault, on ${RUNS} files`, async () => {
    await assertProperty(
      fc.asyncProperty(config, async (raw) => {
        let parsed: ReturnType<typeof parsePostProcessingConfig> | undefined;
        try {
          parsed = parsePostProcessingConfig(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          const message = (error as Error).message;
          expect(message).toMatch(/^Invalid config\/post-processing\.json: (pipelines|deploy|extra|constructor|__proto__|event)[.:[ ]/);
          expect(RAW_CONTROL.test(message)).toBe(false);
          return;
        }
        // Accepted: nothing was dropped on the way.
        expect(Object.keys(parsed.pipelines)).toEqual(Object.keys(raw.pipelines as object));
      }),
    );
  });
});
