// esbuild plugins for the Lambda bundles (serverless.yml: custom.esbuild.plugins).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

/**
 * On Lambda the SDK's default credential chain always ends at the environment variables the
 * runtime sets (and `sls invoke local` puts the resolved profile's credentials there too). The
 * chain's other providers (SSO, INI files, STS web identity, login, process, HTTP) bring their own
 * STS/SSO clients: about 80 KB per bundle that can never run. lib/core/aws-clients.ts gives every
 * client its environment provider (credentialDefaultProvider), so the chain the SDK would fall back
 * to is replaced by one that says so.
 */
const envCredentialsOnly = {
  name: 'env-credentials-only',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: 'credential-provider-node', namespace: 'no-default-chain' }));
    build.onLoad({ filter: /.*/, namespace: 'no-default-chain' }, () => ({
      contents:
        'export const defaultProvider = () => async () => { throw new Error("credentials: lib/core/aws-clients.ts gives every client credentialDefaultProvider"); };',
      loader: 'js',
    }));
  },
};

/**
 * The SDK's schema modules key their objects with constants (`{ [_hC]: "-" }`): esbuild must assume a
 * computed key has side effects, so it keeps every operation's schema of the service, used or not (the
 * S3 client's 67 KB in a bundle that only reads objects). Writing the constant's string in its place
 * (`{ "httpChecksum": "-" }`) is the same object and lets esbuild drop the schemas nothing uses.
 */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/;
function literalSchemaKeys(text) {
  const constants = new Map();
  for (const m of text.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(m[1], m[2]);
  return text.replace(/\[(_\w+)\]:/g, (computed, name) => (constants.has(name) ? `${constants.get(name)}:` : computed));
}
const sdkSchemaKeys = {
  name: 'sdk-schema-literal-keys',
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({ contents: literalSchemaKeys(await fs.promises.readFile(args.path, 'utf8')), loader: 'js' }));
  },
};

