/** infra/limits.ts: each AWS limit, with a template just under it (accepted) and just over it (refused). */
import fc from 'fast-check';
import {
  AWS_LIMITS,
  LimitError,
  PSEUDO_PARAMETER_LENGTHS,
  checkStage,
  checkTemplateLimits,
  findLogicalIdCollisions,
  jsonSize,
  resolvedLength,
  tagProblems,
  type Template,
} from '../../infra/limits';
import { ConfigurationError } from '../../lib/core/errors';
import { parsePostProcessingConfig } from '../../lib/post-processing/config';
import { assertProperty, hostileString, hostileValue, RUNS } from '../properties/hostile';

const template = (Resources: Record<string, unknown>, extra: Partial<Template> = {}): Template => ({ Resources, ...extra });
const resource = (Type: string, Properties: Record<string, unknown> = {}) => ({ Type, Properties });
const limitsOf = (t: Template) => checkTemplateLimits(t).map((v) => v.limit);
const many = <T>(n: number, make: (i: number) => T): Record<string, T> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`R${i}`, make(i)]));

/** A policy document whose JSON is exactly `size` characters. */
function policyOfSize(size: number) {
  const doc = (pad: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: pad }] });
  return doc('x'.repeat(size - JSON.stringify(doc('')).length));
}
/** An event pattern whose JSON is exactly `size` characters. */
function patternOfSize(size: number) {
  const pattern = (pad: string) => ({ source: ['aws.sagemaker'], detail: { pipelineArn: [pad] } });
  return pattern('x'.repeat(size - JSON.stringify(pattern('')).length));
}

