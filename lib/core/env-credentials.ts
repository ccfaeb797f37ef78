/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (infra/esbuild/plugins.js):
 * credentials come from the environment, where Lambda and `sls invoke local` put them.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { ConfigurationError } from './errors';

type EnvInit = Parameters<typeof fromEnv>[0];

/** What is signed with when an endpoint override is set and the environment holds no credentials. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** True when AWS_ENDPOINT_URL or an AWS_ENDPOINT_URL_<SERVICE> variable is set (an emulator). */
export const hasEndpointOverride = (env: NodeJS.ProcessEnv = process.env): boolean =>
  Object.entries(env).some(([key, value]) => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(key) && Boolean(value));

export const NO_CREDENTIALS_MESSAGE =
  'No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). Under `sls invoke local` ' +
  'give a profile (AWS_PROFILE=<name> or --aws-profile <name>) or set those variables; for a local emulator ' +
  'set AWS_ENDPOINT_URL (docs/troubleshooting.md)';

/**
 * The environment's credentials. On Lambda they are always there. Locally, with no credentials but an
 * endpoint override, it signs with fixed dummy keys (emulators accept any), so that a call reaches
 * the endpoint and fails, or succeeds, there; with neither, it fails naming what to set.
 */
export const defaultProvider = (init?: EnvInit) => {
  const fromEnvironment = fromEnv(init);
  return async (...args: Parameters<typeof fromEnvironment>) => {
    try {
      return await fromEnvironment(...args);
    } catch (error) {
      if (hasEndpointOverride()) return { ...EMULATOR_CREDENTIALS };
      throw new ConfigurationError(NO_CREDENTIALS_MESSAGE, { cause: error });
    }
  };
};
