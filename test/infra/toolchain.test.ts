import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const engines = (file: string): string | undefined =>
  (JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as { engines?: { node?: string } }).engines?.node;

describe('the supported Node.js versions', () => {
  it("are package.json's engines, the toolchain's narrowest range (osls's), not a wider promise", () => {
    expect(engines('package.json')).toBe(engines('node_modules/osls/package.json'));
  });

  it('include the version the functions run on (serverless.yml runtime)', () => {
    const runtime = Number(/^\s*runtime:\s*nodejs(\d+)\.x\s*$/m.exec(fs.readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'))?.[1]);
    const openEnded = Number(/>=\s*(\d+)$/.exec(engines('package.json') ?? '')?.[1]);
    expect(runtime).toBeGreaterThanOrEqual(openEnded);
  });
});
