/**
 * `npm run bench:cold`: what a cold start costs, this build against an earlier one. For each function,
 * in fresh processes:
 *   - load: `node -e 'require("<bundle>")'` against `node -e 0` (as `npm run size`), for both builds;
 *   - cold invocation: load + the first call on a sample event, this build against the earlier one.
 * Calls reach the local doubles (a local DynamoDB, SageMaker and S3, as scripts/invoke-samples.sh runs
 * them); Glue and Athena have no local server here, so those calls fail at a refused port after the
 * SDK has loaded, built its client and signed the request, for both builds alike.
 *
 *   npm run bench:cold                         against BASELINE_REF, packaged once into a temp dir
 *   npm run bench:cold -- --baseline <dir>     against the zips in <dir> (another .serverless/)
 *   npm run bench:cold -- --baseline-ref <ref> against another commit
 *   npm run bench:cold -- --pairs 31 --only concat,fanOutCallback
 */
import { execFileSync, execSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { kb, paired, table, timeNode, unpackFunctions, type NodeRun, type PackagedFunction } from '../scripts/bundles';

/** The main commit before the cold-start work (issue 18): the build the figures in docs/design.md compare with. */
const BASELINE_REF = 'edfb45a';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const PAIRS = Number(option('--pairs') ?? 15);
if (!Number.isInteger(PAIRS) || PAIRS < 1) throw new Error('--pairs: expected a whole number of pairs, at least 1');
const only = option('--only')?.split(',');

const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'bench-cold-'));

/** The package directory of a commit: `git archive` of it, `npm ci`, `sls package`, kept for the next run. */
function packageOf(ref: string): string {
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `bench-cold-baseline-${commit}`);
  const packageDir = join(dir, '.serverless');
  if (existsSync(packageDir) && readdirSync(packageDir).some((f) => f.endsWith('.zip'))) return packageDir;
  console.log(`packaging ${commit} into ${dir} (once)`);
  mkdirSync(dir, { recursive: true });
  execSync(`git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`, { cwd: root, stdio: 'inherit' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  execFileSync('npx', ['sls', 'package'], { cwd: dir, stdio: 'inherit', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
  return packageDir;
}

/** Runs a script of scripts/ until the bench ends; resolves with the value of its first `<name>=` line. */
function serve(children: ChildProcess[], name: string, script: string, ...scriptArgs: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', script), ...scriptArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before printing ${name}=`)));
    if (!child.stdout) return reject(new Error(`${script}: no stdout`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(`${name}=`)) resolve(line.slice(name.length + 1));
    });
  });
}

interface Case {
  fn: string;
  label: string;
  event: string;
  /** The doubles the call reaches. */
  needs: ('dynamodb' | 'sagemaker' | 's3' | 'refused')[];
}

/** One sample per function, and the paths that need less than the function's whole SDK. */
const CASES: Case[] = [
  { fn: 'concat', label: 'concat', event: 'concat.json', needs: [] },
  { fn: 'joinStrings', label: 'joinStrings', event: 'join-strings.json', needs: [] },
  { fn: 'versionedName', label: 'versionedName', event: 'versioned-name.json', needs: [] },
  { fn: 'exampleOutputs', label: 'exampleOutputs', event: 'example-outputs.json', needs: [] },
  { fn: 'startChildPipelines', label: 'startChildPipelines, inline items', event: 'start-child-pipelines.json', needs: ['sagemaker'] },
  { fn: 'startChildPipelines', label: 'startChildPipelines, manifest', event: 'start-child-pipelines-manifest.json', needs: ['sagemaker', 's3'] },
  { fn: 'fanOutCallback', label: 'fanOutCallback, inline items', event: 'fan-out-callback.json', needs: ['dynamodb', 'sagemaker'] },
  { fn: 'fanOutCallback', label: 'fanOutCallback, manifest', event: 'fan-out-manifest-callback.json', needs: ['dynamodb', 'sagemaker', 's3'] },
  { fn: 'onChildExecutionStatus', label: 'onChildExecutionStatus', event: 'on-child-execution-status.json', needs: ['dynamodb', 'sagemaker'] },
  { fn: 'sweepFanOuts', label: 'sweepFanOuts', event: 'sweep-fan-outs.json', needs: ['dynamodb'] },
  { fn: 'fanOutProgress', label: 'fanOutProgress', event: 'fan-out-progress.json', needs: ['dynamodb'] },
  { fn: 'onPipelineExecutionStatus', label: 'onPipelineExecutionStatus, ignored', event: 'on-pipeline-execution-status-executing.json', needs: [] },
  { fn: 'onPipelineExecutionStatus', label: 'onPipelineExecutionStatus, Glue route', event: 'on-pipeline-execution-status-succeeded.json', needs: ['refused'] },
  { fn: 'onPipelineExecutionStatus', label: 'onPipelineExecutionStatus, Athena route', event: 'on-pipeline-execution-status-step-succeeded.json', needs: ['refused'] },
  { fn: 'createPartitions', label: 'createPartitions', event: 'create-partitions.json', needs: ['refused'] },
  { fn: 'repairTable', label: 'repairTable', event: 'repair-table.json', needs: ['refused'] },
];