/** A client reads only `version` from its package.json (the user agent): the rest is 2 KB per client. */
const sdkPackageVersion = {
  name: 'sdk-package-version',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]package\.json$/ }, async (args) => {
      const { name, version } = JSON.parse(await fs.promises.readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/**
 * Event streams (S3 SelectObjectContent, Bedrock's streaming APIs...): no operation this project calls
 * has one, yet every client bundles their codec (15 KB: @smithy/core loads it for an operation that
 * needs it, the S3 client builds its marshaller). A stand-in keeps the client's configuration
 * working and throws, naming this file, if an event stream is ever read or written.
 */
const noEventStreams = {
  name: 'no-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, () => ({ path: 'event-streams', namespace: 'no-event-streams' }));
    build.onLoad({ filter: /.*/, namespace: 'no-event-streams' }, () => ({
      contents: [
        'const unsupported = () => { throw new Error("AWS SDK event streams are left out of the bundles (infra/esbuild/plugins.js, no-event-streams)"); };',
        'export const eventStreamSerdeProvider = () => ({ serialize: unsupported, deserialize: unsupported });',
        'export const resolveEventStreamSerdeConfig = (input) => Object.assign(input, { eventStreamMarshaller: eventStreamSerdeProvider(input) });',
        'export class EventStreamSerde { constructor() { unsupported(); } }',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * A client's service errors: one class per error of the service (35 for DynamoDB), each written out
 * in full (10 KB minified for DynamoDB, 6 KB for SQS). Every class is the same code but for its name,
 * fault and fields, so a factory builds them: the same classes (static shapeId if any, own name, $fault,
 * $retryable, the fields in their order, the prototype, and now their own names too). A file that is
 * not exactly the SDK's usual form is left as it is (test/infra/lazy-aws-sdk.test.ts checks the clients
 * used here are compacted).
 */
const ERRORS_MODULE = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]models[\\/]errors\.js$/;
const ERROR_CLASS = new RegExp(
  [
    'export class (\\w+) extends __BaseException \\{',
    '(?:    static shapeId = "([^"#]+#)(\\w+)";\\n)?    name = "(\\w+)";',
    '    \\$fault = "(client|server)";',
    '((?:    \\$retryable = \\{\\};\\n)?)((?:    \\w+;\\n)*)    constructor\\(opts\\) \\{',
    '        super\\(\\{',
    '            name: "(\\w+)",',
    '            \\$fault: "(client|server)",',
    '            \\.\\.\\.opts,',
    '        \\}\\);',
    '        Object\\.setPrototypeOf\\(this, (\\w+)\\.prototype\\);',
    '((?:        this\\.\\w+ = opts\\.\\w+;\\n)*)    \\}',
    '\\}\\n',
  ].join('\\n'),
  'y',
);
function compactErrorClasses(text) {
  const header = /^import \{ \w+ as __BaseException \} from "\.\/\w+";\n/.exec(text);
  if (!header) return text;
  const classes = [];
  let namespace;
  ERROR_CLASS.lastIndex = header[0].length;
  for (let m = ERROR_CLASS.exec(text); m; m = ERROR_CLASS.exec(text)) {
    const [, name, ns, shapeName, ownName, fault, retryable, declared, superName, superFault, protoOf, assigned] = m;
    const fields = [...declared.matchAll(/(\w+);/g)].map((f) => f[1]);
    const assignments = [...assigned.matchAll(/this\.(\w+) = opts\.(\w+);/g)];
    const regular =
      [shapeName ?? name, ownName, superName, protoOf].every((n) => n === name) &&
      superFault === fault &&
      (classes.length === 0 || namespace === ns) &&
      assignments.length === fields.length &&
      assignments.every(([, to, from], i) => to === fields[i] && from === fields[i]);
    if (!regular) return text;
    namespace = ns;
    classes.push({ name, fault, retryable: retryable !== '', fields });
    if (ERROR_CLASS.lastIndex === text.length) break;
  }
  if (classes.length === 0 || ERROR_CLASS.lastIndex !== text.length) return text;
  return [
    header[0].trimEnd(),
    'const __own = (o, k, value) => Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });',
    'const __error = (name, $fault, retryable, fields = []) => {',
    '  const E = class extends __BaseException {',
    ...(namespace === undefined ? [] : [`    static shapeId = ${JSON.stringify(namespace)} + name;`]),
    '    constructor(opts) {',
    '      super({ name, $fault, ...opts });',
    '      __own(this, "name", name);',
    '      __own(this, "$fault", $fault);',
    '      if (retryable) __own(this, "$retryable", {});',
    '      for (const f of fields) __own(this, f, undefined);',
    '      Object.setPrototypeOf(this, E.prototype);',
    '      for (const f of fields) this[f] = opts[f];',
    '    }',
    '  };',
    '  return Object.defineProperty(E, "name", { value: name });',
    '};',
    ...classes.map(
      (c) =>
        `export const ${c.name} = /* @__PURE__ */ __error(${[JSON.stringify(c.name), JSON.stringify(c.fault), ...(c.retryable || c.fields.length > 0 ? [String(c.retryable)] : []), ...(c.fields.length > 0 ? [JSON.stringify(c.fields)] : [])].join(', ')});`,
    ),
    '',
  ].join('\n');
}
const sdkErrorClasses = {
  name: 'sdk-error-classes',
  setup(build) {
    build.onLoad({ filter: ERRORS_MODULE }, async (args) => ({ contents: compactErrorClasses(await fs.promises.readFile(args.path, 'utf8')), loader: 'js' }));
  },
};

/**
 * The SDK's hashes are node:crypto's; each keeps a JavaScript copy (SHA-256, SHA-1, MD5: 7.6 KB) for a
 * Node built without them (FIPS mode refuses MD5 and SHA-1), which Lambda's is not. A stand-in takes
 * the copy's place and says so if it is ever built.
 */
const JS_HASH_FALLBACK = /^\.\/(Sha256Js|Sha1Js|Md5Js)$/;
const noJsHashFallbacks = {
  name: 'no-js-hash-fallbacks',
  setup(build) {
    build.onResolve({ filter: JS_HASH_FALLBACK }, (args) =>
      /[\\/](Sha256Node|Sha1Node|Md5Node)\.js$/.test(args.importer) ? { path: JS_HASH_FALLBACK.exec(args.path)[1], namespace: 'no-js-hash' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-js-hash' }, (args) => ({
      contents: `export class ${args.path} { constructor() { throw new Error("this Node has no native ${args.path.replace(/Js$/, '')} (node:crypto) and the SDK's JavaScript copy is left out of the bundles (infra/esbuild/plugins.js)"); } }`,
      loader: 'js',
    }));
  },
};

/** mnemonist's LRU cache, for @aws-sdk/endpoint-cache: a Map does it in 1 KB (infra/esbuild/lru-cache.js). */
const lruCache = {
  name: 'lru-cache',
  setup(build) {
    build.onResolve({ filter: /^mnemonist\/lru-cache$/ }, () => ({ path: path.join(__dirname, 'lru-cache.js') }));
  },
};

/**
 * Node built-ins that cost time to load and that a bundle needs only on some paths. Each of the module's
 * functions is a wrapper that requires it on first call (an ES module, so esbuild keeps only the
 * wrappers used); a class or constant imported from it fails the build. In the handlers' bundles:
 * node:crypto (~2 ms at cold start, with the streams and ciphers it loads), which Powertools' Logger
 * imports for its log sampling alone and the fan-out for its tokens. In the SDK's sidecar:
 * node:fs/promises (~1 ms), which only reads ~/.aws/config when the environment gives no region (Lambda
 * always does).
 */
function lazyNodeBuiltins(modules) {
  const namespace = `lazy-node-builtin-${modules.join('-').replace(/\W/g, '-')}`;
  return {
    name: 'lazy-node-builtins',
    setup(build) {
      const filter = new RegExp(`^(node:)?(${modules.join('|')})$`);
      build.onResolve({ filter }, (args) =>
        args.namespace === namespace
          ? { path: `node:${args.path.replace(/^node:/, '')}`, external: true }
          : { path: args.path.replace(/^node:/, ''), namespace, sideEffects: false },
      );
      build.onLoad({ filter: /.*/, namespace }, (args) => {
        const mod = require(`node:${args.path}`);
        // Functions only, read from their descriptors (a deprecated getter would warn).
        const functions = Object.keys(mod).filter((n) => /^[a-z]\w*$/.test(n) && typeof Object.getOwnPropertyDescriptor(mod, n)?.value === 'function');
        return {
          contents: [
            'let m;',
            `const load = () => (m ??= require("node:${args.path}"));`,
            ...functions.map((n) => `export const ${n} = (...a) => load().${n}(...a);`),
          ].join('\n'),
          loader: 'js',
        };
      });
    },
  };
}

/**
 * The SDK's web-stream ChecksumStream (for a response body that is a web ReadableStream, which
 * node-http-handler never gives) is a class that `extends ReadableStream`: defining it when the sidecar
 * loads makes Node load its web streams (~1 ms). The SDK only reads its `prototype`
 * (createChecksumStream.browser.js): the stand-in defines the class then.
 */
const lazyWebChecksumStream = {
  name: 'lazy-web-checksum-stream',
  setup(build) {
    build.onResolve({ filter: /^\.\/ChecksumStream\.browser$/ }, (args) =>
      /[\\/]createChecksumStream\.browser\.js$/.test(args.importer) ? { path: 'ChecksumStream.browser', namespace: 'lazy-web-checksum-stream' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-web-checksum-stream' }, () => ({
      contents: 'let defined;\nexport const ChecksumStream = { get prototype() { return (defined ??= class ChecksumStream extends ReadableStream {}).prototype; } };',
      loader: 'js',
    }));
  },
};

const SDK_PACKAGE = /^@(aws-sdk|smithy)\//;
const inNodeModules = (file) => file.split(path.sep).includes('node_modules');

/**
 * The AWS SDK values a source file imports, by package: `import { A, type B, C as D } from '@aws-sdk/x'`
 * gives x: [A, C]. Only named imports are allowed (a default or namespace import would hide the names,
 * a re-export would skip the stand-in); a type imported without `type` would be asked of the SDK as a
 * value, which eslint's consistent-type-imports rules out.
 */
function sdkImports(text, file = 'source') {
  const found = new Map();
  const reExport = /\bexport\s+[^;'"]*?from\s*['"](@(?:aws-sdk|smithy)\/[^'"]+)['"]/.exec(text);
  if (reExport) throw new Error(`${file}: import from '${reExport[1]}' and export your own name; a re-export would escape the lazy SDK`);
  for (const m of text.matchAll(/\bimport\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g)) {
    const [, typeOnly, clause, pkg] = m;
    if (!SDK_PACKAGE.test(pkg) || typeOnly) continue;
    if (!/^\{[^}]*\}$/.test(clause.trim())) throw new Error(`${file}: import the AWS SDK by name (import { X } from '${pkg}'), not "${clause.trim()}"`);
    const names = clause
      .trim()
      .slice(1, -1)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('type '))
      .map((s) => s.split(/\s+as\s+/)[0].trim());
    if (names.length > 0) found.set(pkg, new Set([...(found.get(pkg) ?? []), ...names]));
  }
  return found;
}

/** Every source file's SDK imports, merged: what a lazy stand-in of a package must offer. */
function projectSdkImports(files) {
  const all = new Map();
  for (const file of files) {
    for (const [pkg, names] of sdkImports(fs.readFileSync(file, 'utf8'), file)) all.set(pkg, new Set([...(all.get(pkg) ?? []), ...names]));
  }
  return all;
}

const SIDECAR_SUFFIX = '.aws.js';

/**
 * SDK packages that only some paths use, each in a sidecar of its own (`<handler>.aws-<part>.js`), so
 * that a path that never reads S3 (a fan-out from inline items, a fan-in message) does not load the S3
 * client's code (its XML codec, checksums, S3 middleware: ~60 KB), nor a Glue route Athena's, nor a
 * fan-in that needs no resume message SQS's, nor a DynamoDB-only path SageMaker's. The code they share with the rest is in shared files
 * (`<handler>.aws-chunk-<hash>.js`), loaded once.
 */
const SIDECAR_PARTS = { '@aws-sdk/client-s3': 's3', '@aws-sdk/client-athena': 'athena', '@aws-sdk/client-sqs': 'sqs', '@aws-sdk/client-sagemaker': 'sagemaker' };
/** The file of a handler's sidecar that holds a package (`base`: the handler's file name without `.js`). */
const sidecarFileOf = (base, pkg) => (SIDECAR_PARTS[pkg] ? `${base}.aws-${SIDECAR_PARTS[pkg]}.js` : `${base}${SIDECAR_SUFFIX}`);
/** A sidecar file of any handler: `<handler>.aws.js`, `<handler>.aws-<part>.js`, `<handler>.aws-chunk-<hash>.js`. */
const SIDECAR_FILE = /\.aws(-[\w-]+)?\.js$/;

/**
 * Loads the AWS SDK when a function first uses it, not when Lambda loads the function. In the
 * handler's bundle each SDK package is a stand-in whose values are getters; the SDK code the
 * function imports is bundled apart, into `<handler>.aws.js` beside it (same zip), and the first
 * getter read (`new GlueClient(...)`, `new GetTableCommand(...)`, an `instanceof`) requires it. Node
 * then neither parses nor runs the SDK's ~300-450 KB at cold start for a path that makes no AWS call,
 * and the path that does pays once, as before. Only the SDK is split: project modules stay in the
 * handler's bundle, so their classes (errors) exist once.
 */
const lazyAwsSdk = {
  name: 'lazy-aws-sdk',
  setup(build) {
    const options = build.initialOptions;
    const entries = Array.isArray(options.entryPoints) ? options.entryPoints : Object.values(options.entryPoints ?? {});
    if (entries.length !== 1 || !options.outdir) throw new Error('lazy-aws-sdk: expected one entry point and an outdir (one build per function)');
    const entry = typeof entries[0] === 'string' ? entries[0] : entries[0].in;
    const base = path.basename(entry).replace(/\.[cm]?[jt]s$/, '');
    options.metafile = true;
    let projectImports;

    build.onStart(() => {
      projectImports = undefined;
    });
    build.onResolve({ filter: SDK_PACKAGE }, (args) => {
      if (args.namespace !== 'file' || inNodeModules(args.importer)) return undefined;
      // sideEffects: false lets esbuild drop a stand-in nothing reads (a client the function never builds).
      return { path: args.path, namespace: 'lazy-aws-sdk', sideEffects: false };
    });
    build.onResolve({ filter: SIDECAR_FILE, namespace: 'lazy-aws-sdk' }, (args) => ({ path: args.path, external: true }));
    build.onResolve({ filter: /^lazy-aws-sdk-runtime$/, namespace: 'lazy-aws-sdk' }, () => ({ path: 'runtime', namespace: 'lazy-aws-sdk-runtime' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-aws-sdk-runtime' }, () => ({ contents: STAND_IN_RUNTIME, loader: 'js', resolveDir: ROOT }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-aws-sdk' }, (args) => {
      // A stand-in offers every name any source file imports from the package; the sidecar holds the ones this function's files import.
      projectImports ??= projectSdkImports(sourceFiles());
      const names = JSON.stringify([...(projectImports.get(args.path) ?? [])]);
      const file = JSON.stringify(`./${sidecarFileOf(base, args.path)}`);
      return { contents: `module.exports = require("lazy-aws-sdk-runtime")(() => require(${file}), ${JSON.stringify(args.path)}, ${names});`, loader: 'js', resolveDir: ROOT };
    });
    build.onEnd(async (result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const bundled = Object.values(result.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
      const used = new Set(bundled.filter((input) => input.startsWith('lazy-aws-sdk:')).map((input) => input.slice('lazy-aws-sdk:'.length)));
      const files = bundled
        .filter((input) => !input.includes(':') && !inNodeModules(input) && /\.[cm]?[jt]s$/.test(input))
        .map((input) => path.resolve(options.absWorkingDir ?? process.cwd(), input));
      // The packages whose stand-in the bundle kept, with the names its source files import from them.
      const imports = new Map([...projectSdkImports(files)].filter(([pkg]) => used.has(pkg)));
      // This function's sidecar files from an earlier build go first (a part may be gone).
      for (const file of await fs.promises.readdir(options.outdir)) {
        if (file.startsWith(`${base}.aws`) && SIDECAR_FILE.test(file)) await fs.promises.rm(path.join(options.outdir, file), { force: true });
      }
      if (imports.size === 0) return;
      await buildSidecars(build.esbuild, options, base, imports);
    });
  },
};

/**
 * The sidecar files of one function: one per part (SIDECAR_PARTS) its files import, the shared code
 * in chunks. esbuild splits code only into ES modules, which Node would load through its ESM loader
 * (~4 ms more): each output is turned into CommonJS on the way out, its imports of the chunks into
 * requires (live bindings kept as property reads).
 */
async function buildSidecars(esbuild, options, base, imports) {
  const parts = new Map();
  for (const [pkg, names] of imports) {
    const file = sidecarFileOf(base, pkg);
    parts.set(file, new Map([...(parts.get(file) ?? []), [pkg, names]]));
  }
  const common = { ...options, entryPoints: undefined, outdir: undefined, metafile: false, plugins: SDK_PLUGINS };
  if (parts.size === 1) {
    const [[file, partImports]] = parts;
    await esbuild.build({ ...common, stdin: { contents: sidecarEntry(partImports), resolveDir: ROOT, sourcefile: file, loader: 'js' }, outfile: path.join(options.outdir, file) });
    return;
  }
  const entryPlugin = {
    name: 'sidecar-entries',
    setup(build) {
      // Split, esbuild makes every import() target a chunk of its own, whether the code that imports it
      // is kept or not: bowser (35 KB) is only imported by the SDK's browser user agent, never run here.
      build.onResolve({ filter: /^bowser$/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
      build.onResolve({ filter: /^sidecar-entry:/ }, (args) => ({ path: args.path.slice('sidecar-entry:'.length), namespace: 'sidecar-entry' }));
      build.onLoad({ filter: /.*/, namespace: 'sidecar-entry' }, (args) => ({ contents: sidecarEntry(parts.get(args.path)), resolveDir: ROOT, loader: 'js' }));
    },
  };
  const result = await esbuild.build({
    ...common,
    entryPoints: [...parts.keys()].map((file) => ({ in: `sidecar-entry:${file}`, out: file.replace(/\.js$/, '') })),
    outdir: options.outdir,
    outExtension: { '.js': '.js' },
    format: 'esm',
    splitting: true,
    chunkNames: `${base}.aws-chunk-[hash]`,
    write: false,
    plugins: [entryPlugin, ...SDK_PLUGINS],
  });
  const requires = new Map(
    result.outputFiles.map((o) => [path.basename(o.path), [...o.text.matchAll(/\b(?:from|import)\s*\(?\s*"\.\/([^"]+)"/g)].map((m) => m[1])]),
  );
  const cycle = findCycle(requires);
  // CommonJS files that require each other would see each other half-loaded.
  if (cycle) throw new Error(`lazy-aws-sdk: the sidecar files of ${base} import each other in a cycle (${cycle.join(' -> ')})`);
  for (const output of result.outputFiles) {
    // import() becomes a require too, as in the handlers' bundles: Node's ESM loader stays unloaded.
    const { code } = await esbuild.transform(output.text, {
      format: 'cjs',
      loader: 'js',
      target: options.target,
      minify: options.minify,
      platform: 'node',
      supported: { 'dynamic-import': false },
    });
    await fs.promises.writeFile(output.path, code);
  }
}

/** A cycle in a graph of file -> files it imports, if there is one. */
function findCycle(graph) {
  const state = new Map();
  const visit = (node, trail) => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...trail.slice(trail.indexOf(node)), node];
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) {
      const found = visit(next, [...trail, node]);
      if (found) return found;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const found = visit(node, []);
    if (found) return found;
  }
  return undefined;
}

/** The project's source files a bundle can hold (handlers and lib). */
function sourceFiles() {
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : /\.ts$/.test(d.name) ? [path.join(dir, d.name)] : []));
  return ['handlers', 'lib'].flatMap((dir) => walk(path.join(ROOT, dir)));
}

/**
 * What the stand-ins share (CommonJS, so that esbuild reads their values where they are used): a
 * package's stand-in is an object of getters that require its sidecar file on first read.
 */
const STAND_IN_RUNTIME = [
  'module.exports = (load, pkg, names) => {',
  '  let values;',
  '  const get = () => (values ??= load().packages[pkg]);',
  '  return Object.defineProperties({}, Object.fromEntries(names.map((n) => [n, { enumerable: true, get: () => get()[n] }])));',
  '};',
].join('\n');

/** The sidecar's source: the values the function's files import, by package. */
function sidecarEntry(imports) {
  const lines = [];
  const packages = [];
  let i = 0;
  for (const [pkg, names] of [...imports].sort(([a], [b]) => a.localeCompare(b))) {
    const local = [...names].sort().map((n) => [n, `$${i++}`]);
    lines.push(`import { ${local.map(([n, l]) => `${n} as ${l}`).join(', ')} } from ${JSON.stringify(pkg)};`);
    packages.push(`  ${JSON.stringify(pkg)}: { ${local.map(([n, l]) => `${n}: ${l}`).join(', ')} },`);
  }
  return [...lines, 'export const packages = {', ...packages, '};'].join('\n');
}

/** The plugins of the SDK's sidecar. */
const SDK_PLUGINS = [
  envCredentialsOnly,
  noEventStreams,
  sdkSchemaKeys,
  sdkPackageVersion,
  sdkErrorClasses,
  lruCache,
  noJsHashFallbacks,
  lazyNodeBuiltins(['fs/promises']),
  lazyWebChecksumStream,
];

module.exports = [lazyAwsSdk, lazyNodeBuiltins(['crypto']), ...SDK_PLUGINS];
module.exports.compactErrorClasses = compactErrorClasses;
module.exports.findCycle = findCycle;
module.exports.literalSchemaKeys = literalSchemaKeys;
module.exports.sdkImports = sdkImports;
module.exports.SIDECAR_FILE = SIDECAR_FILE;
