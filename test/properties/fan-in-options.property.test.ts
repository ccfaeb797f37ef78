/**
 * Property-based suite for the CallbackStep's Distributed Map inputs (maxRunning, toleratedFailureCount,
 * toleratedFailurePercentage, stopOnFailure, childRetries, resultsS3Uri): any value is either taken,
 * within its documented range, or refused with an error naming that field (never another one).
 */
import fc from 'fast-check';
import { InvalidInputError } from '../../lib/core/errors';
import { parseStepInput } from '../../lib/lambda-step/define-step';
import { FanInArguments, MAX_CHILD_RETRIES, MAX_RUNNING } from '../../lib/fan-out/request';
import { checkResultsBucket, resultsObjectUri } from '../../lib/fan-out/results';
import { edgeNumber, hostileString, hostileValue, RUNS } from './hostile';

const BASE = { pipelines: 'child', items: '["a"]' };
const FIELDS = ['maxRunning', 'toleratedFailureCount', 'toleratedFailurePercentage', 'stopOnFailure', 'childRetries', 'resultsS3Uri'] as const;

/** Values near each field's edges, beside hostile ones. */
const nearEdges = fc.oneof(
  fc.constantFrom('0', '1', '5', '6', '100', '100.0', '100.1', '-0', '10000', '10001', 'true', 'false', 's3://b/', 's3://bucket/prefix/', 's3://B/x'),
  fc.integer({ min: -10, max: 10_010 }),
  fc.double({ min: -1, max: 101 }),
);

describe('CallbackStep Distributed Map inputs (property)', () => {
  it('takes a value within its range or refuses it naming the field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.oneof(hostileValue, edgeNumber, nearEdges), (field, value) => {
        let input: FanInArguments;
        try {
          input = parseStepInput(FanInArguments, { ...BASE, [field]: value });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          const message = (error as Error).message;
          // Only the field given can be at fault (stopOnFailure alone is refused for want of a tolerance).
          expect(message).toContain(field);
          expect(message.length).toBeLessThanOrEqual(1024);
          return;
        }
        const taken = input[field];
        if (field === 'maxRunning') expect(Number.isInteger(taken) && Number(taken) >= 1 && Number(taken) <= MAX_RUNNING).toBe(true);
        if (field === 'childRetries') expect(Number.isInteger(taken) && Number(taken) >= 0 && Number(taken) <= MAX_CHILD_RETRIES).toBe(true);
        if (field === 'toleratedFailureCount') expect(Number.isInteger(taken) && Number(taken) >= 0).toBe(true);
        if (field === 'toleratedFailurePercentage') expect(Number(taken) >= 0 && Number(taken) <= 100).toBe(true);
        if (field === 'stopOnFailure') expect(taken).toBe(false);
        if (field === 'resultsS3Uri') expect(String(taken)).toMatch(/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/\S*)?$/);
      }),
      { numRuns: RUNS },
    );
  });

  it('names the results object under the prefix, one per parent and token, whatever the ARN and token hold', () => {
    fc.assert(
      fc.property(hostileString, hostileString, hostileString, (arn, tokenA, tokenB) => {
        const a = resultsObjectUri('s3://example-results/runs', arn, tokenA);
        expect(a).toMatch(/^s3:\/\/example-results\/runs\/fan-out-[A-Za-z0-9-]*-[0-9a-f]{16}\.jsonl$/);
        expect(resultsObjectUri('s3://example-results/runs/', arn, tokenA)).toBe(a);
        if (tokenA !== tokenB) expect(resultsObjectUri('s3://example-results/runs', arn, tokenB)).not.toBe(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses every bucket but the listed ones, naming resultsS3Uri and the deploy option', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/), (bucket) => {
        const check = () => checkResultsBucket(`s3://${bucket}/p/`, ['example-results']);
        if (bucket === 'example-results') expect(check).not.toThrow();
        else expect(check).toThrow(/^resultsS3Uri: bucket .* is not in deploy\.fanOutResultsBuckets \(example-results\)$/);
      }),
      { numRuns: RUNS },
    );
  });
});
