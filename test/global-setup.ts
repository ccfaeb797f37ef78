// The integration project packages the stack once per run, afresh (never a template left by an earlier
// run): every test that reads the packaged template shares it (test/helpers/packaged-template.ts).
import { packageStack } from './helpers/packaged-template';

export default function globalSetup(): void {
  packageStack({ fresh: true });
}
