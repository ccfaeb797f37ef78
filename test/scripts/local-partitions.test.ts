import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const run = (...args: string[]) =>
  spawnSync('node', ['--import', 'tsx', 'scripts/local-partitions.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

describe('scripts/local-partitions.ts', () => {
  it('runs each command with the endpoints in its environment only, stops at the first failure, and exits with its status', () => {
    const result = run(
      '--',
      'bash',
      '-c',
      'echo "glue at $AWS_ENDPOINT_URL_GLUE, athena at $AWS_ENDPOINT_URL_ATHENA"',
      '--',
      'bash',
      '-c',
      'exit 3',
      '--',
      'echo',
      'never run',
    );

    expect(result.status).toBe(3);
    expect(result.stdout).toMatch(/^glue at http:\/\/127\.0\.0\.1:\d+, athena at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(result.stdout).not.toContain('never run');
    expect(result.stdout).toContain('local catalog partitions: none');
  });

  it('prints the catalog the commands left, one partition a line', () => {
    const result = run('--sample', '--', 'true');

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('  sales_db.orders process_date=2021-12-14/shard=0 s3://data-bucket/warehouse/orders/process_date=2021-12-14/shard=0/');
  });

  it('refuses an option it does not know, naming it', () => {
    const result = run('--smaple', '--', 'true');

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown option --smaple');
  });
});