// Loads the bundle, calls its handler once with the event and a Lambda context, and prints how the
// call ended (a failed call is a result too: both builds must end the same way).
const RUNNER = `
const [bundle, eventFile] = process.argv.slice(2);
const { handler } = require(bundle);
const event = JSON.parse(require('fs').readFileSync(eventFile, 'utf8'));
const context = { functionName: 'bench', functionVersion: '$LATEST', awsRequestId: 'bench-request', memoryLimitInMB: '256',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:bench', logGroupName: 'bench', logStreamName: 'bench',
  getRemainingTimeInMillis: () => 60000 };
handler(event, context).then(
  (r) => process.stderr.write('outcome: ok ' + JSON.stringify(r ?? null).replace(/[0-9a-f]{12}/g, 'X').slice(0, 80) + '\\n'),
  (e) => process.stderr.write('outcome: ' + (e && e.name) + '\\n'),
);
`;

async function main() {
  const packageDir = join(root, '.serverless');
  if (!existsSync(packageDir) || !readdirSync(packageDir).some((f) => f.endsWith('.zip'))) {
    console.log('no packages in .serverless/: running sls package');
    execFileSync('npx', ['sls', 'package'], { cwd: root, stdio: 'inherit' });
  }
  const baselineDir = option('--baseline') ?? packageOf(option('--baseline-ref') ?? BASELINE_REF);
  const current = new Map(unpackFunctions(packageDir, join(work, 'new')).map((f) => [f.name, f]));
  const baseline = new Map(unpackFunctions(baselineDir, join(work, 'old')).map((f) => [f.name, f]));
  const runner = join(work, 'runner.js');
  writeFileSync(runner, RUNNER);

  const children: ChildProcess[] = [];
  try {
    const [dynamodb, sagemaker, s3] = await Promise.all([
      serve(children, 'AWS_ENDPOINT_URL_DYNAMODB', 'local-fan-out-table.ts', '--sample'),
      serve(children, 'AWS_ENDPOINT_URL_SAGEMAKER', 'local-sagemaker.ts', 'child-pipeline-1:ProcessingDate,Region', 'child-pipeline-2:ProcessingDate', 'train-region:Region,Epochs'),
      serve(children, 'AWS_ENDPOINT_URL_S3', 'local-s3.ts', 's3://example-manifests/fan-out/=events/manifests'),
    ]);
    const endpoints = { dynamodb: { AWS_ENDPOINT_URL_DYNAMODB: dynamodb }, sagemaker: { AWS_ENDPOINT_URL_SAGEMAKER: sagemaker }, s3: { AWS_ENDPOINT_URL_S3: s3 } };
    const common = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PROFILE: undefined };
    const bare: NodeRun = { args: ['-e', '0'] };
    const load = (f: PackagedFunction): NodeRun => ({ args: ['-e', `require(${JSON.stringify(f.handlerFile)})`], env: { ...common, ...f.env } });

    const loadRows: string[][] = [];
    for (const fn of [...current.keys()].filter((n) => !only || only.includes(n))) {
      const [n, o] = [current.get(fn), baseline.get(fn)];
      if (!n || !o) continue;
      const before = paired(() => timeNode(load(o)), () => timeNode(bare), PAIRS);
      const after = paired(() => timeNode(load(n)), () => timeNode(bare), PAIRS);
      loadRows.push([
        fn,
        `${kb(o.unzipped)} -> ${kb(n.unzipped)}`,
        `${before.wall.ratio.toFixed(2)}x -> ${after.wall.ratio.toFixed(2)}x`,
        `${before.cpu.ratio.toFixed(2)}x -> ${after.cpu.ratio.toFixed(2)}x`,
      ]);
    }
    console.log(table(['function', 'unzipped (before -> after)', 'load / node -e 0, wall', 'CPU'], loadRows));

    const coldRows: string[][] = [];
    for (const c of CASES.filter((x) => !only || only.includes(x.fn))) {
      const [n, o] = [current.get(c.fn), baseline.get(c.fn)];
      if (!n || !o) continue;
      const env = {
        ...common,
        ...Object.assign({}, ...c.needs.filter((x) => x !== 'refused').map((x) => endpoints[x])),
        ...(c.needs.includes('refused') ? { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' } : {}),
      };
      const invoke = (f: PackagedFunction): NodeRun => ({ args: [runner, f.handlerFile, join(root, 'events', c.event)], env: { ...env, ...f.env } });
      const outcomes = [o, n].map((f) => {
        const run = invoke(f);
        const r = spawnSync(process.execPath, run.args, { env: { ...process.env, ...run.env } });
        return /outcome: (\S+)/.exec(r.stderr.toString())?.[1] ?? 'none';
      });
      const cold = paired(() => timeNode(invoke(n)), () => timeNode(invoke(o)), PAIRS);
      coldRows.push([
        c.label,
        `${cold.wall.b.toFixed(0)} -> ${cold.wall.a.toFixed(0)} ms`,
        `${cold.wall.ratio.toFixed(2)}x`,
        `${cold.cpu.b.toFixed(0)} -> ${cold.cpu.a.toFixed(0)} ms`,
        `${cold.cpu.ratio.toFixed(2)}x`,
        outcomes[0] === outcomes[1] ? (outcomes[1] ?? '') : `DIFFERENT: ${outcomes.join(' / ')}`,
      ]);
    }
    console.log();
    console.log(table(['cold invocation (load + first call)', 'wall (before -> after)', 'after / before', 'CPU (before -> after)', 'after / before', 'outcome'], coldRows));
    console.log(
      `\nwhole processes, median of ${PAIRS} alternating pairs; before = ${option('--baseline') ?? option('--baseline-ref') ?? BASELINE_REF}` +
        '\nGlue and Athena calls end at a refused port (no local server): load, client, signing and the attempt, for both builds',
    );
  } finally {
    for (const child of children) child.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
