/**
 * The esbuild plugins that shrink the SDK's sidecar and lighten the handlers' load
 * (infra/esbuild/plugins.js): service error classes from a factory, mnemonist's LRU cache on a Map,
 * no JavaScript copies of node:crypto's hashes, node:crypto required on first use. Each stand-in is checked against what it replaces.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import fc from 'fast-check';
import { bundleHandler } from '../helpers/bundle-handler';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugins = require('../../infra/esbuild/plugins.js') as Plugin[] & {
  compactErrorClasses(text: string): string;
  findCycle(graph: Map<string, string[]>): string[] | undefined;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const LRUCache = require('../../infra/esbuild/lru-cache.js') as new (capacity: number) => Lru;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MnemonistLRUCache = require('mnemonist/lru-cache') as new (capacity: number) => Lru;

interface Lru {
  size: number;
  has(key: string): boolean;
  peek(key: string): unknown;
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  clear(): void;
}

const ROOT = join(__dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'bundle-plugins-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The SDK clients the functions use (package.json). */
const CLIENTS = ['s3', 'glue', 'athena', 'dynamodb', 'sqs', 'sagemaker'];

/** A client's models/errors.js bundled (its base class with it), compacted or not, loaded in this process. */
async function loadErrors(client: string, compact: boolean): Promise<Record<string, unknown>> {
  const file = join(ROOT, 'node_modules', '@aws-sdk', `client-${client}`, 'dist-es', 'models', 'errors.js');
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    plugins: compact ? plugins.filter((p) => p.name === 'sdk-error-classes') : [],
  });
  const code = result.outputFiles[0]?.text ?? '';
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  return module.exports;
}

type ErrorClass = (new (opts: Record<string, unknown>) => Error) & { shapeId?: string };

/** What code can observe of an error the SDK builds from a response: own properties in order, prototype chain, statics. */
function observe(Class: ErrorClass, base: unknown) {
  const fields = Object.fromEntries(['Message', 'Item', 'CancellationReasons', 'ThrottlingReasons', 'throttlingReasons', 'Code'].map((f) => [f, `v-${f}`]));
  const error = new Class({ message: 'it failed', $metadata: { httpStatusCode: 400 }, ...fields });
  const own = Object.entries(Object.getOwnPropertyDescriptors(error))
    .filter(([k]) => k !== 'stack')
    .map(([k, d]) => [k, d.value, d.writable, d.enumerable, d.configurable]);
  return {
    own,
    shapeId: Class.shapeId,
    staticKeys: Object.keys(Class),
    isOwnClass: error instanceof Class && Object.getPrototypeOf(error) === Class.prototype,
    base: Object.getPrototypeOf(Class) === base,
    isError: error instanceof Error,
    retryable: (error as { $retryable?: unknown }).$retryable,
  };
}

describe('compactErrorClasses', () => {
  jest.setTimeout(120_000);

  it.each(CLIENTS)('builds the same error classes as client-%s writes out, in less code', async (client) => {
    const file = join(ROOT, 'node_modules', '@aws-sdk', `client-${client}`, 'dist-es', 'models', 'errors.js');
    const text = readFileSync(file, 'utf8');
    const compacted = plugins.compactErrorClasses(text);
    const count = text.match(/^export class /gm)?.length ?? 0;
    // The factory's own code counts for little once a client has more than a few errors.
    expect(compacted.length).toBeLessThan(text.length * (count > 10 ? 0.5 : 0.8));

    const [original, compact] = await Promise.all([loadErrors(client, false), loadErrors(client, true)]);
    expect(Object.keys(compact).sort()).toEqual(Object.keys(original).sort());
    const classes = Object.keys(original);
    expect(classes.length).toBeGreaterThan(0);
    // Every class of a client extends its service's base class (not exported by errors.js).
    const baseOf = (exports: Record<string, unknown>) => Object.getPrototypeOf(exports[classes[0] ?? '']) as unknown;
    for (const name of classes) {
      const expected = observe(original[name] as ErrorClass, baseOf(original));
      expect([name, observe(compact[name] as ErrorClass, baseOf(compact))]).toEqual([name, expected]);
      // Named after the error (the originals' names are the bundler's: "_AccessDenied").
      expect((compact[name] as ErrorClass).name).toBe(name);
    }
  });

  it('leaves a file alone unless every class has the usual form', () => {
    const usual = [
      'import { XServiceException as __BaseException } from "./XServiceException";',
      'export class A extends __BaseException {',
      '    static shapeId = "ns#A";',
      '    name = "A";',
      '    $fault = "client";',
      '    constructor(opts) {',
      '        super({',
      '            name: "A",',
      '            $fault: "client",',
      '            ...opts,',
      '        });',
      '        Object.setPrototypeOf(this, A.prototype);',
      '    }',
      '}',
      '',
    ].join('\n');
    expect(plugins.compactErrorClasses(usual)).toContain('export const A = /* @__PURE__ */ __error("A", "client");');
    for (const odd of [
      usual.replace('name = "A"', 'name = "B"'),
      usual.replace('    }\n}', '        this.extra = 1;\n    }\n}'),
      usual.replace('$fault: "client"', '$fault: "server"'),
      `${usual}export const other = 1;\n`,
    ]) {
      expect(plugins.compactErrorClasses(odd)).toBe(odd);
    }
  });
});

