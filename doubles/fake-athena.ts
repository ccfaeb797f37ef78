/**
 * An in-memory Athena: queries move QUEUED -> RUNNING -> SUCCEEDED/FAILED/CANCELLED one state per
 * GetQueryExecution call, following a script chosen by the statement; results page with NextToken.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type AthenaError,
  type GetQueryExecutionCommandInput,
  type GetQueryExecutionCommandOutput,
  type GetQueryResultsCommandInput,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
  type StartQueryExecutionCommandInput,
  type StartQueryExecutionCommandOutput,
} from '@aws-sdk/client-athena';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { awsError, CallLog } from './aws-error';

export interface QueryScript {
  /** States reported by successive GetQueryExecution calls; the last one sticks. */
  states: QueryExecutionState[];
  rows?: string[][];
  reason?: string;
  athenaError?: AthenaError;
}

interface QueryState {
  input: StartQueryExecutionCommandInput;
  script: QueryScript;
  polls: number;
}

export class FakeAthena {
  readonly log: CallLog;
  readonly queries = new Map<string, QueryState>();
  private readonly scripts: Array<{ match: (sql: string) => boolean; script: QueryScript | ((sql: string) => QueryScript) }> = [];
  private counter = 0;

  constructor(options: { latencyMs?: number } = {}) {
    this.log = new CallLog(options.latencyMs ?? 0);
  }

  /**
   * Statements matching `match` follow `script`, or the script it returns when the statement starts
   * (first match wins; default: QUEUED, RUNNING, SUCCEEDED, no rows).
   */
  on(match: RegExp | ((sql: string) => boolean), script: QueryScript | ((sql: string) => QueryScript)): this {
    this.scripts.push({ match: typeof match === 'function' ? match : (sql) => match.test(sql), script });
    return this;
  }

  statements(): string[] {
    return [...this.queries.values()].map((q) => q.input.QueryString ?? '');
  }

  async startQueryExecution(input: StartQueryExecutionCommandInput): Promise<StartQueryExecutionCommandOutput> {
    await this.log.enter('StartQueryExecution');
    const sql = input.QueryString ?? '';
    if (sql.length === 0 || Buffer.byteLength(sql) > 262_144) throw awsError('InvalidRequestException', 'QueryString length must be 1 to 262144');
    const found = this.scripts.find((s) => s.match(sql))?.script ?? { states: ['QUEUED', 'RUNNING', 'SUCCEEDED'] };
    const script = typeof found === 'function' ? found(sql) : found;
    const id = `00000000-0000-4000-8000-${String(++this.counter).padStart(12, '0')}`;
    this.queries.set(id, { input, script, polls: 0 });
    return { $metadata: { httpStatusCode: 200 }, QueryExecutionId: id };
  }

  private query(id: string | undefined): QueryState {
    const q = this.queries.get(id ?? '');
    if (!q) throw awsError('InvalidRequestException', `QueryExecution ${id} was not found`);
    return q;
  }

  private state(q: QueryState): QueryExecutionState {
    const states = q.script.states;
    return states[Math.min(q.polls, states.length) - 1] ?? states[0] ?? 'QUEUED';
  }

  async getQueryExecution(input: GetQueryExecutionCommandInput): Promise<GetQueryExecutionCommandOutput> {
    await this.log.enter('GetQueryExecution');
    const q = this.query(input.QueryExecutionId);
    q.polls++;
    const state = this.state(q);
    const failed = state === 'FAILED' || state === 'CANCELLED';
    return {
      $metadata: { httpStatusCode: 200 },
      QueryExecution: {
        QueryExecutionId: input.QueryExecutionId,
        Query: q.input.QueryString,
        Status: {
          State: state,
          StateChangeReason: failed ? q.script.reason : undefined,
          AthenaError: failed ? q.script.athenaError : undefined,
        },
      },
    };
  }

  async getQueryResults(input: GetQueryResultsCommandInput): Promise<GetQueryResultsCommandOutput> {
    await this.log.enter('GetQueryResults');
    const q = this.query(input.QueryExecutionId);
    if (this.state(q) !== 'SUCCEEDED') throw awsError('InvalidRequestException', `Query has not yet finished. Current state: ${this.state(q)}`);
    const max = input.MaxResults ?? 1000;
    if (max < 1 || max > 1000) throw awsError('InvalidRequestException', 'MaxResults must be 1 to 1000');
    const rows = q.script.rows ?? [];
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = rows.slice(start, start + max);
    return {
      $metadata: { httpStatusCode: 200 },
      ResultSet: { Rows: page.map((cells) => ({ Data: cells.map((c) => ({ VarCharValue: c })) })) },
      NextToken: start + max < rows.length ? String(start + max) : undefined,
    };
  }

  attach(mock: AwsClientStub<AthenaClient>): this {
    mock.on(StartQueryExecutionCommand).callsFake((i: StartQueryExecutionCommandInput) => this.startQueryExecution(i));
    mock.on(GetQueryExecutionCommand).callsFake((i: GetQueryExecutionCommandInput) => this.getQueryExecution(i));
    mock.on(GetQueryResultsCommand).callsFake((i: GetQueryResultsCommandInput) => this.getQueryResults(i));
    return this;
  }
}
