/**
 * Checks that README.md and docs/*.md say what the code does (CI: `node --import tsx scripts/check-docs.ts`).
 *
 * Shell blocks (```bash, ```sh, ```shell) run as written, one at a time, from the repository root with
 * `bash -e -o pipefail`, in a fresh HOME, with no AWS credentials. A block:
 * - containing the comment line `# needs an AWS account` is not run (the reader sees why);
 * - preceded by `<!-- check-docs: not run: <reason> -->` is not run (the page must say why, in prose);
 * - preceded by `<!-- check-docs: ci-step -->` is not run again: each of its commands must appear
 *   in .ci/run, which runs it (npm ci, npm test);
 * - preceded by `<!-- check-docs: prints /regex/ -->` must succeed and print a match;
 * - preceded by `<!-- check-docs: fails /regex/ -->` must fail and print a match (a command that
 *   stops at its first AWS call, for example);
 * - otherwise must succeed.
 * Each block runs sourced in one shell, as if pasted into a terminal; afterwards that shell must hold
 * no AWS_ENDPOINT_URL* variable, no exported variable it did not have, no trap, the same working
 * directory, and no process the block started may still run (found by session, then stopped).
 * Output samples go in ```text blocks, which are not run.
 *
 * Python blocks are compiled and their SDK use checked by scripts/check-docs.py, which also
 * checks the outputs each LambdaStep or CallbackStep snippet declares against what the function
 * returns: the return type of each handler's `run` (read with the TypeScript compiler) and the keys of
 * the fan-in's callback outputs.
 *
 * Also: README.md is at most 15 KB and links every page of docs/; every relative link of the pages,
 * and every `docs/<page>.md` the code and configuration name, points at a file that exists.
 *
 *   node --import tsx scripts/check-docs.ts [--no-run]   # --no-run: every check but running the shell blocks
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { fanInOutputs } from '../lib/fan-out/callback-outputs';

const ROOT = resolve(__dirname, '..');
const README_MAX_BYTES = 15 * 1024;
const BLOCK_TIMEOUT_MS = 10 * 60 * 1000;
const NEEDS_AWS = /^\s*# needs an AWS account\b/m;

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  marker?: string;
}

const problems: string[] = [];
const problem = (message: string) => {
  if (!problems.includes(message)) problems.push(message);
};

function pages(): string[] {
  const docs = existsSync(join(ROOT, 'docs')) ? readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')) : [];
  return ['README.md', ...docs.sort().map((f) => `docs/${f}`)];
}

/** The fenced blocks of a Markdown page, with the `<!-- check-docs: ... -->` comment right above each, if any. */
export function fencedBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+)\s*([\w-]*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[2] ?? '```';
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence) && l.trim().replace(/`/g, '') === '');
    if (end < 0) {
      problem(`${file}:${i + 1}: unclosed code block`);
      break;
    }
    const above = /<!--\s*check-docs:\s*(.*?)\s*-->/.exec(lines[i - 1] ?? '');
    const indent = open[1]?.length ?? 0;
    blocks.push({
      file,
      line: i + 1,
      lang: (open[3] ?? '').toLowerCase(),
      code: lines.slice(i + 1, end).map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n'),
      marker: above?.[1],
    });
    i = end;
  }
  return blocks;
}

/** The commands of a block, one per line (continuations joined, comments and `&&` split off). */
function commands(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'))
    .flatMap((l) => l.split(/\s+&&\s+/));
}

function runShellBlock(block: Block, ciRun: string, run: boolean): string {
  const where = `${block.file}:${block.line}`;
  if (NEEDS_AWS.test(block.code)) return 'needs an AWS account: not run';
  if (block.marker === 'ci-step') {
    const missing = commands(block.code).filter((c) => !ciRun.includes(c));
    if (missing.length > 0) problem(`${where}: marked ci-step, but .ci/run does not run: ${missing.join('; ')}`);
    return 'run by .ci/run';
  }
  const notRun = /^not run:\s*(\S.*)$/.exec(block.marker ?? '');
  if (notRun) return `not run: ${notRun[1]}`;
  const expectation = /^(prints|fails)\s+\/(.*)\/$/.exec(block.marker ?? '');
  if (block.marker !== undefined && !expectation) {
    problem(`${where}: unknown marker "${block.marker}" (ci-step, prints /re/, fails /re/, not run: <reason>)`);
    return 'bad marker';
  }
  if (!run) return 'not run (--no-run)';
  const started = Date.now();
  const result = runInShell(block.code, ROOT);
  const output = result.output;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  for (const leftover of result.leftovers) problem(`${where}: leaves ${leftover} in the reader's shell (run it in a subshell ( ... ) or as command prefixes)`);
  const ok = result.status === 0;
  const wantFailure = expectation?.[1] === 'fails';
  const pattern = expectation?.[2] !== undefined ? new RegExp(expectation[2]) : undefined;
  if (ok === wantFailure || (pattern && !pattern.test(output))) {
    const wanted = `${wantFailure ? 'to fail' : 'to succeed'}${pattern ? ` printing /${pattern.source}/` : ''}`;
    problem(`${where}: expected ${wanted}; exit ${result.status ?? result.signal}:\n${output.split('\n').slice(-25).join('\n')}`);
    return `FAILED (${seconds} s)`;
  }
  return `ok (${seconds} s${wantFailure ? ', failed as documented' : ''})`;
}