describe('lru-cache', () => {
  it('answers every sequence of calls as mnemonist does', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const call = fc.oneof(
      fc.tuple(fc.constant('set' as const), key, fc.oneof(fc.integer(), fc.constant(undefined))),
      fc.tuple(fc.constantFrom('get' as const, 'peek' as const, 'has' as const), key),
      fc.tuple(fc.constant('clear' as const)),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(call, { maxLength: 40 }), (capacity, calls) => {
        const [mine, theirs] = [new LRUCache(capacity), new MnemonistLRUCache(capacity)];
        for (const [method, k, value] of calls) {
          const answer = (c: Lru) => (method === 'set' ? (c.set(k, value), undefined) : method === 'clear' ? c.clear() : c[method](k));
          expect([method, k, answer(mine), mine.size]).toEqual([method, k, answer(theirs), theirs.size]);
        }
        for (const k of ['a', 'b', 'c', 'd', 'e']) expect([k, mine.peek(k), mine.has(k)]).toEqual([k, theirs.peek(k), theirs.has(k)]);
      }),
    );
  });

  it('holds `__proto__` and `constructor` as keys like any other (mnemonist answers has("__proto__") with true when empty)', () => {
    const cache = new LRUCache(2);
    expect([cache.has('__proto__'), cache.has('constructor'), cache.get('constructor')]).toEqual([false, false, undefined]);
    cache.set('__proto__', 1);
    cache.set('constructor', 2);
    cache.set('a', 3);
    expect([cache.has('__proto__'), cache.peek('constructor'), cache.get('a'), cache.size]).toEqual([false, 2, 3, 2]);
  });

  it('refuses a capacity that is not a positive number, as mnemonist does', () => {
    for (const capacity of [0, -1, Number.NaN]) {
      expect(() => new LRUCache(capacity)).toThrow(/capacity/);
      expect(() => new MnemonistLRUCache(capacity)).toThrow();
    }
  });
});

