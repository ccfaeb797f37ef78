/**
 * The fan-in state in one DynamoDB table (pk, sk), written only with conditional or idempotent updates:
 * - `FANOUT#<parentExecutionArn>` / `HEADER`: callback token, total, counters, the set of ended child ids, state;
 * - `FANOUT#<parentExecutionArn>` / `CHILD#<id>`: one item per child (request, status, execution ARN);
 * - `CHILD#<childExecutionArn>` / `LOOKUP`: finds the fan-out of a child from its status event.
 * The index `by-state` (state, createdAt) holds the headers only: the sweep lists running fan-outs there.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChildStart } from './plan';

export type FanInState = 'RUNNING' | 'COMPLETING' | 'COMPLETED' | 'STOPPING' | 'STOPPED';
export type ChildStatus = 'PENDING' | 'STARTED' | 'Succeeded' | 'Failed' | 'Stopped' | 'CANCELLED';
export type EndStatus = 'Succeeded' | 'Failed' | 'Stopped';

const END_STATUSES: ReadonlySet<string> = new Set<EndStatus>(['Succeeded', 'Failed', 'Stopped']);
/** A pipeline execution status that ends the execution (what a child's end is recorded as). */
export const isEndStatus = (status: string | undefined): status is EndStatus => status !== undefined && END_STATUSES.has(status);

export interface FanInHeader {
  parentExecutionArn: string;
  callbackToken: string;
  state: FanInState;
  total: number;
  endedCount: number;
  succeeded: number;
  failed: number;
  stopped: number;
  /** Children not started yet (a hint: it may lag, never lead). */
  pendingCount: number;
  failOnChildFailure: boolean;
  maxConcurrency: number;
  /** `<id, 4 digits>|<display name>` of the children that failed or stopped. */
  failedChildren: string[];
  /** When the fan-out was recorded (ISO time). */
  createdAt?: string;
  /** When a child's end was last counted (ISO time; absent until the first, and on older records). */
  lastEndedAt?: string;
}

/** A child as the table holds it: its planned start, and what became of it. */
export interface ChildRecord extends ChildStart {
  status: ChildStatus;
  executionArn?: string;
  /** When it moved to STARTED (ISO time; absent on records written before it was kept). */
  startedAt?: string;
  /** Why it failed, when known (SageMaker's FailureReason, or the start's refusal). */
  failureReason?: string;
}

/** Longest failure reason kept on a child item. */
export const MAX_FAILURE_REASON_STORED = 1024;

/** A fan-out as the progress report reads it. */
export interface FanOutSnapshot {
  header: FanInHeader;
  children: ChildRecord[];
  reads: { getItems: number; queries: number; capacityUnits: number };
}

const FANOUT = 'FANOUT#';
const fanOutKey = (parent: string) => `${FANOUT}${parent}`;
/** The table's index of headers by state: infra/fan-out.js declares it (STATE_INDEX there, by the same name). */
export const STATE_INDEX = 'by-state';
const HEADER = 'HEADER';
const childKey = (id: number) => `CHILD#${String(id).padStart(4, '0')}`;
const lookupKey = (childArn: string) => `CHILD#${childArn}`;
/**
 * A claim (COMPLETING, STOPPING) older than this is taken as abandoned by a crashed invocation. Longer
 * than the functions that claim can run (fanOutCallback, onChildExecutionStatus and sweepFanOuts time out at 120 s),
 * so a live claim is never taken; short enough that Lambda's asynchronous retries of the event that
 * found the claim (about 1 and 3 minutes later) can take it over.
 */
export const CLAIM_LEASE_MS = 150_000;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

async function conditional<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

function toHeader(item: Record<string, unknown>): FanInHeader {
  const num = (k: string) => Number(item[k] ?? 0);
  const failed = item.failedChildren;
  return {
    parentExecutionArn: String(item.parentExecutionArn ?? ''),
    callbackToken: String(item.callbackToken ?? ''),
    state: (item.state as FanInState | undefined) ?? 'RUNNING',
    total: num('total'),
    endedCount: num('endedCount'),
    succeeded: num('succeeded'),
    failed: num('failed'),
    stopped: num('stopped'),
    pendingCount: num('pendingCount'),
    failOnChildFailure: item.failOnChildFailure !== false,
    maxConcurrency: num('maxConcurrency') || 10,
    failedChildren: failed instanceof Set ? [...(failed as Set<string>)].sort() : [],
    ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
    ...(typeof item.lastEndedAt === 'string' ? { lastEndedAt: item.lastEndedAt } : {}),
  };
}

