// esbuild plugins for the Lambda bundles (serverless.yml: custom.esbuild.plugins).
'use strict';

const path = require('node:path');

/**
 * On Lambda the SDK's default credential chain always ends at the environment variables the
 * runtime sets (and `sls invoke local` puts the resolved profile's credentials there too). The
 * chain's other providers (SSO, INI files, STS web identity, login, process, HTTP) bring their own
 * STS/SSO clients: about 80 KB per bundle that can never run. Resolve the chain to the env provider.
 */
const envCredentialsOnly = {
  name: 'env-credentials-only',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: path.join(__dirname, '..', '..', 'lib', 'core', 'env-credentials.ts'),
    }));
  },
};

module.exports = [envCredentialsOnly];
