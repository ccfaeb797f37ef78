/** infra/catalog.ts: the one list of functions, and what each entry gets in the stack. */
import fs from 'node:fs';
import path from 'node:path';
import shipped from '../../config/post-processing.json';
import { calledBy, FUNCTIONS, LAMBDA_STEP_FUNCTIONS, type Catalog } from '../../infra/catalog';
import { functionName } from '../../infra/names';
import { buildStack } from '../../infra/stack';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';
import { packagedTemplate } from '../helpers/packaged-template';

const ROOT = path.join(__dirname, '..', '..');
const config = parsePostProcessingConfig(shipped);

describe('the catalog', () => {
  it('has an entry for every handler file, and a handler file for every entry', () => {
    const files = fs.readdirSync(path.join(ROOT, 'handlers')).filter((f) => f.endsWith('.ts'));
    const handlers = Object.values(FUNCTIONS as Catalog).map((spec) => spec.handler);
    // A handler without an entry is never packaged: it fails here.
    expect(files.map((f) => `handlers/${f.replace(/\.ts$/, '')}.handler`).sort()).toEqual([...handlers].sort());
    expect(new Set(handlers).size).toBe(handlers.length);
  });

  it('is what `sls package` deploys: one function per entry, and no other', () => {
    const fns = Object.entries(packagedTemplate().Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(fns.map(([id]) => id).sort()).toEqual(Object.keys(FUNCTIONS).map((fn) => `${fn[0]?.toUpperCase()}${fn.slice(1)}LambdaFunction`).sort());
    for (const [id, fn] of fns) {
      const name = `${id[0]?.toLowerCase()}${id.slice(1).replace(/LambdaFunction$/, '')}` as keyof typeof FUNCTIONS;
      const spec: Catalog[string] = FUNCTIONS[name];
      expect([name, fn.Properties?.Timeout, fn.Properties?.MemorySize]).toEqual([name, spec.timeout, spec.memorySize ?? 256]);
    }
  });

  it('gives a new entry its fitted name, its own role, an Output when it is a LambdaStep, and its alarms', () => {
    const newStep = { ...FUNCTIONS.concat, handler: 'handlers/new-step.handler', description: 'LambdaStep: new' };
    const catalog: Catalog = { ...FUNCTIONS, newStep };
    const without = buildStack('production', config);
    const stack = buildStack('production', config, catalog);
    expect(stack.functions.newStep).toMatchObject({ name: functionName('production', 'newStep'), handler: 'handlers/new-step.handler', role: 'NewStepRole' });
    const role = stack.Resources.NewStepRole?.Properties as { Policies: { PolicyDocument: { Statement: { Resource: unknown }[] } }[] };
    expect(JSON.stringify(role.Policies[0]?.PolicyDocument.Statement[0]?.Resource)).toContain(`log-group:/aws/lambda/${functionName('production', 'newStep')}:*`);
    expect(stack.Outputs.NewStepFunctionArn?.Value).toEqual({ 'Fn::GetAtt': ['NewStepLambdaFunction', 'Arn'] });
    expect(stack.Resources.NewStepErrorsAlarm?.Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: 'NewStepLambdaFunction' } }]);
    expect(stack.Resources.NewStepThrottlesAlarm?.Type).toBe('AWS::CloudWatch::Alarm');
    expect(JSON.stringify(stack.Resources.Dashboard)).toContain('NewStepLambdaFunction');
    for (const id of ['NewStepRole', 'NewStepErrorsAlarm']) expect(without.Resources[id]).toBeUndefined();
    expect(without.Outputs.NewStepFunctionArn).toBeUndefined();
  });

  it('lists the LambdaStep functions, in catalog order', () => {
    expect(LAMBDA_STEP_FUNCTIONS).toEqual(Object.keys(FUNCTIONS).filter((fn) => FUNCTIONS[fn as keyof typeof FUNCTIONS].trigger.kind === 'LambdaStep'));
    expect(LAMBDA_STEP_FUNCTIONS).toContain('createPartitions');
    expect(LAMBDA_STEP_FUNCTIONS).not.toContain('fanOutCallback');
  });

  it("matches README's table of the functions at a glance: each function once, and what calls it", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = /## The functions at a glance\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? '';
    // A row names one or more functions; "called by" gives one caller for all, or one per function.
    const rows = section
      .split('\n')
      .map((line) => /^\|([^|]*`[^|]*)\|([^|]+)\|/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .flatMap((m) => {
        const fns = [...(m[1] ?? '').matchAll(/`(\w+)`/g)].map((f) => f[1] ?? '');
        const callers = (m[2] ?? '').split(',').map((c) => c.trim());
        return fns.map((fn, i) => [fn, callers.length === fns.length ? callers[i] : callers.join(', ')] as const);
      });
    expect(rows.map(([fn]) => fn).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const [fn, caller] of rows) {
      const spec: Catalog[string] | undefined = (FUNCTIONS as Catalog)[fn];
      expect([fn, caller]).toEqual([fn, spec && calledBy(spec.trigger)]);
    }
  });
});