describe('no-js-hash-fallbacks', () => {
  const HASHES = [
    ['@smithy/core/dist-es/submodules/checksum/sha256/Sha256Node.js', 'Sha256Node', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['@aws-sdk/checksums/dist-es/submodules/sha/sha1/Sha1Node.js', 'Sha1Node', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['@smithy/core/dist-es/submodules/checksum/md5/Md5Node.js', 'Md5Node', '900150983cd24fb0d6963f7d28e17f72'],
  ] as const;

  it.each(HASHES)('leaves out the JavaScript copy %s falls back on, and hashes with node:crypto', async (file, name, abc) => {
    const bundleOf = async (withPlugin: boolean) => {
      const result = await build({
        entryPoints: [join(ROOT, 'node_modules', file)],
        bundle: true,
        write: false,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        mainFields: ['module', 'main'],
        logLevel: 'silent',
        plugins: withPlugin ? plugins.filter((p) => p.name === 'no-js-hash-fallbacks') : [],
      });
      return result.outputFiles[0]?.text ?? '';
    };
    const [without, withStandIn] = await Promise.all([bundleOf(false), bundleOf(true)]);
    expect(withStandIn.length).toBeLessThan(without.length - 2000);
    expect(withStandIn).toContain('and the SDK\'s JavaScript copy is left out of the bundles');

    const module = { exports: {} as Record<string, new () => { update(data: Uint8Array): void; digest(): Promise<Uint8Array> }> };
    new Function('module', 'exports', 'require', withStandIn)(module, module.exports, require);
    const Hash = module.exports[name];
    if (!Hash) throw new Error(`${file} exports no ${name}`);
    const hash = new Hash();
    hash.update(new TextEncoder().encode('abc'));
    expect(Buffer.from(await hash.digest()).toString('hex')).toBe(abc);
  });
});

describe('lazy-web-checksum-stream', () => {
  it('defines the web ChecksumStream when a web stream is checked, extending ReadableStream as before', async () => {
    const file = join(ROOT, 'node_modules', '@smithy/core/dist-es/submodules/serde/util-stream/checksum/createChecksumStream.browser.js');
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
      plugins: plugins.filter((p) => p.name === 'lazy-web-checksum-stream'),
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/typeof ReadableStream === "function" \? ReadableStream/);
    const module = { exports: {} as Record<string, (init: object) => ReadableStream<Uint8Array>> };
    new Function('module', 'exports', 'require', code)(module, module.exports, require);
    const createChecksumStream = module.exports.createChecksumStream;
    if (!createChecksumStream) throw new Error('no createChecksumStream');

    const source = new Blob(['abc']).stream();
    let seen = '';
    const checksum = { update: (chunk: Uint8Array) => (seen += Buffer.from(chunk).toString()), digest: async () => new Uint8Array([1]) };
    const stream = createChecksumStream({ expectedChecksum: 'AQ==', checksum, source, checksumSourceLocation: 'x-amz-checksum-crc32' });
    expect([stream instanceof ReadableStream, Object.getPrototypeOf(stream).constructor.name]).toEqual([true, 'ChecksumStream']);
    expect(Buffer.from(await new Response(stream).arrayBuffer()).toString()).toBe('abc');
    expect(seen).toBe('abc');
  });
});

describe('findCycle (the split sidecar files, CommonJS, must not require each other in a cycle)', () => {
  it('finds a cycle, and none in a graph that shares a file without one', () => {
    expect(plugins.findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['b']]]))).toEqual(['b', 'c', 'b']);
    expect(plugins.findCycle(new Map([['main', ['chunk']], ['s3', ['chunk', 'small']], ['chunk', ['small']], ['small', []]]))).toBeUndefined();
  });
});

describe('lazy-node-builtins', () => {
  jest.setTimeout(120_000);

  it('keeps node:crypto unloaded while a handler does not use it, and loads it when the Logger samples', async () => {
    await bundleHandler('concat', out);
    const runner = join(out, 'run.js');
    const file = join(out, 'handlers', 'concat.js');
    // A script file, not `node -e` (which loads node:crypto for its globals).
    const script = [
      `const { handler } = require(${JSON.stringify(file)});`,
      'const loaded = () => process.moduleLoadList.includes("NativeModule crypto");',
      'const afterLoad = loaded();',
      'handler({ str1: "a", str2: "b" }, { getRemainingTimeInMillis: () => 60000 })',
      '  .then((r) => process.stderr.write(JSON.stringify({ afterLoad, afterCall: loaded(), r }) + "\\n"));',
    ].join('\n');
    writeFileSync(runner, script);
    const run = async (env: Record<string, string>) => {
      const { stderr } = await promisify(execFile)(process.execPath, [runner], {
        env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', ...env },
        encoding: 'utf8',
      });
      return JSON.parse(stderr.trim().split('\n').pop() ?? '') as unknown;
    };
    expect(await run({})).toEqual({ afterLoad: false, afterCall: false, r: { str3: 'ab' } });
    // With a sample rate the Logger draws at once (its constructor), and the draw loads node:crypto.
    expect(await run({ POWERTOOLS_LOGGER_SAMPLE_RATE: '0.5' })).toEqual({ afterLoad: true, afterCall: true, r: { str3: 'ab' } });
  });

  it('loads an SDK sidecar without node:fs/promises or the web streams', async () => {
    await bundleHandler('sweep-fan-outs', out);
    const runner = join(out, 'load-sidecar.js');
    writeFileSync(
      runner,
      `const { packages } = require(${JSON.stringify(join(out, 'handlers', 'sweep-fan-outs.aws.js'))});\n` +
        'process.stderr.write(JSON.stringify({ clients: Object.keys(packages).length > 0, loaded: process.moduleLoadList.filter((m) => /fs\\/promises|webstreams\\/readablestream/.test(m)) }) + "\\n");',
    );
    const { stderr } = await promisify(execFile)(process.execPath, [runner], { env: { ...process.env, AWS_REGION: 'us-east-1' }, encoding: 'utf8' });
    expect(JSON.parse(stderr.trim().split('\n').pop() ?? '')).toEqual({ clients: true, loaded: [] });
  });
});
