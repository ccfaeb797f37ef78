/**
 * Local Glue, Athena, S3 and SageMaker stand-ins for running the partition functions offline
 * (createPartitions, repairTable, onPipelineExecutionStatus), backed by the tests' doubles: Glue's batch
 * limits, paging and per-entry errors, S3's listing order and paging, Athena's query states, with
 * MSCK REPAIR TABLE and ALTER TABLE ADD PARTITION carried out on the local catalog (doubles/athena-ddl.ts).
 * One process serves all four, because Athena's statements change the same catalog and read the same S3.
 *
 *   node --import tsx scripts/local-partitions.ts [--sample] [s3://bucket/prefix/=dir ...] [-- command ...] [-- command ...]
 *
 * `--sample` loads the sample world (doubles/sample-partitions.ts: events/data/ as S3, the sample
 * tables, the post-processing samples' execution). It prints AWS_ENDPOINT_URL_GLUE=..., _ATHENA, _S3,
 * _SAGEMAKER, then one line per call. Each `-- command ...` runs in turn, with those variables set in
 * its environment only, until one fails (a command that holds `--` itself goes through `bash -c`);
 * then it prints the partitions the local catalog holds and exits with the last command's status.
 * With no command it serves until stopped (Ctrl-C, or a signal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { listen, jsonListener, type Reply, type Served } from '../doubles/aws-json-http';
import { hiveDdl } from '../doubles/athena-ddl';
import { FakeAthena } from '../doubles/fake-athena';
import { FakeGlue } from '../doubles/fake-glue';
import { FakeS3 } from '../doubles/fake-s3';
import { s3Listener } from '../doubles/fake-s3-http';
import { FakeSageMakerExecutions } from '../doubles/fake-sagemaker-executions';
import { athenaService, glueService, sageMakerExecutionsService } from '../doubles/partition-services-http';
import { loadSample, sampleDirectories } from '../doubles/sample-partitions';
import { bodiesFromDirectories, loadS3Directories, parseS3Directory } from '../doubles/s3-directories';

type Input = Record<string, unknown>;

const values = (list: unknown): string =>
  (Array.isArray(list) ? list : []).map((p) => JSON.stringify((p as { Values?: unknown }).Values ?? p)).join(' ');

/** One short line per call: what a reader of the recipe wants to see of it. */
function describeCall(service: string, operation: string, body: string, reply: Reply): string {
  let input: Input = {};
  let output: Input = {};
  try {
    input = JSON.parse(body || '{}') as Input;
    output = JSON.parse(reply.body) as Input;
  } catch {
    // shown as is below
  }
  const table = input.DatabaseName ? `${String(input.DatabaseName)}.${String(input.TableName ?? input.Name ?? '')}` : '';
  let detail = '';
  if (reply.statusCode !== 200) detail = `-> ${String(output.__type ?? reply.statusCode)}: ${String(output.message ?? '')}`;
  else if (operation === 'BatchCreatePartition') {
    const errors = (output.Errors as Array<{ PartitionValues?: string[]; ErrorDetail?: { ErrorCode?: string } }> | undefined) ?? [];
    const refused = new Set(errors.map((e) => JSON.stringify(e.PartitionValues)));
    const created = ((input.PartitionInputList as Input[] | undefined) ?? []).filter((p) => !refused.has(JSON.stringify(p.Values)));
    detail = `created ${created.length}: ${values(created)}${errors.length ? `; per-entry errors: ${errors.map((e) => `${JSON.stringify(e.PartitionValues)} ${e.ErrorDetail?.ErrorCode ?? ''}`).join(', ')}` : ''}`;
  } else if (operation === 'BatchGetPartition') {
    detail = `${((input.PartitionsToGet as unknown[]) ?? []).length} asked, ${((output.Partitions as unknown[]) ?? []).length} found`;
  } else if (operation === 'GetPartitions') detail = `${((output.Partitions as unknown[]) ?? []).length} partitions${output.NextToken ? ', more' : ''}`;
  else if (operation === 'StartQueryExecution') detail = `${String(output.QueryExecutionId)}:\n    ${String(input.QueryString ?? '').replace(/\n/g, '\n    ')}`;
  else if (operation === 'GetQueryExecution') {
    const status = (output.QueryExecution as { Status?: { State?: string } } | undefined)?.Status;
    detail = `${String(input.QueryExecutionId)} ${status?.State ?? ''}`;
  } else if (operation === 'GetQueryResults') {
    const rows = ((output.ResultSet as { Rows?: Array<{ Data?: Array<{ VarCharValue?: string }> }> } | undefined)?.Rows ?? []).map((r) =>
      (r.Data ?? []).map((d) => d.VarCharValue ?? '').join('\t'),
    );
    detail = rows.length ? `rows:\n    ${rows.join('\n    ')}` : 'no rows';
  } else detail = String(input.PipelineExecutionArn ?? input.ProcessingJobName ?? '');
  return `${service} ${operation} ${table} ${detail}`.replace(/ {2,}/g, ' ').trimEnd();
}

