/**
 * The template `sls package` writes for the default stage, packaged once per run: the integration
 * project's globalSetup (test/global-setup.ts) packages it afresh before the tests; a test file run
 * on its own outside that project packages it on first use (under a lock on .esbuild/, as sls
 * commands of one checkout must not run at once).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const TEMPLATE = path.join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');
const LOCK = path.join(ROOT, '.esbuild', '.sls-package.lock');

export interface PackagedTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  Outputs?: Record<string, unknown>;
}

/** Runs `sls package` in the checkout, holding the lock, unless the template is there (or `fresh`). */
export function packageStack({ fresh = false } = {}): void {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than 10 minutes belongs to a run that died.
      if (Date.now() - fs.statSync(LOCK).mtimeMs > 600_000) fs.rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() - started > 300_000) throw new Error(`another sls command holds ${LOCK}`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    if (fresh) fs.rmSync(TEMPLATE, { force: true });
    if (fs.existsSync(TEMPLATE)) return;
    // sls runs as on a workstation: not as a jest worker (infra/serverless.js then loads TypeScript with tsx).
    const { JEST_WORKER_ID: _worker, ...env } = process.env;
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'sls'), ['package'], {
      cwd: ROOT,
      env: { ...env, HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'sls-home-')), AWS_REGION: 'us-east-1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

let cached: PackagedTemplate | undefined;
/** The packaged template (`.serverless/cloudformation-template-update-stack.json`). */
export function packagedTemplate(): PackagedTemplate {
  if (!cached) {
    if (!fs.existsSync(TEMPLATE)) packageStack();
    cached = JSON.parse(fs.readFileSync(TEMPLATE, 'utf8')) as PackagedTemplate;
  }
  return cached;
}
