/**
 * Property-based suite for the LambdaStep functions without AWS I/O: concat, joinStrings,
 * versionedName, exampleOutputs. Each gets RUNS generated events (see hostile.ts).
 */
import fc from 'fast-check';
import { handler as concat } from '../../handlers/concat';
import { handler as exampleOutputs } from '../../handlers/example-outputs';
import { handler as joinStrings } from '../../handlers/join-strings';
import { handler as versionedName } from '../../handlers/versioned-name';
import { lambdaContext } from '../helpers/lambda-context';
import { assertFieldNamedFailure, assertOutputContract, assertProperty, edgeDate, edgeNumber, eventsFor, hostileString, RUNS } from './hostile';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

const context = lambdaContext('property');
const text = fc.oneof(fc.string({ maxLength: 40 }), hostileString, fc.integer(), fc.boolean());
const prefix = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){0,30}$/), fc.string({ maxLength: 300 }));

const cases: [string, Handler, Record<string, fc.Arbitrary<unknown>>][] = [
  ['concat', concat, { str1: text, str2: text }],
  [
    'joinStrings',
    joinStrings,
    {
      on: fc.constantFrom('/', '-', '', ','),
      values: fc
        .array(fc.oneof(fc.string({ maxLength: 20 }), fc.double(), fc.integer()), { maxLength: 8 })
        .chain((values) => fc.constantFrom<unknown>(values, JSON.stringify(values))),
    },
  ],
  ['versionedName', versionedName, { prefix, at: edgeDate, normalize: fc.constantFrom(true, false, 'true', 'FALSE', 'yes') }],
  ['exampleOutputs', exampleOutputs, { arg1: text, arg2: fc.oneof(fc.integer({ min: -2, max: 20 }), edgeNumber) }],
];

describe.each(cases)('%s under generated events', (_name, handler, fields) => {
  it(`succeeds within the output contract or fails naming a field, on ${RUNS} events`, async () => {
    await assertProperty(
      fc.asyncProperty(eventsFor(fields), async (event) => {
        const outcome = await handler(event, context).then(
          (outputs) => ({ ok: true as const, outputs }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        if (outcome.ok) assertOutputContract(outcome.outputs);
        else assertFieldNamedFailure(outcome.error, event, Object.keys(fields));
      }),
    );
  });
});
