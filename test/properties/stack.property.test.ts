/**
 * Generated configurations (up to 100 pipelines and 200 routed tables, names of every allowed length
 * and character) through the stack builder: the stack either fits every AWS limit infra/limits.ts
 * checks, or is refused at packaging with one message naming the option and the limit.
 */
import fc from 'fast-check';
import { FUNCTIONS } from '../../infra/catalog';
import { StackLimitError } from '../../infra/iam';
import { checkTemplateLimits } from '../../infra/limits';
import { buildStack, type Stack } from '../../infra/stack';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';
import { configArbitrary } from './config-arbitrary';

/** The stack's template with the functions and log groups osls compiles from `functions:`. */
function templateOf(stack: Stack) {
  const Resources: Record<string, unknown> = { ...stack.Resources };
  for (const [fn, f] of Object.entries(stack.functions)) {
    const id = `${fn[0]?.toUpperCase()}${fn.slice(1)}`;
    Resources[`${id}LambdaFunction`] = {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: f.name, Description: f.description, Role: { 'Fn::GetAtt': [f.role, 'Arn'] }, Environment: { Variables: f.environment ?? {} } },
    };
    Resources[`${id}LogGroup`] = { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/aws/lambda/${f.name}` } };
  }
  return { Resources, Outputs: stack.Outputs };
}

describe('the stack of a generated configuration', () => {
  it('fits every checked AWS limit, or is refused naming the option and the limits', () => {
    let built = 0;
    let refused = 0;
    fc.assert(
      fc.property(configArbitrary(), fc.constantFrom('dev', 'production', 's'.repeat(256)), (raw, stage) => {
        const config = parsePostProcessingConfig(raw);
        let stack: Stack;
        try {
          stack = buildStack(stage, config);
        } catch (error) {
          expect(error).toBeInstanceOf(StackLimitError);
          expect((error as Error).message).toMatch(/^pipelines \(their names, routes and tables\): .*10240 inline plus 10 managed policies of 6144; IAM quotas/);
          refused += 1;
          return;
        }
        built += 1;
        expect(checkTemplateLimits(templateOf(stack))).toEqual([]);
        expect(Object.keys(stack.functions)).toEqual(Object.keys(FUNCTIONS));
        // Every routed table has its own alarm.
        const tables = new Set(Object.values(config.pipelines).flatMap((p) => p.routes.map((r) => `${r.database}.${r.table}`)));
        const alarms = Object.values(stack.Resources).filter((r) => r.Properties.MetricName === 'RegistrationsFailed');
        if (config.deploy?.alarms?.enabled !== false) expect(alarms).toHaveLength(tables.size);
      }),
      { numRuns: 100 },
    );
    // Small and large configurations both occur: some build, and the refusals are counted, not hidden.
    expect(built).toBeGreaterThan(0);
    expect(built + refused).toBe(100);
  }, 300_000);
});