/** The partitions the catalog holds, a line each. */
function catalogLines(glue: FakeGlue): string[] {
  return glue.tableNames().flatMap((name) => {
    const [database = '', table = ''] = name.split('.');
    const keys = (glue.table(database, table).PartitionKeys ?? []).map((k) => k.Name ?? '');
    return glue
      .partitions(database, table)
      .map((p) => `  ${name} ${(p.Values ?? []).map((v, i) => `${keys[i] ?? '?'}=${v}`).join('/')} ${p.StorageDescriptor?.Location ?? ''}`)
      .sort();
  });
}

async function main() {
  const args = process.argv.slice(2);
  const dash = args.indexOf('--');
  const own = dash < 0 ? args : args.slice(0, dash);
  const commands: string[][] = [];
  for (const arg of dash < 0 ? [] : args.slice(dash)) {
    if (arg === '--') commands.push([]);
    else commands[commands.length - 1]?.push(arg);
  }
  const unknown = own.filter((a) => a.startsWith('--') && a !== '--sample');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')} (usage: local-partitions.ts [--sample] [s3://bucket/prefix/=dir ...] [-- command ...])`);

  const glue = new FakeGlue();
  const s3 = new FakeS3();
  const athena = new FakeAthena().on(() => true, hiveDdl(glue, s3));
  const sageMaker = new FakeSageMakerExecutions();
  const directories = own.filter((a) => !a.startsWith('--')).map(parseS3Directory);
  loadS3Directories(s3, directories);
  if (own.includes('--sample')) {
    loadSample({ s3, glue, sageMaker });
    directories.push(...sampleDirectories());
  }

  const log = (line: string) => console.log(line);
  const servers: Array<[string, Served]> = [
    ['GLUE', await listen(jsonListener(glueService(glue), (op, body, reply) => log(describeCall('glue', op, body, reply))))],
    ['ATHENA', await listen(jsonListener(athenaService(athena), (op, body, reply) => log(describeCall('athena', op, body, reply))))],
    ['S3', await listen(s3Listener(s3, bodiesFromDirectories(directories), (c) => log(`s3 ${c.operation} ${c.uri} ${c.status}${c.keyCount === undefined ? '' : ` (${c.keyCount} entries)`}`)))],
    ['SAGEMAKER', await listen(jsonListener(sageMakerExecutionsService(sageMaker), (op, body, reply) => log(describeCall('sagemaker', op, body, reply))))],
  ];
  const endpoints = Object.fromEntries(servers.map(([service, server]) => [`AWS_ENDPOINT_URL_${service}`, server.endpoint]));
  for (const [name, url] of Object.entries(endpoints)) log(`${name}=${url}`);

  const close = () => Promise.all(servers.map(([, server]) => server.close()));
  if (commands.length === 0) {
    const stop = () => void close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  let child: ChildProcess | undefined;
  const forward = (signal: NodeJS.Signals) => child?.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  let code = 0;
  for (const [program = '', ...programArgs] of commands) {
    const running = spawn(program, programArgs, { stdio: 'inherit', env: { ...process.env, ...endpoints } });
    child = running;
    code = await new Promise<number>((resolve) => {
      running.on('error', (error) => {
        console.error(`${program}: ${error.message}`);
        resolve(127);
      });
      running.on('exit', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
    });
    if (code !== 0) break;
  }
  const lines = catalogLines(glue);
  log(lines.length ? `local catalog partitions:\n${lines.join('\n')}` : 'local catalog partitions: none');
  await close();
  process.exit(code);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
