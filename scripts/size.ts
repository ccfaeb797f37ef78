/**
 * `npm run size`: each function's bundle, unzipped and zipped, and the time Node takes to load it
 * (the cold-start cost the code adds) beside a bare `node -e 0`. `--check` fails past the budget.
 * Reads the zips `sls package` writes to .serverless/ (runs it first when there are none).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

// 500 KB until typed partition keys, table kinds, the input hazard walk and the metric catalog took
// onPipelineExecutionStatus from 487 to 501 KB, then 520 KB until the S3 client that reads fan-out
// manifests took fanOutCallback from 347 to 525 KB (docs/design.md, "Bundle sizes").
const BUDGET_BYTES = 540 * 1000;
const LOAD_RUNS = 11;
const root = join(__dirname, '..');
const packageDir = join(root, '.serverless');

interface ZipEntry {
  name: string;
  size: number;
  data: Buffer;
}

/** Reads a zip's entries through its central directory (what `sls package` writes: stored or deflated). */
function readZip(file: string): ZipEntry[] {
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

/**
 * The environment a function is deployed with (from the packaged service state), so that its
 * configuration check at cold start passes: CloudFormation references become placeholders.
 */
function functionEnvironment(fn: string): Record<string, string> {
  const stateFile = join(packageDir, 'serverless-state.json');
  if (!existsSync(stateFile)) return {};
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
    service: { provider?: { environment?: Record<string, unknown> }; functions?: Record<string, { environment?: Record<string, unknown> }> };
  };
  const merged = { ...state.service.provider?.environment, ...state.service.functions?.[fn]?.environment };
  return Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, typeof v === 'string' ? v : `placeholder-${k.toLowerCase()}`]));
}

/** Median wall time of `node <args>` over LOAD_RUNS runs, in milliseconds. */
function medianNodeMs(args: string[], env: Record<string, string> = {}): number {
  const times: number[] = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, {
      env: { ...process.env, ...env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr.toString().slice(0, 500)}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const zips = () => (existsSync(packageDir) ? readdirSync(packageDir).filter((f) => f.endsWith('.zip')) : []);
if (zips().length === 0) {
  console.log('no packages in .serverless/: running sls package');
  execFileSync('npx', ['sls', 'package'], { cwd: root, stdio: 'inherit' });
}

const work = mkdtempSync(join(tmpdir(), 'size-'));
const bares: number[] = [];
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const rows: string[][] = [];
const overBudget: string[] = [];

for (const zipName of zips().sort()) {
  const fn = zipName.replace(/\.zip$/, '');
  const entries = readZip(join(packageDir, zipName));
  const unzipped = entries.reduce((sum, e) => sum + e.size, 0);
  const handler = entries.find((e) => e.name.endsWith('.js'));
  if (!handler) throw new Error(`${zipName} holds no JavaScript`);
  const file = join(work, `${fn}.js`);
  writeFileSync(file, handler.data);
  // The bare baseline is taken beside each function, so that what else the machine does weighs on both.
  const bare = medianNodeMs(['-e', '0']);
  bares.push(bare);
  const load = medianNodeMs(['-e', `require(${JSON.stringify(file)})`], functionEnvironment(fn));
  rows.push([fn, kb(unzipped), kb(statSync(join(packageDir, zipName)).size), `${load.toFixed(0)} ms`, `${load - bare >= 0 ? '+' : ''}${(load - bare).toFixed(0)} ms`]);
  if (unzipped > BUDGET_BYTES) overBudget.push(`${fn} (${kb(unzipped)})`);
}

const header = ['function', 'unzipped', 'zipped', 'load (median)', 'over node -e 0'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));
const bareMedian = [...bares].sort((a, b) => a - b)[Math.floor(bares.length / 2)] ?? Number.NaN;
console.log(`\nbare node -e 0: ${bareMedian.toFixed(0)} ms (median of ${LOAD_RUNS} runs beside each function); budget ${kb(BUDGET_BYTES)} unzipped per function`);

if (process.argv.includes('--check') && overBudget.length > 0) {
  console.error(`over the ${kb(BUDGET_BYTES)} budget: ${overBudget.join(', ')}`);
  process.exit(1);
}