/** DynamoDB adapter of the fan-in. */
export class FanInStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the header; false when the fan-out is already recorded (a redelivered message). */
  async create(header: Omit<FanInHeader, 'endedCount' | 'succeeded' | 'failed' | 'stopped' | 'failedChildren' | 'state' | 'createdAt' | 'lastEndedAt'>): Promise<boolean> {
    const put = () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: fanOutKey(header.parentExecutionArn), sk: HEADER, ...header, state: 'RUNNING', endedCount: 0, succeeded: 0, failed: 0, stopped: 0, createdAt: new Date(this.now()).toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    return (await conditional(put)) !== undefined;
  }

  /** An UpdateItem of the fan-out's header item. */
  private updateHeader(parent: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>) {
    return this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: { pk: fanOutKey(parent), sk: HEADER }, ...update }));
  }

  async get(parent: string): Promise<FanInHeader | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: fanOutKey(parent), sk: HEADER }, ConsistentRead: true }));
    return out.Item ? toHeader(out.Item) : undefined;
  }

  /** Records the children not recorded yet, as PENDING (an existing child is never overwritten). */
  async putChild(parent: string, child: Omit<ChildRecord, 'status'>): Promise<void> {
    await conditional(() =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: fanOutKey(parent), sk: childKey(child.id), ...child, status: 'PENDING' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async children(parent: string): Promise<ChildRecord[]> {
    const records: ChildRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :child)',
          ExpressionAttributeValues: { ':pk': fanOutKey(parent), ':child': 'CHILD#' },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      records.push(...((page.Items ?? []) as ChildRecord[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return records;
  }

  /**
   * The fan-out's header and children for a report, with what the read cost: one GetItem and one
   * Query per 1 MB page of children (eventually consistent: half the read units of the fan-in's reads).
   */
  async snapshot(parent: string): Promise<FanOutSnapshot | undefined> {
    const got = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: fanOutKey(parent), sk: HEADER }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    let capacityUnits = got.ConsumedCapacity?.CapacityUnits ?? 0;
    if (!got.Item) return undefined;
    const children: ChildRecord[] = [];
    let queries = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :child)',
          ExpressionAttributeValues: { ':pk': fanOutKey(parent), ':child': 'CHILD#' },
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      queries += 1;
      capacityUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
      children.push(...((page.Items ?? []) as ChildRecord[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return { header: toHeader(got.Item), children, reads: { getItems: 1, queries, capacityUnits } };
  }

  /**
   * The parent execution ARNs of the fan-outs in `state` created before `createdBefore` (an ISO time),
   * oldest first, from the state index (eventually consistent: the caller re-reads each header).
   */
  async fanOutsIn(state: 'RUNNING' | 'COMPLETING', createdBefore: string): Promise<string[]> {
    const parents: string[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: STATE_INDEX,
          KeyConditionExpression: '#state = :state AND createdAt < :before',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': state, ':before': createdBefore },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const pk = String(item.pk ?? '');
        if (pk.startsWith(FANOUT)) parents.push(pk.slice(FANOUT.length));
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return parents;
  }

  /** One child record, read consistently (undefined when not recorded). */
  async getChild(parent: string, id: number): Promise<ChildRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: fanOutKey(parent), sk: childKey(id) }, ConsistentRead: true }));
    return out.Item as ChildRecord | undefined;
  }

  /** Writes the child's lookup item, then moves it PENDING -> STARTED; true when this call moved it. */
  async markStarted(parent: string, child: Pick<ChildRecord, 'id' | 'displayName'>, executionArn: string): Promise<boolean> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: lookupKey(executionArn), sk: 'LOOKUP', parentExecutionArn: parent, childId: child.id, displayName: child.displayName },
      }),
    );
    const startedAt = new Date(this.now()).toISOString();
    if (!(await this.moveChild(parent, child.id, ['PENDING'], 'STARTED', { executionArn, startedAt }))) return false;
    await this.updateHeader(parent, {
      UpdateExpression: 'ADD pendingCount :minus',
      ExpressionAttributeValues: { ':minus': -1 },
    });
    return true;
  }

  async lookup(childArn: string): Promise<{ parentExecutionArn: string; childId: number; displayName: string } | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: lookupKey(childArn), sk: 'LOOKUP' }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    return { parentExecutionArn: String(out.Item.parentExecutionArn), childId: Number(out.Item.childId), displayName: String(out.Item.displayName) };
  }

  /**
   * Counts a child's end once: the header update is conditional on the child's id not being in the
   * set of ended children, so duplicate and late events change nothing. Returns the new header, or
   * undefined when the end was already counted.
   */
  async recordEnd(
    parent: string,
    child: { id: number; displayName: string },
    status: EndStatus,
    failureReason?: string,
  ): Promise<FanInHeader | undefined> {
    const counter = status === 'Succeeded' ? 'succeeded' : status === 'Failed' ? 'failed' : 'stopped';
    const values: Record<string, unknown> = {
      ':id': new Set([String(child.id)]),
      ':idText': String(child.id),
      ':one': 1,
      ':now': new Date(this.now()).toISOString(),
    };
    let update = `ADD endedChildren :id, endedCount :one, ${counter} :one`;
    if (status !== 'Succeeded') {
      update += ', failedChildren :name';
      values[':name'] = new Set([`${String(child.id).padStart(4, '0')}|${child.displayName}`]);
    }
    // The stalled-fan-out metric and the progress report read when the fan-out last moved.
    update += ' SET lastEndedAt = :now';
    const out = await conditional(() =>
      this.updateHeader(parent, {
        UpdateExpression: update,
        ConditionExpression: 'attribute_exists(pk) AND NOT contains(endedChildren, :idText)',
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    // The child item is informational (Stopping reads it): set it whether or not this call counted the end.
    const reason = failureReason === undefined ? {} : { failureReason: failureReason.slice(0, MAX_FAILURE_REASON_STORED) };
    await this.moveChild(parent, child.id, ['STARTED', 'PENDING'], status, reason);
    return out?.Attributes ? toHeader(out.Attributes) : undefined;
  }

  /**
   * Moves the fan-out from RUNNING (or an abandoned claim of `to`) to `to`; true for exactly one caller.
   * `allEnded` also requires every child to have ended; `createIfMissing` claims a fan-out not recorded yet.
   */
  async claim(parent: string, to: 'COMPLETING' | 'STOPPING', options: { allEnded?: boolean; createIfMissing?: { callbackToken: string } } = {}): Promise<boolean> {
    const now = this.now();
    let condition = '(#state = :running OR (#state = :to AND claimedAt < :expired))';
    if (options.createIfMissing) condition = `(attribute_not_exists(pk) OR ${condition})`;
    if (options.allEnded) condition += ' AND endedCount >= #total';
    const values: Record<string, unknown> = { ':running': 'RUNNING', ':to': to, ':now': now, ':expired': now - CLAIM_LEASE_MS };
    let update = 'SET #state = :to, claimedAt = :now';
    if (options.createIfMissing) {
      update += ', callbackToken = if_not_exists(callbackToken, :token), parentExecutionArn = :parent';
      values[':token'] = options.createIfMissing.callbackToken;
      values[':parent'] = parent;
    }
    const out = await conditional(() =>
      this.updateHeader(parent, {
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#state': 'state', ...(options.allEnded ? { '#total': 'total' } : {}) },
        ExpressionAttributeValues: values,
      }),
    );
    return out !== undefined;
  }

  /**
   * A new CallbackStep token for the same parent execution (RetryPipelineExecution ran the step again):
   * later callbacks go to it, and a COMPLETED fan-out is reopened (RUNNING) so its outcome is sent to it.
   */
  async renewCallbackToken(parent: string, token: string): Promise<void> {
    const renew = (update: string, condition: string, values: Record<string, string>) =>
      conditional(() =>
        this.updateHeader(parent, {
          UpdateExpression: update,
          ConditionExpression: `${condition} AND callbackToken <> :token`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':token': token, ...values },
        }),
      );
    await renew('SET callbackToken = :token, #state = :running', '#state = :completed', { ':running': 'RUNNING', ':completed': 'COMPLETED' });
    await renew('SET callbackToken = :token', '#state = :running', { ':running': 'RUNNING' });
  }

  /** Ends a claim: `to` is the final state (COMPLETED, STOPPED) or RUNNING to give the claim back after an error. */
  async release(parent: string, from: 'COMPLETING' | 'STOPPING', to: FanInState): Promise<void> {
    await conditional(() =>
      this.updateHeader(parent, {
        UpdateExpression: 'SET #state = :to',
        ConditionExpression: '#state = :from',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':to': to, ':from': from },
      }),
    );
  }

  /** PENDING -> CANCELLED (the parent stopped before the child could start). */
  async cancel(parent: string, id: number): Promise<boolean> {
    return this.moveChild(parent, id, ['PENDING'], 'CANCELLED');
  }

  /** Sets a child's status to `to` only if it is one of `from` (and `executionArn` with it); true when this call moved it. */
  private async moveChild(
    parent: string,
    id: number,
    from: readonly ChildStatus[],
    to: ChildStatus,
    extra: { executionArn?: string; startedAt?: string; failureReason?: string } = {},
  ): Promise<boolean> {
    const fromValues = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
    const out = await conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: fanOutKey(parent), sk: childKey(id) },
          UpdateExpression: ['SET #status = :to', ...Object.keys(extra).map((k) => `${k} = :${k}`)].join(', '),
          ConditionExpression: `#status IN (${Object.keys(fromValues).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ...fromValues, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`:${k}`, v])) },
        }),
      ),
    );
    return out !== undefined;
  }
}