// Sources the block in the shell a reader pastes it into, and on exit (success or not) records what
// the block left in that shell. A block that replaces the EXIT trap leaves no record: that is reported.
const SHELL_HARNESS = `__check_docs=$1
export -p > "$__check_docs/exports-before"
__check_docs_inspect() {
  export -p > "$__check_docs/exports-after"
  compgen -v AWS_ENDPOINT_URL > "$__check_docs/endpoints" || true
  trap -p | grep -v "^trap -- '__check_docs_inspect' EXIT$" > "$__check_docs/traps" || true
  printf '%s' "$PWD" > "$__check_docs/pwd"
}
trap __check_docs_inspect EXIT
set -e -o pipefail
source "$__check_docs/block.sh"
`;

export interface ShellRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** What the block left behind: variables, traps, a changed directory, processes (stopped since). */
  leftovers: string[];
}

const exportedNames = (text: string) => new Set([...text.matchAll(/^declare -\S+ ([A-Za-z_][A-Za-z0-9_]*)(=.*)?$/gm)].map((m) => `${m[1]}${m[2] ?? ''}`));

/** Runs `code` as a reader would paste it into a terminal in `cwd`, and reports what it leaves behind. */
export function runInShell(code: string, cwd: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = BLOCK_TIMEOUT_MS): ShellRun {
  const dir = mkdtempSync(join(tmpdir(), 'check-docs-'));
  writeFileSync(join(dir, 'block.sh'), code);
  writeFileSync(join(dir, 'harness.sh'), SHELL_HARNESS);
  // Output to a file, not a pipe: a process the block leaves running would hold a pipe open.
  const out = openSync(join(dir, 'output'), 'w');
  // setsid: the block's processes share a new session, so that any still running can be found.
  const result = spawnSync('setsid', ['bash', join(dir, 'harness.sh'), dir], {
    cwd,
    env: { ...env, HOME: dir },
    stdio: ['ignore', out, out],
    timeout: timeoutMs,
  });
  closeSync(out);
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
  const leftovers: string[] = [];
  const after = read('exports-after');
  if (after === undefined) leftovers.push('its own EXIT trap (it replaced the shell\'s)');
  else {
    const before = exportedNames(read('exports-before') ?? '');
    // PWD and OLDPWD follow a `cd`, reported below as the directory it leaves.
    const added = [...exportedNames(after)]
      .filter((e) => !before.has(e))
      .map((e) => e.replace(/=.*$/, ''))
      .filter((name) => name !== 'PWD' && name !== 'OLDPWD');
    if (added.length > 0) leftovers.push(`exported ${added.join(', ')}`);
    const endpoints = (read('endpoints') ?? '').split('\n').filter(Boolean);
    if (endpoints.length > 0) leftovers.push(`${endpoints.join(', ')} set`);
    const traps = (read('traps') ?? '').trim();
    if (traps) leftovers.push(`a trap (${traps.split('\n').join('; ')})`);
    if (read('pwd') !== cwd) leftovers.push(`the working directory changed to ${read('pwd') ?? '?'}`);
  }
  const running = result.pid === undefined ? [] : processesInSession(result.pid);
  for (const p of running) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // SIGKILL is delivered asynchronously: wait (at most 2 s) until none of them runs any more.
  for (let i = 0; i < 40 && result.pid !== undefined && processesInSession(result.pid).length > 0; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  if (running.length > 0) leftovers.push(`running processes: ${running.map((p) => p.args.slice(0, 80)).join('; ')}`);
  const output = read('output') ?? '';
  rmSync(dir, { recursive: true, force: true });
  return { status: result.status, signal: result.signal, output: `${output}${result.error ? `\n${result.error.message}` : ''}`, leftovers };
}

/** The processes of session `sid` (setsid made the harness a session leader: its pid is the sid). */
function processesInSession(sid: number): { pid: number; args: string }[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,sid=,stat=,args='], { encoding: 'utf8' });
  return (ps.stdout ?? '')
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    // Zombies (stat Z) have ended: only their parent has yet to collect their status.
    .flatMap((m) => (m && Number(m[2]) === sid && Number(m[1]) !== sid && !m[3]?.startsWith('Z') ? [{ pid: Number(m[1]), args: m[4] ?? '' }] : []));
}

/** Output name -> 'string' | 'number' | 'boolean' for each LambdaStep function, from the return type of its `run`. */
export function lambdaStepOutputs(): Record<string, Record<string, string>> {
  const files = readdirSync(join(ROOT, 'handlers'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ROOT, 'handlers', f));
  const program = ts.createProgram(files, {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const kindOf = (type: ts.Type): string => {
    if (type.flags & ts.TypeFlags.NumberLike) return 'number';
    if (type.flags & ts.TypeFlags.BooleanLike) return 'boolean';
    if (type.isUnion() && type.types.every((t) => t.flags & ts.TypeFlags.BooleanLike)) return 'boolean';
    return 'string'; // strings, and lists or objects, which the contract returns as JSON strings
  };
  const found: Record<string, Record<string, string>> = {};
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node) && node.expression.getText(source) === 'defineLambdaStep') {
        const definition = node.arguments[0];
        if (definition && ts.isObjectLiteralExpression(definition)) {
          const prop = (name: string) =>
            definition.properties.find((p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === name);
          const name = prop('name');
          const run = prop('run');
          const fn = run && ts.isPropertyAssignment(run) ? run.initializer : run;
          if (name && ts.isPropertyAssignment(name) && ts.isStringLiteral(name.initializer) && fn && ts.isFunctionLike(fn)) {
            const signature = checker.getSignatureFromDeclaration(fn);
            const returned = signature && checker.getAwaitedType(checker.getReturnTypeOfSignature(signature));
            if (returned) {
              found[name.initializer.text] = Object.fromEntries(
                checker.getPropertiesOfType(returned).map((p) => [p.name, kindOf(checker.getNonNullableType(checker.getTypeOfSymbol(p)))]),
              );
            }
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The fan-in callback's outputs and their types, from the function that builds them. */
function fanInOutputTypes(): Record<string, string> {
  const outputs = fanInOutputs({
    parentExecutionArn: 'arn',
    callbackToken: 'token',
    state: 'COMPLETING',
    total: 2,
    endedCount: 2,
    succeeded: 1,
    failed: 1,
    stopped: 0,
    pendingCount: 0,
    failOnChildFailure: false,
    maxConcurrency: 10,
    failedChildren: ['0002|child-item-2'],
  });
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [k, /^\d+$/.test(v) ? 'integer' : /^(true|false)$/.test(v) ? 'boolean' : 'string']),
  );
}

function runPythonChecks(snippets: Pick<Block, 'file' | 'line' | 'code'>[], expected: object): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'check-docs-py-'));
  writeFileSync(join(dir, 'snippets.json'), JSON.stringify(snippets));
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected));
  const result = spawnSync('python3', [join(ROOT, 'scripts/check-docs.py'), join(dir, 'snippets.json'), join(dir, 'expected.json')], {
    encoding: 'utf8',
  });
  rmSync(dir, { recursive: true, force: true });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** A snippet with the mistakes the checker exists for: if it passes, the checker has gone blind. */
