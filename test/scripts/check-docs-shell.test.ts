import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInShell } from '../../scripts/check-docs';

const cwd = mkdtempSync(join(tmpdir(), 'recipe-'));
const run = (code: string) => runInShell(code, cwd, process.env, 20_000);

// Running: the process exists and is not a zombie (ended, its status not yet collected).
const running = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe('check-docs runInShell', () => {
  it('reports an endpoint exported by a recipe, as a terminal would keep it', () => {
    const result = run('export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1\ntrue');

    expect(result.status).toBe(0);
    expect(result.leftovers).toEqual(['exported AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS', 'AWS_ENDPOINT_URL set']);
  });

  it('reports an endpoint variable set without export', () => {
    expect(run('AWS_ENDPOINT_URL_GLUE=http://127.0.0.1:1').leftovers).toEqual(['AWS_ENDPOINT_URL_GLUE set']);
  });

  it('reports a trap set in the reader\'s shell, and one that replaces its EXIT trap', () => {
    expect(run("trap 'echo bye' INT").leftovers).toEqual(["a trap (trap -- 'echo bye' SIGINT)"]);
    expect(run("trap 'echo bye' EXIT").leftovers).toEqual(["its own EXIT trap (it replaced the shell's)"]);
  });

  it('reports a change of directory', () => {
    expect(run('cd /').leftovers).toEqual(['the working directory changed to /']);
  });

  it('reports and stops a process left running, even one a subshell started', () => {
    const result = run('sleep 300 &\n( sleep 301 & )\necho "pid $!"');

    expect(result.leftovers).toHaveLength(1);
    expect(result.leftovers[0]).toMatch(/^running processes: .*sleep 30[01].*sleep 30[01]/);
    const pid = Number(/pid (\d+)/.exec(result.output)?.[1]);
    expect(running(pid)).toBe(false);
  });

  it('reports what a failing recipe leaves too', () => {
    const result = run('export AWS_ENDPOINT_URL=http://127.0.0.1:9\nfalse\necho unreachable');

    expect(result.status).toBe(1);
    expect(result.output).not.toContain('unreachable');
    expect(result.leftovers).toContain('exported AWS_ENDPOINT_URL');
  });

  it('finds nothing left by a recipe that keeps to a subshell and command prefixes', () => {
    const result = run(
      [
        'AWS_ENDPOINT_URL=http://127.0.0.1:9 bash -c \'echo "$AWS_ENDPOINT_URL"\'',
        '(',
        '  export AWS_ENDPOINT_URL_GLUE=http://127.0.0.1:1',
        '  sleep 300 &',
        '  trap \'kill $!\' EXIT',
        '  cd /',
        ')',
      ].join('\n'),
    );

    expect(result).toMatchObject({ status: 0, leftovers: [] });
    expect(result.output).toContain('http://127.0.0.1:9');
  });
});
