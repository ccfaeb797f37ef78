/**
 * The packaged functions as `npm run size` and `npm run bench:cold` read them: the zips `sls package`
 * writes to .serverless/, unpacked, and paired whole-process timing (A and B in turn, the ratio pair by
 * pair, so that a machine whose speed drifts weighs on both).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/**
 * The AWS SDK's part of a function, loaded on first use: `<handler>.aws.js`, `<handler>.aws-<part>.js`
 * (S3, SQS, SageMaker, Athena) and the code they share, `<handler>.aws-chunk-<hash>.js`, as the plugin
 * that writes them names them (infra/esbuild/plugins.js).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SIDECAR_FILE } = require('../infra/esbuild/plugins.js') as { SIDECAR_FILE: RegExp };

interface ZipEntry {
  name: string;
  size: number;
  data: Buffer;
}

/** Reads a zip's entries through its central directory (what `sls package` writes: stored or deflated). */
export function readZip(file: string): ZipEntry[] {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressed);
    entries.push({ name, size, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

export interface PackagedFunction {
  /** The function's name in serverless.yml. */
  name: string;
  /** Every file of its zip, unzipped, in bytes (the handler's bundle and its SDK sidecar files). */
  unzipped: number;
  zipped: number;
  /** The handler's bundle, unpacked (its sidecar files beside it). */
  handlerFile: string;
  /** The environment it is deployed with, CloudFormation references as placeholders. */
  env: Record<string, string>;
}

/** The zips of a package directory (.serverless/), each unpacked under `into`/<function>/. */
export function unpackFunctions(packageDir: string, into: string): PackagedFunction[] {
  const zips = existsSync(packageDir) ? readdirSync(packageDir).filter((f) => f.endsWith('.zip')).sort() : [];
  return zips.map((zipName) => {
    const name = zipName.replace(/\.zip$/, '');
    const entries = readZip(join(packageDir, zipName));
    let handlerFile: string | undefined;
    for (const entry of entries.filter((e) => e.name.endsWith('.js'))) {
      const file = join(into, name, entry.name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, entry.data);
      if (!SIDECAR_FILE.test(entry.name)) handlerFile = file;
    }
    if (!handlerFile) throw new Error(`${zipName} holds no handler bundle`);
    return {
      name,
      unzipped: entries.reduce((sum, e) => sum + e.size, 0),
      zipped: statSync(join(packageDir, zipName)).size,
      handlerFile,
      env: functionEnvironment(packageDir, name),
    };
  });
}

/**
 * The environment a function is deployed with (from the packaged service state), so that its
 * configuration check at cold start passes: CloudFormation references become placeholders.
 */
function functionEnvironment(packageDir: string, fn: string): Record<string, string> {
  const stateFile = join(packageDir, 'serverless-state.json');
  if (!existsSync(stateFile)) return {};
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
    service: { provider?: { environment?: Record<string, unknown> }; functions?: Record<string, { environment?: Record<string, unknown> }> };
  };
  const merged = { ...state.service.provider?.environment, ...state.service.functions?.[fn]?.environment };
  return Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, typeof v === 'string' ? v : `placeholder-${k.toLowerCase()}`]));
}

/** A child `node` process: its arguments and environment (added to this process's). */
export interface NodeRun {
  args: string[];
  env?: Record<string, string | undefined>;
}

/** One process's wall time (start to exit, as the caller waits for it) and CPU time (user + system), in ms. */
export interface Timing {
  wall: number;
  cpu: number;
}

// Preloaded into each timed process: prints its CPU time as it exits (a wall time moves with the
// machine's load far more than a CPU time does). Written once, on first use.
let cpuProbe: string | undefined;
function cpuProbeFile(): string {
  if (cpuProbe) return cpuProbe;
  const file = join(mkdtempSync(join(tmpdir(), 'cpu-probe-')), 'probe.js');
  writeFileSync(file, "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, `\\ncpu-us ${u.user + u.system}\\n`); });\n");
  return (cpuProbe = file);
}

/** Times one `node` process; throws when it fails. */
export function timeNode(run: NodeRun): Timing {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--require', cpuProbeFile(), ...run.args], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...run.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const stderr = child.stderr.toString();
  if (child.status !== 0) throw new Error(`node ${run.args.join(' ').slice(0, 200)} failed: ${stderr.slice(0, 500)}`);
  const cpu = /cpu-us (\d+)\s*$/.exec(stderr)?.[1];
  if (cpu === undefined) throw new Error(`node ${run.args.join(' ').slice(0, 200)} printed no CPU time`);
  return { wall, cpu: Number(cpu) / 1000 };
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export interface Paired {
  /** Median of the per-pair ratios A/B. */
  ratio: number;
  /** Medians of A's and B's figures, in milliseconds. */
  a: number;
  b: number;
}

/**
 * A and B `pairs` times each, in turn (A B, then B A, ...) after one run of each not counted: for wall
 * and CPU time, the median of the ratio pair by pair. A pair shares the machine's state of the moment,
 * so a ratio holds when the machine's speed drifts; a median of >= 15 pairs shrugs off a few disturbed ones.
 */
export function paired(a: () => Timing, b: () => Timing, pairs: number): { wall: Paired; cpu: Paired } {
  a();
  b();
  const runs: [Timing, Timing][] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      const ta = a();
      runs.push([ta, b()]);
    } else {
      const tb = b();
      runs.push([a(), tb]);
    }
  }
  const of = (k: keyof Timing): Paired => ({
    ratio: median(runs.map(([x, y]) => x[k] / y[k])),
    a: median(runs.map(([x]) => x[k])),
    b: median(runs.map(([, y]) => y[k])),
  });
  return { wall: of('wall'), cpu: of('cpu') };
}

/** Left-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