const KNOWN_BAD_SNIPPET = [
  '# SageMaker Python SDK v2',
  'from sagemaker.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep',
  'from sagemaker.mlops.workflow.callback_step import CallbackStep',
  'START_ARN = "arn:aws:lambda:us-east-1:111122223333:function:sagemaker-pipeline-functions-prod-startChildPipelines"',
  'prefixed = LambdaStep(name="P", lambda_func=Lambda(function_arn=FUNCTIONS_ARN + "concat"))',
  'start = LambdaStep(name="S", lambda_func=Lambda(function_arn=START_ARN), timeout=600,',
  '    outputs=[LambdaOutput(output_name="startedCount", output_type=LambdaOutputTypeEnum.String),',
  '             LambdaOutput(output_name="started", output_type=LambdaOutputTypeEnum.Integer)])',
].join('\n');
const KNOWN_BAD_FINDINGS = [
  'takes no argument timeout',
  'not in the SageMaker Python SDK v2',
  'not a prefix plus a name',
  'returns no "started"',
  'declared String',
];

function checkPython(blocks: Block[]): void {
  const outputs = lambdaStepOutputs();
  if (Object.keys(outputs).length < 7) problem(`scripts/check-docs.ts: found the outputs of ${Object.keys(outputs).length} LambdaStep functions only`);
  const expected = { ...outputs, fanIn: fanInOutputTypes() };
  const selfTest = runPythonChecks([{ file: 'self-test', line: 1, code: KNOWN_BAD_SNIPPET }], expected);
  const missed = KNOWN_BAD_FINDINGS.filter((finding) => !selfTest.output.includes(finding));
  if (selfTest.ok || missed.length > 0) problem(`scripts/check-docs.py no longer reports: ${missed.join('; ') || 'any problem'}`);
  const result = runPythonChecks(
    blocks.map(({ file, line, code }) => ({ file, line, code })),
    expected,
  );
  process.stdout.write(result.output);
  if (!result.ok) problem('python snippets: see above');
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
export function headingSlugs(markdown: string): Set<string> {
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set(
    [...text.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map((m) =>
      (m[1] ?? '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

function checkLinks(files: string[]): void {
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const [target = '', anchor] = (match[1] ?? '').split('#');
      if (/^[a-z]+:/.test(target)) continue;
      const path = target ? resolve(ROOT, dirname(file), target) : join(ROOT, file);
      if (!existsSync(path)) problem(`${file}: link to ${target}, which does not exist`);
      else if (anchor && path.endsWith('.md') && !headingSlugs(readFileSync(path, 'utf8')).has(anchor)) {
        problem(`${file}: link to ${match[1]}: no such heading`);
      }
    }
  }
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const page of files.filter((f) => f.startsWith('docs/'))) {
    if (!readme.includes(`](${page}`)) problem(`README.md does not link ${page}`);
  }
  const size = statSync(join(ROOT, 'README.md')).size;
  if (size > README_MAX_BYTES) problem(`README.md is ${size} bytes (at most ${README_MAX_BYTES})`);
}

/**
 * Every command against a deployed stack (`sls deploy`, `info`, `remove`, `invoke` but `invoke local`) names its
 * stage and region, or osls reads the `dev` stack of the default region; within a page, all name the same ones.
 */
export function stageProblems(file: string, text: string): string[] {
  const found: string[] = [];
  const pairs = new Set<string>();
  for (const match of text.matchAll(/\bnpx sls (?:deploy|info|remove|invoke(?! local))\b[^\n`]*(?:\\\n[^\n`]*)*/g)) {
    const command = match[0];
    const stage = /--stage[ =](\S+)/.exec(command)?.[1];
    const region = /--region[ =](\S+)/.exec(command)?.[1];
    if (!stage || !region) found.push(`${file}: "${command.split('\n')[0]}" needs --stage and --region`);
    else pairs.add(`--stage ${stage} --region ${region}`);
  }
  if (pairs.size > 1) found.push(`${file}: the commands name different stages or regions: ${[...pairs].join('; ')}`);
  return found;
}

/** Every `docs/<page>.md` the code, the scripts and the configuration name must exist. */
function checkPointers(): void {
  const sources = ['serverless.yml', 'package.json'];
  for (const dir of ['config', 'handlers', 'lib', 'infra', 'scripts', 'bench', 'doubles', '.ci']) {
    const walk = (d: string): void => {
      if (!existsSync(join(ROOT, d))) return;
      for (const entry of readdirSync(join(ROOT, d), { withFileTypes: true })) {
        const path = join(d, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(ts|js|json|sh|yml)$|^run$/.test(entry.name)) sources.push(path);
      }
    };
    walk(dir);
  }
  for (const source of sources) {
    const text = readFileSync(join(ROOT, source), 'utf8');
    for (const match of text.matchAll(/\bdocs\/[\w.-]+\.md/g)) {
      if (!existsSync(join(ROOT, match[0]))) problem(`${source} names ${match[0]}, which does not exist`);
    }
  }
}

function main(): void {
  const run = !process.argv.includes('--no-run');
  const files = pages();
  const blocks = files.flatMap((file) => fencedBlocks(file, readFileSync(join(ROOT, file), 'utf8')));
  checkLinks(files);
  checkPointers();
  for (const file of files) stageProblems(file, readFileSync(join(ROOT, file), 'utf8')).forEach(problem);
  checkPython(blocks.filter((b) => b.lang === 'python'));
  const ciRun = readFileSync(join(ROOT, '.ci/run'), 'utf8');
  for (const block of blocks.filter((b) => ['bash', 'sh', 'shell'].includes(b.lang))) {
    const first = commands(block.code).find((c) => c !== '(') ?? '';
    console.log(`${block.file}:${block.line}  ${first.slice(0, 70)}  -> ${runShellBlock(block, ciRun, run)}`);
  }
  if (problems.length > 0) {
    console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`docs checked: ${files.map((f) => relative(ROOT, join(ROOT, f))).join(', ')}`);
}

if (require.main === module) main();
