import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'replay-failed-events.sh');
const which = (tool: string) => spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
const BASH = which('bash');

const RECORD = JSON.stringify({
  requestPayload: { id: 'event-1', detail: { pipelineExecutionArn: 'arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p/execution/e1', currentPipelineExecutionStatus: 'Succeeded' } },
});

/**
 * A PATH holding only what a test gives it, and a fake `aws` that logs its arguments and answers like
 * the CLI: one message in the queue, then an empty queue (no output).
 */
function sandbox(tools: { aws?: boolean; jq?: boolean; configuredRegion?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'replay-'));
  const bin = join(dir, 'bin');
  spawnSync('mkdir', [bin]);
  symlinkSync(which('seq'), join(bin, 'seq'));
  if (tools.jq) symlinkSync(which('jq'), join(bin, 'jq'));
  const log = join(dir, 'aws.log');
  if (tools.aws) {
    writeFileSync(join(dir, 'message.json'), JSON.stringify({ Messages: [{ Body: RECORD, ReceiptHandle: 'handle-1' }] }));
    const fake = `#!${BASH}
printf '%s\\n' "$*" >> '${log}'
case "$1 $2" in
  "configure get") [ -n '${tools.configuredRegion ?? ''}' ] && echo '${tools.configuredRegion ?? ''}' || exit 1 ;;
  "sqs get-queue-url") echo 'https://sqs.eu-west-1.amazonaws.com/111122223333/failed' ;;
  "sqs receive-message") if [ ! -e '${dir}/received' ]; then : > '${dir}/received'; echo "$(< '${dir}/message.json')"; fi ;;
esac
`;
    writeFileSync(join(bin, 'aws'), fake);
    chmodSync(join(bin, 'aws'), 0o755);
  }
  const run = (args: string[], env: Record<string, string> = {}) => {
    const result = spawnSync(BASH, [SCRIPT, ...args], { env: { PATH: bin, HOME: dir, ...env }, encoding: 'utf8', timeout: 10_000 });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  };
  return { run };
}

describe('scripts/replay-failed-events.sh', () => {
  it('refuses, naming the aws CLI, jq and the region, when none is there', () => {
    const { status, stderr, calls } = sandbox({}).run(['prod']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/missing:\n {2}- the aws CLI .*\n {2}- jq .*\n {2}- an AWS region \(--region <region>, AWS_REGION/);
    expect(calls).toEqual([]);
  });

  it('refuses naming only the region when the tools are there and no region is configured', () => {
    const { status, stderr, calls } = sandbox({ aws: true, jq: true }).run(['prod']);
    expect(status).toBe(2);
    expect(stderr).toContain('an AWS region');
    expect(stderr).not.toMatch(/aws CLI|jq/);
    expect(calls).toEqual(['configure get region']);
  });

  it('refuses naming jq alone when only jq is missing', () => {
    const { status, stderr } = sandbox({ aws: true }).run(['prod'], { AWS_REGION: 'eu-west-1' });
    expect(status).toBe(2);
    expect(stderr).toMatch(/missing:\n {2}- jq \(/);
    expect(stderr).not.toMatch(/aws CLI|region/);
  });

  it('replays the event with --region on every call, deletes the message, and stops at an empty queue', () => {
    const { status, stdout, calls } = sandbox({ aws: true, jq: true }).run(['prod', '--region', 'eu-west-1']);
    expect(status).toBe(0);
    expect(stdout).toContain('replaying event-1 arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p/execution/e1 Succeeded');
    expect(calls.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
      'sqs get-queue-url',
      'sqs receive-message',
      'lambda invoke',
      'sqs delete-message',
      'sqs receive-message',
    ]);
    for (const call of calls) expect(call).toContain('--region eu-west-1');
    expect(calls[0]).toContain('--queue-name sagemaker-pipeline-functions-prod-post-processing-failed');
    expect(calls[2]).toContain(`--payload ${JSON.stringify(JSON.parse(RECORD).requestPayload)}`);
  });

  it('takes the region from the profile and, with --dry-run, only lists', () => {
    const { status, stdout, calls } = sandbox({ aws: true, jq: true, configuredRegion: 'ap-northeast-1' }).run(['--dry-run', 'prod']);
    expect(status).toBe(0);
    expect(stdout).toContain('replaying event-1');
    expect(calls.filter((c) => /^lambda|delete-message/.test(c))).toEqual([]);
    expect(calls[1]).toContain('--region ap-northeast-1');
  });
});
