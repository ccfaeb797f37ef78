import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { defaultProvider, EMULATOR_CREDENTIALS, hasEndpointOverride } from '../../../lib/core/env-credentials';
import { ConfigurationError } from '../../../lib/core/errors';

const KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_GLUE'];

describe('env-credentials (the bundles\' credential chain)', () => {
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  beforeEach(() => KEYS.forEach((k) => delete process.env[k]));
  afterAll(() => KEYS.forEach((k) => (saved[k] === undefined ? delete process.env[k] : (process.env[k] = saved[k]))));

  it('returns the environment\'s credentials when they are set (Lambda)', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDLAMBDA', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('signs with dummy keys when an endpoint override is set and the environment has none', async () => {
    process.env.AWS_ENDPOINT_URL_GLUE = 'http://localhost:4566';
    await expect(defaultProvider()()).resolves.toEqual(EMULATOR_CREDENTIALS);
  });

  it('fails naming what to set when there are neither credentials nor an endpoint override', async () => {
    const failure = defaultProvider()();
    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY\).*AWS_PROFILE.*AWS_ENDPOINT_URL/);
  });

  it('lets the docs\' offline recipe fail at the network call, not at the credentials', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    const glue = new GlueClient({ region: 'us-east-1', maxAttempts: 1, credentialDefaultProvider: defaultProvider });
    await expect(glue.send(new GetTableCommand({ DatabaseName: 'd', Name: 't' }))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('counts only AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> as endpoint overrides', () => {
    expect(hasEndpointOverride({ AWS_ENDPOINT_URL: 'http://x' })).toBe(true);
    expect(hasEndpointOverride({ AWS_ENDPOINT_URL_DYNAMODB: 'http://x' })).toBe(true);
    expect(hasEndpointOverride({ AWS_ENDPOINT_URL: '' })).toBe(false);
    expect(hasEndpointOverride({ AWS_ENDPOINT_URLS: 'http://x', MY_AWS_ENDPOINT_URL: 'http://x' })).toBe(false);
  });
});
