// A local osls plugin: after osls has compiled the template, run the AWS limits check over it
// (infra/limits.ts) and fail `sls package`/`sls deploy` with one message naming the option and the
// limit; before packaging, print the configuration's warnings (shipped examples, alarms to nobody).
'use strict';

const { stackOf } = require('./serverless');

const load = (file) => (process.env.JEST_WORKER_ID ? require(file) : require('tsx/cjs/api').require(file, __filename));

class PackageCheck {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.log = log;
    const provider = () => serverless.getProvider('aws');
    this.hooks = {
      'before:package:initialize': () => {
        const { config } = stackOf(provider().getStage());
        for (const warning of load('./stack.ts').deployWarnings(config)) {
          if (this.log) this.log.warning(warning);
          else process.stderr.write(`Warning: ${warning}\n`);
        }
      },
      'before:aws:package:finalize:saveServiceState': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        const violations = load('./limits.ts').checkTemplateLimits(template);
        if (violations.length > 0) {
          throw new serverless.classes.Error(violations.map((v) => v.message).join('\n'));
        }
      },
    };
  }
}

module.exports = PackageCheck;
