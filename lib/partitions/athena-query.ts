/**
 * Runs one Athena statement (adapter: takes the Athena client): start it, poll with backoff within
 * the invocation's remaining time, read its result rows page by page.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { DeadlineError, PartialFailureError } from '../core/errors';

/** An Athena query ended FAILED or CANCELLED; the message carries Athena's reason and the query id. */
export class QueryFailedError extends PartialFailureError {
  override name = 'QueryFailedError';
}

export interface QueryRequest {
  sql: string;
  database?: string;
  workGroup?: string;
  outputLocation?: string;
}

export interface PollOptions {
  remainingTimeMs: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Time kept for the function's own work after the last poll. */
  marginMs?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Starts a query; returns its id. */
export async function startQuery(athena: AthenaClient, request: QueryRequest): Promise<string> {
  const out = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: request.sql,
      QueryExecutionContext: request.database ? { Database: request.database } : undefined,
      WorkGroup: request.workGroup,
      ResultConfiguration: request.outputLocation ? { OutputLocation: request.outputLocation } : undefined,
    }),
  );
  if (!out.QueryExecutionId) throw new Error('StartQueryExecution returned no QueryExecutionId');
  return out.QueryExecutionId;
}

/**
 * Polls until the query ends, doubling the delay up to `maxDelayMs`. Throws a DeadlineError (with the
 * query id) when the next wait would eat into the margin, and a QueryFailedError on FAILED/CANCELLED.
 */
export async function waitForQuery(athena: AthenaClient, queryExecutionId: string, options: PollOptions): Promise<QueryExecution> {
  const sleep = options.sleep ?? defaultSleep;
  const margin = options.marginMs ?? 5000;
  const maxDelay = options.maxDelayMs ?? 5000;
  let delay = options.firstDelayMs ?? 250;
  for (;;) {
    const out = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    const execution = out.QueryExecution ?? {};
    const state = execution.Status?.State ?? 'UNKNOWN';
    if (state === 'SUCCEEDED') return execution;
    if (TERMINAL.has(state)) {
      const status = execution.Status;
      const reason = status?.AthenaError?.ErrorMessage ?? status?.StateChangeReason ?? 'no reason given';
      const category = status?.AthenaError?.ErrorType !== undefined ? ` (error type ${status.AthenaError.ErrorType})` : '';
      throw new QueryFailedError(`Athena query ${queryExecutionId} ${state}: ${reason}${category}`);
    }
    if (options.remainingTimeMs() - delay < margin) {
      throw new DeadlineError(
        `Athena query ${queryExecutionId} still ${state} when the invocation ran out of time; it goes on in Athena: check it with get-query-execution`,
      );
    }
    await sleep(delay);
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** Every result row's cells (strings; null cells as ''), all pages. */
export async function readQueryRows(athena: AthenaClient, queryExecutionId: string): Promise<string[][]> {
  const rows: string[][] = [];
  let token: string | undefined;
  do {
    const out = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: token, MaxResults: 1000 }));
    for (const row of out.ResultSet?.Rows ?? []) rows.push((row.Data ?? []).map((d) => d.VarCharValue ?? ''));
    token = out.NextToken;
  } while (token);
  return rows;
}
