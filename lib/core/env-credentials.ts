/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (infra/esbuild/plugins.js):
 * credentials come from the environment, where Lambda and `sls invoke local` put them.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
