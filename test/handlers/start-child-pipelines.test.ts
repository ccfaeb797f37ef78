import type { Context } from 'aws-lambda';
import { handler } from '../../handlers/start-child-pipelines';
import startEvent from '../../events/start-child-pipelines.json';
import objectsEvent from '../../events/start-child-pipelines-objects.json';
import manifestEvent from '../../events/start-child-pipelines-manifest.json';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeS3Objects } from '../../doubles/fake-s3-objects';
import { FakeSageMaker, mockSageMaker, type SageMakerMock } from '../../doubles/fake-sagemaker';

const context = { getRemainingTimeInMillis: () => 300_000, awsRequestId: 'req-1', functionName: 'startChildPipelines' } as unknown as Context;

describe('startChildPipelines handler', () => {
  let fake: FakeSageMaker;
  let mock: SageMakerMock;
  beforeEach(() => {
    fake = new FakeSageMaker();
    fake.addPipeline('child-pipeline-1', ['ProcessingDate']);
    fake.addPipeline('child-pipeline-2', ['ProcessingDate']);
    fake.addPipeline('train-region', ['Region', 'Epochs']);
    mock = mockSageMaker(fake);
  });
  afterEach(() => mock.restore());

  it('starts the children of the sample event and returns flat outputs', async () => {
    const out = await handler(startEvent, context);
    expect(out).toMatchObject({ startedCount: 6, alreadyStartedCount: 0, total: 6, executionArnsTruncated: false });
    const names = [...fake.executions.values()].map((e) => e.displayName).sort();
    expect(names).toEqual([
      'child-pipeline-1-item-1',
      'child-pipeline-1-item-2',
      'child-pipeline-1-item-3',
      'child-pipeline-2-item-1',
      'child-pipeline-2-item-2',
      'child-pipeline-2-item-3',
    ]);
  });

  it('passes object items as parameters, stringified', async () => {
    await handler(objectsEvent, context);
    const first = [...fake.executions.values()][0];
    expect(first?.displayName).toBe('nightly-item-1');
    expect(first?.parameters).toEqual([
      { Name: 'Region', Value: 'eu-west-1' },
      { Name: 'Epochs', Value: '10' },
    ]);
  });

  it('passes the numbers of inline items as written, given as JSON text', async () => {
    const items = '[{"Region": "eu", "Epochs": 12345678901234567890}, {"Region": [1.10, -0, 1e400], "Epochs": 1.10}, {"Region": "us", "Epochs": -0}]';
    await handler({ ...objectsEvent, items }, context);
    expect([...fake.executions.values()].map((e) => e.parameters.map((p) => p.Value))).toEqual([
      ['eu', '12345678901234567890'],
      ['[1.10,-0,1e400]', '1.10'],
      ['us', '-0'],
    ]);
  });

  it('refuses a key given twice in inline items, and a number the event already changed, naming the item', async () => {
    await expect(handler({ ...objectsEvent, items: '[{"Region": "eu", "Region": "us"}]' }, context)).rejects.toThrow(
      'Invalid input: items[0]: key "Region" given twice',
    );
    // A list in the event was read by Lambda's JSON.parse: 12345678901234567890 arrived as 12345678901234567000.
    await expect(handler({ ...objectsEvent, items: [{ Region: 'eu', Epochs: 12345678901234567000 }] }, context)).rejects.toThrow(
      /^items\[0\]\.Epochs: 12345678901234567000 may not be the number written/,
    );
    await expect(handler({ ...objectsEvent, items: [{ Region: [1, 2 ** 53] }] }, context)).rejects.toThrow(/^items\[0\]\.Region\[1\]: 9007199254740992 may not/);
    expect(fake.startCalls).toBe(0);
  });

  it('refuses a pipeline ARN as parentExecutionArn (every run of the parent would share the tokens), saying so', async () => {
    const { runId: _runId, ...inputs } = objectsEvent;
    await expect(handler({ ...inputs, parentExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/parent-pipeline' }, context)).rejects.toThrow(
      /^Invalid input: parentExecutionArn: a pipeline ARN, not a pipeline execution ARN/,
    );
    expect(fake.startCalls).toBe(0);
  });

  it('refuses unknown inputs with a message naming the field', async () => {
    await expect(handler({ ...startEvent, item: 'x' }, context)).rejects.toThrow(/item: unexpected field/);
    expect(fake.startCalls).toBe(0);
  });

  describe('with a manifest (itemsS3Uri)', () => {
    const s3Mock = mockClient(S3Client);
    let s3: FakeS3Objects;
    const manifest = (file: string) => readFileSync(join(__dirname, '..', '..', 'events', 'manifests', file), 'utf8');
    beforeEach(() => {
      s3Mock.reset();
      s3 = new FakeS3Objects().attach(s3Mock);
      fake.addPipeline('child-pipeline-1', ['ProcessingDate', 'Region']);
      for (const file of ['dates.csv', 'dates.jsonl', 'dates.json']) s3.put('example-manifests', `fan-out/${file}`, manifest(file));
    });
    afterAll(() => s3Mock.restore());

    it('passes the numbers of every JSON manifest as written', async () => {
      s3.put('example-manifests', 'n.jsonl', '{"ProcessingDate": 12345678901234567890, "Region": [1e400]}\n{"ProcessingDate": 1.10, "Region": -0}\n');
      s3.put('example-manifests', 'n.json', '[{"ProcessingDate": 12345678901234567890, "Region": [1e400]},\n {"ProcessingDate": 1.10, "Region": -0}]');
      for (const file of ['n.jsonl', 'n.json']) {
        const before = fake.executions.size;
        await handler({ ...manifestEvent, itemsS3Uri: `s3://example-manifests/${file}`, parentExecutionArn: `${manifestEvent.parentExecutionArn}-${file}` }, context);
        expect([...fake.executions.values()].slice(before).map((e) => e.parameters.map((p) => p.Value))).toEqual([
          ['12345678901234567890', '[1e400]'],
          ['1.10', '-0'],
        ]);
      }
    });

    it('refuses, before any start, a key given twice, __proto__ and nesting deeper than 32, naming the line', async () => {
      s3.put('example-manifests', 'twice.jsonl', '{"Region": "eu"}\n{"Region": "eu", "Region": "us"}\n');
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/twice.jsonl' }, context)).rejects.toThrow(
        'itemsS3Uri: line 2: key "Region" given twice (line 2, column 18)',
      );
      s3.put('example-manifests', 'twice.json', '[{"Region": "eu"},\n {"Region": "eu", "Region": "us"}]');
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/twice.json' }, context)).rejects.toThrow(
        'itemsS3Uri: item 2: key "Region" given twice (line 2, column 19)',
      );
      // An 8 KB line: 5,000 levels overflowed JSON.parse's callers' stack before.
      s3.put('example-manifests', 'deep.jsonl', `{"Region": "eu"}\n{"Config":${'['.repeat(5000)}${']'.repeat(5000)}}\n`);
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/deep.jsonl' }, context)).rejects.toThrow(
        /^itemsS3Uri: line 2\.Config(\[0\]){30}: nested deeper than 32 levels \(line 2, column 41\)$/,
      );
      // As deep as inline items may be, and no deeper: the same item inline is refused at the same place.
      const item = `{"Region":${'['.repeat(31)}${']'.repeat(31)}}`;
      s3.put('example-manifests', 'deep.json', `[${item}]`);
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/deep.json' }, context)).rejects.toThrow(/^itemsS3Uri: item 1\.Region(\[0\]){30}: nested deeper than 32 levels/);
      await expect(handler({ ...objectsEvent, items: `[${item}]` }, context)).rejects.toThrow(/^Invalid input: items\[0\]\.Region(\[0\]){30}: nested deeper than 32 levels/);
      s3.put('example-manifests', 'proto.json', '[{"Region": "eu", "x": {"__proto__": 1}}]');
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/proto.json' }, context)).rejects.toThrow(
        'itemsS3Uri: item 1.x.__proto__: refused key (JavaScript objects cannot hold "__proto__" as data) (line 1, column 25)',
      );
      expect(fake.startCalls).toBe(0);
    });

    it('names the line and column of a JSON manifest that is not JSON: trailing comma, NaN, empty file', async () => {
      const cases: [string, string][] = [
        ['[{"Region": "eu"},\n]', 'line 2, column 1: not JSON: a comma before ] (trailing commas are not JSON)'],
        ['[{"Region": "eu"},\n {"Region": NaN}]', 'line 2, column 13: not JSON: NaN is not a JSON number (write it as a string)'],
        ['  \n', 'line 2, column 1: not JSON: no JSON value (the text is empty)'],
      ];
      for (const [text, error] of cases) {
        s3.put('example-manifests', 'bad.json', text);
        await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/bad.json' }, context)).rejects.toThrow(`itemsS3Uri: ${error}`);
      }
    });

    it('refuses a CSV column the pipeline does not declare even when every value in it is empty', async () => {
      s3.put('example-manifests', 'empty-column.csv', 'ProcessingDate,Region,Regoin\n2024-01-01,eu,\n2024-01-02,us,\n');
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/empty-column.csv' }, context)).rejects.toThrow(
        'itemsS3Uri: column "Regoin": pipeline child-pipeline-1 has no such parameter (declared: ProcessingDate, Region)',
      );
      expect(fake.startCalls).toBe(0);
    });

    it('checks pipelines before it reads the manifest: a bad one costs no GetObject', async () => {
      const uri = 's3://example-manifests/fan-out/dates.csv';
      await expect(handler({ ...manifestEvent, pipelines: ['child-pipeline-1', 'bad name!'], itemsS3Uri: uri }, context)).rejects.toThrow(
        /^pipelines\[1\]: "bad name!" is neither a pipeline name nor a pipeline ARN/,
      );
      await expect(handler({ ...manifestEvent, pipelines: ['child-pipeline-1', 'Child-Pipeline-1'], itemsS3Uri: uri }, context)).rejects.toThrow(
        /^pipelines\[1\]: Child-Pipeline-1 is listed twice/,
      );
      await expect(handler({ ...manifestEvent, pipelines: ['no-such-pipeline'], itemsS3Uri: 's3://example-manifests/none.csv' }, context)).rejects.toThrow(
        /no-such-pipeline/,
      );
      expect(s3.gets).toEqual([]);
    });

    it.each(['dates.jsonl', 'dates.csv', 'dates.json'])('starts one child per item of the sample manifest %s', async (file) => {
      const out = await handler({ ...manifestEvent, itemsS3Uri: `s3://example-manifests/fan-out/${file}` }, context);
      expect(out).toMatchObject({ startedCount: 2, total: 2 });
      expect([...fake.executions.values()].map((e) => e.parameters)).toEqual([
        [{ Name: 'ProcessingDate', Value: '2024-01-01' }, { Name: 'Region', Value: 'eu-west-1' }],
        [{ Name: 'ProcessingDate', Value: '2024-01-02' }, { Name: 'Region', Value: 'us-east-1' }],
      ]);
      expect(s3.gets).toEqual([`s3://example-manifests/fan-out/${file}`]);
    });

    it('passes the scalar items of a JSON Lines manifest as itemParameter', async () => {
      s3.put('example-manifests', 'dates.jsonl', '"2024-01-01"\n"2024-01-02"\n');
      const out = await handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/dates.jsonl', itemParameter: 'ProcessingDate' }, context);
      expect(out).toMatchObject({ startedCount: 2 });
      expect([...fake.executions.values()].map((e) => e.parameters)).toEqual([
        [{ Name: 'ProcessingDate', Value: '2024-01-01' }],
        [{ Name: 'ProcessingDate', Value: '2024-01-02' }],
      ]);
    });

    it('refuses an itemParameter that no item of the manifest would use, before any start', async () => {
      for (const file of ['dates.csv', 'dates.jsonl']) {
        await expect(
          handler({ ...manifestEvent, itemsS3Uri: `s3://example-manifests/fan-out/${file}`, itemParameter: 'ProcessingDate' }, context),
        ).rejects.toThrow(/^itemParameter: not used: every item of the manifest is an object/);
      }
      expect(fake.startCalls).toBe(0);
    });

    it('refuses, before any start, a CSV column the child pipeline does not declare, naming it', async () => {
      s3.put('example-manifests', 'bad.csv', 'ProcessingDate,Regoin\n2024-01-01,eu\n');
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/bad.csv' }, context)).rejects.toThrow(
        'itemsS3Uri: column "Regoin": pipeline child-pipeline-1 has no such parameter (declared: ProcessingDate, Region)',
      );
      expect(fake.startCalls).toBe(0);
    });

    it('refuses, before any start, a JSON Lines key the pipeline does not declare, a malformed line, and more than 1000 children', async () => {
      s3.put('example-manifests', 'bad-key.jsonl', '{"ProcessingDate": "a"}\n{"Shard": 1}\n');
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/bad-key.jsonl' }, context)).rejects.toThrow(
        /^itemsS3Uri: line 2.Shard: pipeline child-pipeline-1 has no parameter "Shard"/,
      );
      s3.put('example-manifests', 'bad-line.jsonl', '{"ProcessingDate": "a"}\n{"ProcessingDate": \n');
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/bad-line.jsonl' }, context)).rejects.toThrow(
        'itemsS3Uri: line 2, column 20: not JSON: the text ends where a value was expected',
      );
      s3.put('example-manifests', 'many.csv', `ProcessingDate\n${Array.from({ length: 1001 }, (_, i) => `d${i}`).join('\n')}\n`);
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/many.csv' }, context)).rejects.toThrow(
        "itemsS3Uri: line 1002: more than 1000 items (the fan-out's limit: what one LambdaStep invocation can start; the CallbackStep form (fanOutCallback) takes up to 10000)",
      );
      s3.put('example-manifests', 'long.jsonl', `{"ProcessingDate": "a"}\n\n{"ProcessingDate": "${'x'.repeat(1025)}"}\n`);
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/long.jsonl' }, context)).rejects.toThrow(
        'itemsS3Uri: line 3.ProcessingDate: value is 1025 characters (at most 1024)',
      );
      await expect(handler({ ...manifestEvent, itemsS3Uri: 's3://example-manifests/none.csv' }, context)).rejects.toThrow(
        'itemsS3Uri: s3://example-manifests/none.csv cannot be read (NoSuchKey)',
      );
      expect(fake.startCalls).toBe(0);
    });
  });
});
