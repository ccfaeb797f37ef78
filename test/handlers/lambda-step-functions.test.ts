import { handler as concat } from '../../handlers/concat';
import { handler as exampleOutputs } from '../../handlers/example-outputs';
import { handler as joinStrings } from '../../handlers/join-strings';
import { handler as versionedName } from '../../handlers/versioned-name';
import { InvalidInputError } from '../../lib/core/errors';
import { sampleEvent, sampleEventFiles } from '../helpers/events';
import { lambdaContext } from '../helpers/lambda-context';

const ctx = lambdaContext();

describe('concat handler', () => {
  it('concatenates the sample event into "Hello World"', async () => {
    await expect(concat(sampleEvent('concat.json'), ctx)).resolves.toEqual({ str3: 'Hello World' });
  });

  it('accepts the execution ARN beside its inputs', async () => {
    await expect(concat(sampleEvent('concat-with-execution-arn.json'), ctx)).resolves.toEqual({
      str3: 's3://my-bucket/runs/p4jn9xou8a8s',
    });
  });

  it('names the missing input', async () => {
    await expect(concat({ str1: 'a' }, ctx)).rejects.toThrow(new InvalidInputError('Invalid input: str2: required (expected a string)'));
  });

  it('names a misspelt input rather than ignoring it', async () => {
    await expect(concat({ str1: 'a', str_2: 'b' }, ctx)).rejects.toThrow(/str2: required.*str_2: unexpected field/);
  });
});

describe('joinStrings handler', () => {
  it('builds an S3 URI from the sample event', async () => {
    await expect(joinStrings(sampleEvent('join-strings.json'), ctx)).resolves.toEqual({ joined: 's3://my-bucket/training/exec-1' });
  });

  it('takes values as a JSON-list string with numbers', async () => {
    await expect(joinStrings(sampleEvent('join-strings-json-string.json'), ctx)).resolves.toEqual({ joined: 'model-3-2.5' });
  });

  it('refuses an empty list and values that are neither strings nor numbers', async () => {
    await expect(joinStrings({ on: '/', values: '[]' }, ctx)).rejects.toThrow('values: expected at least one value');
    await expect(joinStrings({ on: '/', values: [{ a: 1 }] }, ctx)).rejects.toThrow('values[0]: expected a string or a number');
  });

  it('refuses, naming values, a join too long for an output before building it', async () => {
    const error = await joinStrings({ on: 'x'.repeat(1 << 20), values: Array.from({ length: 1000 }, () => 'a') }, ctx).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/^Invalid input: values: joined on "on" they make \d+ characters \(an output holds at most 1024\)$/);
  });

  it('refuses values that are not a JSON list', async () => {
    await expect(joinStrings({ on: '/', values: 'a,b' }, ctx)).rejects.toThrow(/values: expected JSON/);
  });
});

describe('versionedName handler', () => {
  it('stamps the prefix with the given time in UTC', async () => {
    await expect(versionedName(sampleEvent('versioned-name.json'), ctx)).resolves.toEqual({ name: 'my-pipeline-2021-12-15-09-30-05' });
  });

  it('normalises on request and converts offsets to UTC', async () => {
    await expect(versionedName(sampleEvent('versioned-name-normalize.json'), ctx)).resolves.toEqual({
      name: 'pipeline-2023-daily-2023-05-31-15-00-00',
    });
  });

  it('reads a time without an offset as UTC', async () => {
    await expect(versionedName({ prefix: 'p', at: '2024-01-05T03:04:05' }, ctx)).resolves.toEqual({ name: 'p-2024-01-05-03-04-05' });
  });

  it('defaults to now', async () => {
    const { name } = (await versionedName({ prefix: 'p' }, ctx)) as { name: string };
    const stamp = name.slice(2).split('-').map(Number) as [number, number, number, number, number, number];
    const built = Date.UTC(stamp[0], stamp[1] - 1, stamp[2], stamp[3], stamp[4], stamp[5]);
    expect(Math.abs(Date.now() - built)).toBeLessThan(5_000);
  });

  it('names a bad time and a bad prefix', async () => {
    await expect(versionedName({ prefix: 'p', at: 'yesterday' }, ctx)).rejects.toThrow(/at: expected an ISO 8601 time/);
    await expect(versionedName({ prefix: 'my_pipeline' }, ctx)).rejects.toThrow(/prefix: may hold only letters/);
  });
});

describe('exampleOutputs handler', () => {
  it('returns one output of each type and the records as a JSON string', async () => {
    const outputs = await exampleOutputs(sampleEvent('example-outputs.json'), ctx);
    expect(outputs).toEqual({
      output1: 'sales-2021-12-15-processed',
      output2: 3,
      output3: true,
      output4: 0.333333,
      records: expect.any(String),
    });
    expect(JSON.parse(outputs.records as string)).toEqual([
      { shard: 1, name: 'sales-2021-12-15-shard-1', fraction: 0.333333 },
      { shard: 2, name: 'sales-2021-12-15-shard-2', fraction: 0.333333 },
      { shard: 3, name: 'sales-2021-12-15-shard-3', fraction: 0.333333 },
    ]);
  });

  it('gives Boolean false and Float 0 for zero shards', async () => {
    await expect(exampleOutputs({ arg1: 'd', arg2: 0 }, ctx)).resolves.toMatchObject({ output3: false, output4: 0, records: '[]' });
  });

  it('fits 16 shards of a short name within the 1024-character output limit', async () => {
    const outputs = await exampleOutputs({ arg1: 'sales', arg2: 16 }, ctx);
    expect(JSON.parse(outputs.records as string)).toHaveLength(16);
  });

  it('fails naming the records output when they do not fit, rather than cutting them', async () => {
    await expect(exampleOutputs({ arg1: 'a-forty-character-dataset-name-000000000', arg2: 16 }, ctx)).rejects.toThrow(
      /^output "records" is \d+ characters \(at most 1024\): write large data to S3/,
    );
  });

  it('refuses more than 16 shards', async () => {
    await expect(exampleOutputs({ arg1: 'a', arg2: '17' }, ctx)).rejects.toThrow('arg2: expected an integer <= 16 (got 17)');
  });
});

describe('sample events', () => {
  const handlers = { concat, 'join-strings': joinStrings, 'versioned-name': versionedName, 'example-outputs': exampleOutputs };

  it.each(Object.entries(handlers))('every %s sample event is valid input', async (prefix, handler) => {
    const files = sampleEventFiles(prefix);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) await expect(handler(sampleEvent(file), ctx)).resolves.toBeDefined();
  });
});
