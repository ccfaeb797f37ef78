/** infra/iam.ts's packing of a role's statements into its inline policy and managed policies. */
import fc from 'fast-check';
import type { Statement } from '../../infra/cfn';
import { functionRole } from '../../infra/iam';
import { AWS_LIMITS, checkTemplateLimits, jsonSize } from '../../infra/limits';

const limit = (key: string) => AWS_LIMITS[key]?.value ?? Number.NaN;
const kmsKey = (i: number) => `arn:aws-cn:kms:us-east-1:492199269763:key/${String(i).padStart(8, '0')}-cdee-443d-853d-311ce2f3aa77`;

function roleOf(statements: Statement[]) {
  return functionRole({ id: 'Fn', fn: 'fn', functionName: 'fn', vpc: false, essential: [], statements, option: 'pipelines', resources: {} });
}

/** `action resource` pairs the statements grant. */
const grantsOf = (statements: Statement[]) =>
  statements.flatMap((s) => s.Action.flatMap((a) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => `${a} ${JSON.stringify(r)}`)));

/** What a role's inline and managed policies grant, but its own log group (functionRole adds that). */
function roleGrants(resources: ReturnType<typeof roleOf>): string[] {
  const docs = Object.values(resources).flatMap((r) => {
    const p = r.Properties as { PolicyDocument?: { Statement: Statement[] }; Policies?: { PolicyDocument: { Statement: Statement[] } }[] };
    return p.PolicyDocument ? [p.PolicyDocument] : (p.Policies ?? []).map((x) => x.PolicyDocument);
  });
  return grantsOf(docs.flatMap((d) => d.Statement)).filter((g) => !g.startsWith('logs:'));
}

describe('functionRole', () => {
  it('counts the quotes of ARNs written as plain strings: a managed policy filled with them stays within 6144 (CI seed -1522281070 reached 6145)', () => {
    // 300 KMS key ARNs of 79 characters: about 25,000 characters, so the inline policy and several managed ones fill up.
    const keys = Array.from({ length: 300 }, (_, i) => kmsKey(i));
    const resources = roleOf([{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: keys }]);
    const managed = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy');
    expect(managed.length).toBeGreaterThan(1);
    expect(checkTemplateLimits({ Resources: resources })).toEqual([]);
    // Filled, not just under: each full managed policy is within one ARN of the limit.
    for (const [, r] of managed.slice(0, -1)) expect(jsonSize((r.Properties as { PolicyDocument: unknown }).PolicyDocument)).toBeGreaterThan(limit('managedPolicyChars') - 82);
    expect(roleGrants(resources).sort()).toEqual(keys.map((k) => `kms:Decrypt ${JSON.stringify(k)}`).sort());
  });

  it('packs any mix of plain, intrinsic and single resources within every policy limit, granting exactly what was asked', () => {
    const resource = fc.oneof(
      fc.string({ minLength: 1, maxLength: 120 }).map((s) => `arn:aws:s3:::${s}`),
      fc.string({ minLength: 1, maxLength: 120 }).map((s) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${s.replace(/\$/g, '')}` })),
      fc.constantFrom('*', '"', '\\', '123', '{"a":1}', '[]'),
    );
    const statement: fc.Arbitrary<Statement> = fc.record({
      Effect: fc.constant('Allow' as const),
      Action: fc.array(fc.constantFrom('s3:GetObject', 'kms:Decrypt', 'glue:GetTable'), { minLength: 1, maxLength: 3 }),
      Resource: fc.oneof(resource, fc.array(resource, { minLength: 1, maxLength: 200, size: 'max' })),
    });
    let built = 0;
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 6, size: 'max' }), (statements) => {
        let resources;
        try {
          resources = roleOf(statements);
        } catch (error) {
          expect((error as Error).message).toMatch(/^pipelines: fn's IAM permissions need about \d+ characters/);
          return;
        }
        built += 1;
        expect(checkTemplateLimits({ Resources: resources })).toEqual([]);
        expect(new Set(roleGrants(resources))).toEqual(new Set(grantsOf(statements)));
      }),
      { numRuns: 200 },
    );
    // Most roles build (the limits are generous): the property is about their packing, not the refusal.
    expect(built).toBeGreaterThan(100);
  });
});
