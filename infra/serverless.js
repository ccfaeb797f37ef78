// What serverless.yml reads from the TypeScript stack builder (infra/stack.ts), e.g.
// `functions: ${file(infra/serverless.js):functions}`. The configuration is validated once per stage;
// a bad one prints its message once, to stderr, and ends the command (exit 1) before osls wraps it
// in variable-resolution errors. Under jest, ts-jest compiles the TypeScript; elsewhere tsx does.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const CONFIG_FILE = path.join(__dirname, '..', 'config', 'post-processing.json');

/** infra/stack.ts, compiled by tsx outside jest. */
const stackModule = () =>
  process.env.JEST_WORKER_ID ? require('./stack.ts') : require('tsx/cjs/api').require('./stack.ts', __filename);

/** Prints the message once and ends the command: osls would repeat it inside its own errors. */
function fail(error) {
  process.stderr.write(`\n${error.message}\n\n`);
  process.exit(1);
}

/** The config file, validated (throws naming the bad field). */
function readConfig(stack) {
  const source = path.relative(path.join(__dirname, '..'), CONFIG_FILE);
  let raw;
  try {
    raw = JSON.parse(fs.readFileSync(CONFIG_FILE, 'utf8'));
  } catch (error) {
    throw new Error(`Invalid ${source}: not readable JSON (${error.message})`);
  }
  return stack.parsePostProcessingConfig(raw, source);
}

const built = new Map();
/** The stack of a stage, built once. */
function stackOf(stage) {
  const key = stage;
  if (!built.has(key)) {
    try {
      const stack = stackModule();
      const config = readConfig(stack);
      built.set(key, { config, deploy: stack.deployOptions(config), ...stack.buildStack(stage, config) });
    } catch (error) {
      fail(error);
    }
  }
  return built.get(key);
}

const fromStage = (pick) => async ({ resolveVariable }) => pick(stackOf(await resolveVariable('sls:stage')));

module.exports = {
  stackOf,
  stackName: fromStage((s) => s.stackName),
  environment: fromStage((s) => s.environment),
  functions: fromStage((s) => s.functions),
  resources: fromStage((s) => s.Resources),
  outputs: fromStage((s) => s.Outputs),
  logRetentionInDays: fromStage((s) => s.deploy.logRetentionInDays),
  tags: fromStage((s) => (s.deploy.costAllocationTag ? { [s.deploy.costAllocationTag.key]: s.deploy.costAllocationTag.value } : {})),
  vpc: fromStage((s) => s.deploy.vpc ?? null),
};