describe('checkTemplateLimits', () => {
  it('accepts an empty template', () => {
    expect(checkTemplateLimits(template({}))).toEqual([]);
  });

  it.each([
    ['cfnResources', (n: number) => template(many(n, () => resource('AWS::SQS::Queue')))],
    ['cfnOutputs', (n: number) => template({}, { Outputs: many(n, () => ({ Value: 'v' })) })],
    ['cfnParameters', (n: number) => template({}, { Parameters: many(n, () => ({ Type: 'String' })) })],
  ] as const)('counts %s up to its limit', (limit, make) => {
    const max = AWS_LIMITS[limit].value;
    expect(limitsOf(make(max))).toEqual([]);
    expect(limitsOf(make(max + 1))).toEqual([limit]);
  });

  it('measures the template body in UTF-8 bytes, pretty-printed as osls uploads it', () => {
    const withPad = (n: number) => template({ Pad: { Type: 'AWS::S3::Bucket', Metadata: { pad: 'é'.repeat(n) } } });
    const base = Buffer.byteLength(JSON.stringify(withPad(0), null, 2));
    const room = AWS_LIMITS.cfnTemplateBytes.value - base;
    // 'é' is 2 bytes: fill to the limit, then one byte over with an ASCII character.
    const atLimit = withPad(Math.floor(room / 2));
    if (room % 2 === 1) (atLimit.Resources.Pad as { Metadata: { pad: string } }).Metadata.pad += 'x';
    expect(limitsOf(atLimit)).toEqual([]);
    (atLimit.Resources.Pad as { Metadata: { pad: string } }).Metadata.pad += 'x';
    expect(limitsOf(atLimit)).toEqual(['cfnTemplateBytes']);
  });

  it('refuses logical IDs over 255 characters or with other characters than A-Za-z0-9', () => {
    expect(limitsOf(template({ ['Q'.repeat(255)]: resource('AWS::SQS::Queue') }))).toEqual([]);
    expect(limitsOf(template({ ['Q'.repeat(256)]: resource('AWS::SQS::Queue') }))).toEqual(['logicalIdChars']);
    const [bad] = checkTemplateLimits(template({}, { Outputs: { 'Sales-Eu': { Value: 'v' } } }));
    expect(bad?.message).toBe('Outputs.Sales-Eu: logical IDs hold only A-Za-z0-9 (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html)');
  });

  it('refuses a parameter sharing a resource logical ID', () => {
    expect(limitsOf(template({ Stage: resource('AWS::SQS::Queue') }, { Parameters: { Stage: { Type: 'String' } } }))).toEqual(['logicalIdChars']);
  });

  it.each([
    ['AWS::Lambda::Function', 'FunctionName', 'lambdaFunctionName'],
    ['AWS::Lambda::Function', 'Description', 'lambdaDescription'],
    ['AWS::IAM::Role', 'RoleName', 'iamRoleName'],
    ['AWS::Events::Rule', 'Name', 'eventRuleName'],
    ['AWS::SQS::Queue', 'QueueName', 'sqsQueueName'],
    ['AWS::SNS::Topic', 'TopicName', 'snsTopicName'],
    ['AWS::DynamoDB::Table', 'TableName', 'dynamoDbTableName'],
    ['AWS::Athena::WorkGroup', 'Name', 'athenaWorkGroupName'],
    ['AWS::CloudWatch::Alarm', 'AlarmName', 'alarmName'],
    ['AWS::CloudWatch::Alarm', 'AlarmDescription', 'alarmDescription'],
    ['AWS::CloudWatch::Dashboard', 'DashboardName', 'dashboardName'],
  ] as const)('refuses a %s %s over its limit, naming the resource and the limit', (type, property, limit) => {
    const max = AWS_LIMITS[limit].value;
    expect(limitsOf(template({ It: resource(type, { [property]: 'n'.repeat(max) }) }))).toEqual([]);
    const [over] = checkTemplateLimits(template({ It: resource(type, { [property]: 'n'.repeat(max + 1) }) }));
    expect(over).toEqual({
      limit,
      where: `It.${property}`,
      message: `It.${property}: at most ${max} ${AWS_LIMITS[limit].what} (got ${max + 1}; ${AWS_LIMITS[limit].source})`,
    });
  });

  it('counts a Fn::Sub name by its literal text plus each pseudo parameter at its longest', () => {
    const name = (pad: number) => ({ 'Fn::Sub': `${'f'.repeat(pad)}-\${AWS::AccountId}` });
    const room = AWS_LIMITS.lambdaFunctionName.value - 1 - (PSEUDO_PARAMETER_LENGTHS['AWS::AccountId'] ?? 0);
    expect(limitsOf(template({ F: resource('AWS::Lambda::Function', { FunctionName: name(room) }) }))).toEqual([]);
    expect(limitsOf(template({ F: resource('AWS::Lambda::Function', { FunctionName: name(room + 1) }) }))).toEqual(['lambdaFunctionName']);
  });

  it("sums a role's inline policies, its own and those of AWS::IAM::Policy resources naming it", () => {
    const max = AWS_LIMITS.roleInlinePolicyChars.value;
    const role = (docs: object[]) => resource('AWS::IAM::Role', { Policies: docs.map((PolicyDocument, i) => ({ PolicyName: `p${i}`, PolicyDocument })) });
    expect(limitsOf(template({ Role: role([policyOfSize(max)]) }))).toEqual([]);
    expect(limitsOf(template({ Role: role([policyOfSize(max + 1)]) }))).toEqual(['roleInlinePolicyChars']);
    const split = template({
      Role: role([policyOfSize(max / 2)]),
      Extra: resource('AWS::IAM::Policy', { PolicyName: 'x', Roles: [{ Ref: 'Role' }], PolicyDocument: policyOfSize(max / 2 + 1) }),
    });
    expect(checkTemplateLimits(split).map((v) => v.where)).toEqual(['Role (inline policies)']);
  });

  it('does not count whitespace in policies, and counts an intrinsic ARN at its longest', () => {
    expect(jsonSize(JSON.stringify(policyOfSize(500), null, 4))).toBe(500);
    const queue = resource('AWS::SQS::Queue', { QueueName: 'q'.repeat(80) });
    const arn = 'arn::sqs:::'.length + 10 + 14 + 12 + 80;
    expect(resolvedLength({ 'Fn::GetAtt': ['Q', 'Arn'] }, { Q: queue })).toBe(arn);
    expect(resolvedLength({ 'Fn::Sub': '${Q.Arn}/*' }, { Q: queue })).toBe(arn + 2);
    // Packaged for a known Region, the Region and its partition count at their real length.
    expect(resolvedLength({ 'Fn::GetAtt': ['Q', 'Arn'] }, { Q: queue }, 'eu-west-1')).toBe('arn:aws:sqs:eu-west-1::'.length + 12 + 80);
    expect(resolvedLength({ 'Fn::Sub': '${AWS::Partition}' }, {}, 'cn-north-1')).toBe('aws-cn'.length);
    expect(resolvedLength({ 'Fn::Sub': '${AWS::Partition}' }, {}, 'us-gov-west-1')).toBe('aws-us-gov'.length);
    // A resource the template does not name is counted at REFERENCE_LENGTH.
    expect(resolvedLength({ 'Fn::GetAtt': ['Missing', 'Arn'] }, {})).toBe(256);
  });

  it('refuses a managed policy over 6,144 characters', () => {
    const max = AWS_LIMITS.managedPolicyChars.value;
    expect(limitsOf(template({ P: resource('AWS::IAM::ManagedPolicy', { PolicyDocument: policyOfSize(max) }) }))).toEqual([]);
    expect(limitsOf(template({ P: resource('AWS::IAM::ManagedPolicy', { PolicyDocument: policyOfSize(max + 1) }) }))).toEqual(['managedPolicyChars']);
  });

  it('counts the managed policies of a role, listed and attached by AWS::IAM::ManagedPolicy', () => {
    const role = (n: number) => resource('AWS::IAM::Role', { ManagedPolicyArns: Array.from({ length: n }, (_, i) => `arn:aws:iam::aws:policy/P${i}`) });
    const attached = resource('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: 'Role' }], PolicyDocument: policyOfSize(100) });
    expect(limitsOf(template({ Role: role(9), A: attached }))).toEqual([]);
    expect(limitsOf(template({ Role: role(9), A: attached, B: attached }))).toEqual(['managedPoliciesPerRole']);
  });

  it("refuses a role's trust policy over 2,048 characters", () => {
    expect(limitsOf(template({ Role: resource('AWS::IAM::Role', { AssumeRolePolicyDocument: policyOfSize(2048) }) }))).toEqual([]);
    expect(limitsOf(template({ Role: resource('AWS::IAM::Role', { AssumeRolePolicyDocument: policyOfSize(2049) }) }))).toEqual(['iamTrustPolicySize']);
  });

  it('measures an event pattern as JSON, a pipeline ARN by Fn::Sub at its longest', () => {
    const rule = (EventPattern: unknown) => template({ Rule: resource('AWS::Events::Rule', { EventPattern }) });
    expect(limitsOf(rule(patternOfSize(2048)))).toEqual([]);
    expect(limitsOf(rule(patternOfSize(2049)))).toEqual(['eventPatternChars']);
    expect(limitsOf(rule(JSON.stringify(patternOfSize(2049))))).toEqual(['eventPatternChars']);
    const arn = { 'Fn::Sub': 'arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/p' };
    expect(jsonSize({ a: [{ 'equals-ignore-case': arn }] })).toBe(JSON.stringify({ a: [{ 'equals-ignore-case': '' }] }).length + 'arn::sagemaker:::pipeline/p'.length + 10 + 14 + 12);
  });

  it('measures with the packaging Region when given: a pattern over the limit anywhere may fit in us-east-1', () => {
    const arn = { 'Fn::Sub': 'arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/p' };
    const pattern = (n: number) => ({ detail: { pipelineArn: Array.from({ length: n }, () => ({ 'equals-ignore-case': arn })) } });
    const rule = (n: number) => template({ Rule: resource('AWS::Events::Rule', { EventPattern: pattern(n) }) });
    let n = 1;
    while (jsonSize(pattern(n + 1)) <= 2048) n += 1;
    expect(limitsOf(rule(n + 1))).toEqual(['eventPatternChars']);
    expect(checkTemplateLimits(rule(n + 1), { region: 'us-east-1' }).map((v) => v.limit)).toEqual([]);
  });

  it('refuses more than 5 targets on a rule, and more than 300 rules on one bus', () => {
    const targets = (n: number) => template({ Rule: resource('AWS::Events::Rule', { Targets: Array.from({ length: n }, (_, i) => ({ Id: `t${i}`, Arn: 'arn' })) }) });
    expect(limitsOf(targets(5))).toEqual([]);
    expect(limitsOf(targets(6))).toEqual(['eventTargetsPerRule']);
    expect(limitsOf(template(many(300, () => resource('AWS::Events::Rule'))))).toEqual([]);
    expect(limitsOf(template(many(301, () => resource('AWS::Events::Rule'))))).toEqual(['eventRulesPerBus']);
    const twoBuses = { ...many(200, () => resource('AWS::Events::Rule')), ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`B${i}`, resource('AWS::Events::Rule', { EventBusName: 'other' })])) };
    expect(limitsOf(template(twoBuses))).toEqual([]);
  });

  it("refuses a function's environment over 4 KB", () => {
    const env = (bytes: number) => {
      const pad = bytes - JSON.stringify({ A: '' }).length;
      return template({ F: resource('AWS::Lambda::Function', { Environment: { Variables: { A: 'é'.repeat(Math.floor(pad / 2)) + 'x'.repeat(pad % 2) } } }) });
    };
    expect(limitsOf(env(4096))).toEqual([]);
    expect(limitsOf(env(4097))).toEqual(['lambdaEnvironmentBytes']);
  });

  it('refuses tag keys over 128 and values over 256 characters, the aws: prefix in any case, and characters AWS refuses', () => {
    const tagged = (Key: unknown, Value: unknown) => template({ F: resource('AWS::Lambda::Function', { Tags: [{ Key, Value }] }) });
    expect(limitsOf(tagged('k'.repeat(128), 'v'.repeat(256)))).toEqual([]);
    expect(limitsOf(tagged('k'.repeat(129), 'v'))).toEqual(['tagKey']);
    expect(limitsOf(tagged('k', 'v'.repeat(257)))).toEqual(['tagValue']);
    expect(limitsOf(tagged('équipe 1/cost=centre+x@y:z_.-', 'Ünïcode 値 ok'))).toEqual([]);
    for (const key of ['aws:team', 'AWS:team', 'Aws:team']) {
      expect(checkTemplateLimits(tagged(key, 'v'))[0]?.message).toMatch(/F\.Tags\[0\] key: the aws: prefix is reserved, in any case/);
    }
    expect(limitsOf(tagged('team*', 'v'))).toEqual(['tagKey']);
    expect(limitsOf(tagged('team', 'a,b'))).toEqual(['tagValue']);
    // Map-shaped tags (some resource types) are checked too.
    expect(limitsOf(template({ T: resource('AWS::SSM::Parameter', { Tags: { 'AWS:x': 'v' } }) }))).toEqual(['tagKey']);
  });

  it('counts dashboard widgets and metrics per widget, reading a Fn::Sub body', () => {
    const dashboard = (widgets: number, metrics: number) => {
      const body = { widgets: Array.from({ length: widgets }, () => ({ type: 'metric', properties: { region: '${AWS::Region}', metrics: Array.from({ length: metrics }, () => ['NS', 'M']) } })) };
      return template({ D: resource('AWS::CloudWatch::Dashboard', { DashboardName: 'ok_name-1', DashboardBody: { 'Fn::Sub': JSON.stringify(body) } }) });
    };
    expect(limitsOf(dashboard(500, 1))).toEqual([]);
    expect(limitsOf(dashboard(501, 1))).toEqual(['dashboardWidgets']);
    expect(limitsOf(dashboard(1, 500))).toEqual([]);
    expect(limitsOf(dashboard(1, 501))).toEqual(['dashboardMetricsPerWidget']);
    expect(limitsOf(template({ D: resource('AWS::CloudWatch::Dashboard', { DashboardName: 'with space', DashboardBody: '{}' }) }))).toEqual(['dashboardName']);
    // A substitution in a number's place still reads as JSON; a body that is not JSON cannot deploy.
    expect(limitsOf(template({ D: resource('AWS::CloudWatch::Dashboard', { DashboardBody: { 'Fn::Sub': '{"widgets": [], "start": ${Start}}' } }) }))).toEqual([]);
    expect(checkTemplateLimits(template({ D: resource('AWS::CloudWatch::Dashboard', { DashboardBody: '{"widgets": [' }) }))[0]?.message).toMatch(/^D\.DashboardBody: not JSON/);
  });

  it('ends on references that loop and on intrinsics nested thousands deep', () => {
    const loop = template({
      A: resource('AWS::SQS::Queue', { QueueName: { 'Fn::GetAtt': ['B', 'QueueName'] } }),
      B: resource('AWS::SQS::Queue', { QueueName: { 'Fn::Sub': '${A.QueueName}' } }),
      Role: resource('AWS::IAM::Role', { Policies: [{ PolicyName: 'p', PolicyDocument: { Resource: { 'Fn::GetAtt': ['A', 'Arn'] } } }] }),
    });
    expect(() => checkTemplateLimits(loop)).not.toThrow();
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i += 1) deep = { a: { 'Fn::If': ['c', deep, 'y'] } };
    expect(() => checkTemplateLimits(template({ Rule: resource('AWS::Events::Rule', { EventPattern: deep }) }))).not.toThrow();
  });

  const known = new Set(Object.keys(AWS_LIMITS));
  const types = fc.constantFrom('AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::Events::Rule', 'AWS::CloudWatch::Dashboard', 'AWS::Lambda::Function', 'AWS::SQS::Queue');
    const property = fc.constantFrom('Policies', 'PolicyDocument', 'Roles', 'EventPattern', 'Targets', 'DashboardBody', 'DashboardName', 'Environment', 'Tags', 'QueueName', 'FunctionName', 'ManagedPolicyArns');
    const hostileIntrinsic = fc.tuple(fc.constantFrom('Ref', 'Fn::Sub', 'Fn::GetAtt', 'Fn::Join', 'Fn::If', 'Fn::Select', 'Fn::ImportValue'), hostileValue).map(([fn, args]) => ({ [fn]: args }));
    const resourceValue = fc.oneof(
      hostileValue,
      fc.record({ Type: types, Properties: fc.dictionary(property, fc.oneof(hostileValue, hostileIntrinsic), { maxKeys: 3 }) }),
    );
  it('never throws on hostile templates, and returns only known limits', async () => {
    await assertProperty(
      fc.asyncProperty(fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('Q', 'Role')), resourceValue, { maxKeys: 4 }), async (resources) => {
        for (const v of checkTemplateLimits(template(resources))) {
          expect(known.has(v.limit)).toBe(true);
          expect(v.message.startsWith(v.where)).toBe(true);
        }
      }),
      Math.min(RUNS, 500),
    );
  });

  it('finds nothing wrong with a tag the configuration accepts (one rule for both)', () => {
    const tagChars = fc.constantFrom(...'aA0 _.:/=+-@é値,*'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(tagChars, { maxLength: 130 }).map((c) => c.join(''))), fc.array(tagChars, { maxLength: 258 }).map((c) => c.join('')), (key, value) => {
        let accepted = true;
        try {
          parsePostProcessingConfig({ pipelines: {}, deploy: { costAllocationTag: { key, value } } });
        } catch {
          accepted = false;
        }
        if (accepted) expect(tagProblems(key, value, 'tag')).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('findLogicalIdCollisions', () => {
  it('names both sources of one logical ID (sales-eu.orders and sales_eu.orders)', () => {
    const strip = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');
    const ids = ['sales-eu.orders', 'sales_eu.orders', 'other.t'].map((s) => [s, `Registrations${strip(s)}`] as const);
    expect(findLogicalIdCollisions(ids).map((v) => v.message)).toEqual([
      'Registrationssaleseuorders: logical ID of both sales-eu.orders and sales_eu.orders (logical IDs are unique in a template)',
    ]);
  });
});

describe('checkStage', () => {
  it('accepts stages up to 256 characters', () => {
    expect(() => checkStage('dev')).not.toThrow();
    expect(() => checkStage('s'.repeat(256))).not.toThrow();
  });

  it('refuses a stage over 256 characters, naming the stage and the tag value limit (defect 4)', () => {
    let error: unknown;
    try {
      checkStage('s'.repeat(257));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LimitError);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/stage "s{40}\.\.\." is 257 characters: at most 256 \(osls tags the stack STAGE=<stage>;/);
  });

  it('refuses an empty stage', () => {
    expect(() => checkStage('')).toThrow(/stage: expected at least 1 character/);
  });

  it('accepts exactly the stages a stack tag value can hold, and names the stage otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.stringMatching(/^[A-Za-z0-9-]{1,300}$/)), (stage) => {
        const fits = stage.length >= 1 && stage.length <= 256 && /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(stage);
        let error: unknown;
        try {
          checkStage(stage);
        } catch (e) {
          error = e;
        }
        expect(error === undefined).toBe(fits);
        if (error !== undefined) {
          expect(error).toBeInstanceOf(ConfigurationError);
          expect((error as Error).message).toMatch(/stage/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
