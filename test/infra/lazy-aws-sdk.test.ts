/**
 * The bundles' esbuild plugins (infra/esbuild/plugins.js): the AWS SDK in a sidecar loaded on first use,
 * the SDK schemas' literal keys. Builds with esbuild directly (no sls command: see template.test.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { build } from 'esbuild';
import { listen } from '../../doubles/aws-json-http';
import { FakeS3 } from '../../doubles/fake-s3';
import { s3Listener } from '../../doubles/fake-s3-http';
import { FakeSageMaker } from '../../doubles/fake-sagemaker';
import { serveFakeSageMaker } from '../../doubles/fake-sagemaker-http';
import { bodiesFromDirectories, loadS3Directories, parseS3Directory } from '../../doubles/s3-directories';
import { bundleHandler } from '../helpers/bundle-handler';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugins = require('../../infra/esbuild/plugins.js') as Parameters<typeof build>[0]['plugins'] & {
  literalSchemaKeys(text: string): string;
  sdkImports(text: string, file?: string): Map<string, Set<string>>;
};

const ROOT = join(__dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'lazy-aws-sdk-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const bundle = (handler: string) => bundleHandler(handler, out);

/** Runs `code` in a fresh node process and resolves with what it printed. */
async function node(code: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', code], {
    env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
    encoding: 'utf8',
  });
  return stdout;
}

// The sidecar files a node process has loaded, by kind: main (`.aws.js`), a part (`.aws-s3.js`), shared (`.aws-chunk-*.js`).
const LOADED_SIDECAR_FILES =
  '[...new Set(Object.keys(require.cache).map((f) => /\\.aws(-(\\w+))?(-[\\w-]+)?\\.js$/.exec(f)).filter(Boolean).map((m) => m[2] === "chunk" ? "shared" : m[2] ?? "main"))].sort()';

describe('lazy-aws-sdk', () => {
  jest.setTimeout(120_000);

  it('keeps the SDK out of the handler bundle, and Node does not read it when it loads the handler', async () => {
    const { file, sidecar, metafile } = await bundle('start-child-pipelines');
    const handlerInputs = Object.keys(metafile.outputs[Object.keys(metafile.outputs).find((o) => o.endsWith('start-child-pipelines.js')) ?? '']?.inputs ?? {});
    expect(handlerInputs.filter((i) => i.includes('node_modules/@aws-sdk/') || i.includes('node_modules/@smithy/'))).toEqual([]);
    expect(readFileSync(sidecar.replace(/\.aws\.js$/, '.aws-sagemaker.js'), 'utf8')).toContain('SageMakerClient');

    const loaded = await node(`require(${JSON.stringify(file)}); console.log(JSON.stringify(Object.keys(require.cache)))`);
    expect(JSON.parse(loaded)).toEqual([file]);
  });

  it('loads the SDK on the first call, which then works as before', async () => {
    const { file } = await bundle('start-child-pipelines');
    const fake = new FakeSageMaker();
    fake.addPipeline('child', ['ProcessingDate']);
    const server = await serveFakeSageMaker(fake);
    try {
      const event = { pipelines: 'child', items: ['2024-01-01', '2024-01-02'], itemParameter: 'ProcessingDate', runId: 'lazy-sdk-test' };
      const output = await node(
        `require(${JSON.stringify(file)}).handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 60000 })` +
          `.then((r) => console.log(JSON.stringify({ startedCount: r.startedCount, sidecar: ${LOADED_SIDECAR_FILES} })))`,
        { AWS_ENDPOINT_URL_SAGEMAKER: server.endpoint, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      );
      // Inline items read nothing from S3: the S3 client's part stays unloaded.
      expect(JSON.parse(output)).toEqual({ startedCount: 2, sidecar: ['main', 'sagemaker', 'shared'] });
    } finally {
      await server.close();
    }
  });

  it('loads the S3 part of the SDK only when a path reads S3, and it works', async () => {
    const { file } = await bundle('start-child-pipelines');
    const fake = new FakeSageMaker();
    fake.addPipeline('child-pipeline-1', ['ProcessingDate', 'Region']);
    const sageMaker = await serveFakeSageMaker(fake);
    const mappings = [parseS3Directory(`s3://example-manifests/fan-out/=${join(ROOT, 'events', 'manifests')}`)];
    const s3 = new FakeS3();
    loadS3Directories(s3, mappings);
    const s3Server = await listen(s3Listener(s3, bodiesFromDirectories(mappings)));
    try {
      const event = JSON.parse(readFileSync(join(ROOT, 'events', 'start-child-pipelines-manifest.json'), 'utf8')) as Record<string, unknown>;
      const output = await node(
        `require(${JSON.stringify(file)}).handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 60000 })` +
          `.then((r) => console.log(JSON.stringify({ started: r.startedCount > 0, sidecar: ${LOADED_SIDECAR_FILES} })))`,
        { AWS_ENDPOINT_URL_SAGEMAKER: sageMaker.endpoint, AWS_ENDPOINT_URL_S3: s3Server.endpoint, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      );
      expect(JSON.parse(output)).toEqual({ started: true, sidecar: ['main', 's3', 'sagemaker', 'shared'] });
    } finally {
      await Promise.all([sageMaker.close(), s3Server.close()]);
    }
  });

  it('gives a function that calls no AWS API no sidecar', async () => {
    const { sidecar } = await bundle('concat');
    expect(existsSync(sidecar)).toBe(false);
  });
});

describe('sdkImports', () => {
  it('lists the values a file imports from the SDK, without its types', () => {
    const text = "import { A, type B, C as D } from '@aws-sdk/client-x';\nimport type { E } from '@aws-sdk/client-y';\nimport { F } from './local';";
    expect(plugins.sdkImports(text)).toEqual(new Map([['@aws-sdk/client-x', new Set(['A', 'C'])]]));
  });

  it('refuses a namespace import or a re-export of the SDK, whose names it could not see', () => {
    expect(() => plugins.sdkImports("import * as s3 from '@aws-sdk/client-s3';", 'x.ts')).toThrow(/x\.ts: import the AWS SDK by name/);
    expect(() => plugins.sdkImports("export { S3Client } from '@aws-sdk/client-s3';", 'y.ts')).toThrow(/y\.ts: import from '@aws-sdk\/client-s3'/);
  });
});

describe('literalSchemaKeys', () => {
  it('writes the string of a constant computed key in its place, and leaves other keys', () => {
    const text = 'const _h = "http";\nconst _q = "a\\"b";\nexport var X$ = [9, { [_h]: 1, [_q]: 2, [other]: 3 }];';
    expect(plugins.literalSchemaKeys(text)).toBe('const _h = "http";\nconst _q = "a\\"b";\nexport var X$ = [9, { "http": 1, "a\\"b": 2, [other]: 3 }];');
  });

  it('leaves no constant computed key in the schemas of the clients the functions use', () => {
    for (const client of ['s3', 'glue', 'athena', 'dynamodb', 'sqs', 'sagemaker']) {
      const file = join(ROOT, 'node_modules', '@aws-sdk', `client-${client}`, 'dist-es', 'schemas', 'schemas_0.js');
      const text = readFileSync(file, 'utf8');
      const constants = new Set([...text.matchAll(/^const (_\w+) = "/gm)].map((m) => m[1]));
      const computed = (t: string) => [...t.matchAll(/\[(_\w+)\]:/g)].filter((m) => constants.has(m[1])).length;
      expect([client, computed(text) > 0, computed(plugins.literalSchemaKeys(text))]).toEqual([client, true, 0]);
    }
  });
});
