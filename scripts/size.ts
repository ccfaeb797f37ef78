/**
 * `npm run size`: each function's package, unzipped and zipped, and what loading its handler costs: the
 * whole process `node -e 'require("<bundle>")'` against a bare `node -e 0`, in alternating pairs (the
 * median of the ratio pair by pair, of wall time and of CPU time). Reads the zips `sls package` writes
 * to .serverless/ (runs it first when there are none).
 *
 *   npm run size                      sizes and load ratios
 *   npm run size -- --check           fails above the size budget; above the ratio budget too, unless
 *                                     CI is set or the machine is loaded (see RATIO_BUDGET)
 *   npm run size -- --check --ratio   asserts the ratio in any case
 *   npm run size -- --pairs 31        more pairs (default 15)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { kb, paired, table, timeNode, unpackFunctions } from './bundles';

/**
 * 450 KB unzipped per function (1 KB = 1,000 bytes; issue 18). The largest, fanOutCallback, is 437.4 KB
 * (460.7 before the sidecar's plugins: error classes from a factory, an LRU cache on a Map, no JS copies
 * of node:crypto's hashes; S3, SQS and SageMaker in parts of their own cost it 3 KB): 13 KB of headroom,
 * kept for the fan-in's own code, which grows (docs/design.md "Bundle sizes and cold start").
 */
const SIZE_BUDGET_BYTES = 450 * 1000;
/**
 * A handler's load over a bare `node -e 0`, whole process, median of the paired wall-time ratios: 1.5x
 * (issue 18). Measured on the 2-core machine at a load average of ~16 (docs/design.md): CPU-time ratios
 * 1.23-1.40x, so 0.1x of headroom; wall ratios 1.15-1.41x in one run, up to 1.57x in another. A wall
 * ratio moves with the machine's load, so --check prints it and asserts it only with --ratio when CI is
 * set or the load average (1 min) is at or above the number of cores: the project's rule is that what
 * load can move is printed in CI and judged on full runs.
 */
const RATIO_BUDGET = 1.5;

const args = process.argv.slice(2);
const pairsArg = args.indexOf('--pairs');
const PAIRS = pairsArg >= 0 ? Number(args[pairsArg + 1]) : 15;
if (!Number.isInteger(PAIRS) || PAIRS < 1) throw new Error('--pairs: expected a whole number of pairs, at least 1');
const check = args.includes('--check');
const [load1 = 0] = loadavg();
const loaded = Boolean(process.env.CI) || load1 >= cpus().length;
const assertRatio = check && (args.includes('--ratio') || !loaded);

const root = join(__dirname, '..');
const packageDir = join(root, '.serverless');
if (!existsSync(packageDir) || !readdirSync(packageDir).some((f) => f.endsWith('.zip'))) {
  console.log('no packages in .serverless/: running sls package');
  execFileSync('npx', ['sls', 'package'], { cwd: root, stdio: 'inherit' });
}

const bare = { args: ['-e', '0'] };
const rows: string[][] = [];
const over: string[] = [];
for (const fn of unpackFunctions(packageDir, mkdtempSync(join(tmpdir(), 'size-')))) {
  const load = { args: ['-e', `require(${JSON.stringify(fn.handlerFile)})`], env: { AWS_REGION: 'us-east-1', ...fn.env } };
  const { wall, cpu } = paired(() => timeNode(load), () => timeNode(bare), PAIRS);
  const ratio = wall.ratio;
  rows.push([fn.name, kb(fn.unzipped), kb(fn.zipped), `${ratio.toFixed(2)}x`, `${cpu.ratio.toFixed(2)}x (+${(cpu.a - cpu.b).toFixed(0)} ms)`]);
  if (fn.unzipped > SIZE_BUDGET_BYTES) over.push(`${fn.name}: ${kb(fn.unzipped)} unzipped, over ${kb(SIZE_BUDGET_BYTES)}`);
  if (assertRatio && ratio > RATIO_BUDGET) over.push(`${fn.name}: loads in ${ratio.toFixed(2)}x the time of node -e 0, over ${RATIO_BUDGET}x`);
}

console.log(table(['function', 'unzipped', 'zipped', 'load / node -e 0', 'CPU time'], rows));
console.log(
  `\nload: node -e 'require("<bundle>")' against node -e 0, whole process, median of ${PAIRS} alternating pairs` +
    '\n(wall time: the budget; CPU time, which the machine\'s load moves less, beside it)' +
    `\nbudget: ${kb(SIZE_BUDGET_BYTES)} unzipped per function, load ${RATIO_BUDGET}x` +
    (check && !assertRatio ? ` (printed, not asserted: ${process.env.CI ? 'CI is set' : `load average ${load1.toFixed(1)} on ${cpus().length} cores`}; --ratio asserts it)` : ''),
);
if (check && over.length > 0) {
  console.error(`over budget:\n  ${over.join('\n  ')}`);
  process.exit(1);
}
