/** Builds a handler's bundle as serverless.yml's custom.esbuild does (unminified, for reading), with the project's esbuild plugins. */
import { build, type Metafile, type Plugin } from 'esbuild';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugins = require('../../infra/esbuild/plugins.js') as Plugin[];

/** Bundles `handlers/<handler>.ts` into `<out>/handlers/`: the bundle, its main SDK sidecar, and esbuild's metafile. */
export async function bundleHandler(handler: string, out: string): Promise<{ file: string; sidecar: string; metafile: Metafile }> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [`handlers/${handler}.ts`],
    outdir: join(out, 'handlers'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    plugins,
    logLevel: 'silent',
  });
  if (!result.metafile) throw new Error('no metafile');
  return { file: join(out, 'handlers', `${handler}.js`), sidecar: join(out, 'handlers', `${handler}.aws.js`), metafile: result.metafile };
}
