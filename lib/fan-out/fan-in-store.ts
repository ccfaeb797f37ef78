/**
 * The fan-in state in one DynamoDB table (pk, sk), written only with conditional or idempotent updates:
 * - `FANOUT#<parentExecutionArn>` / `HEADER`: callback token, total, counters, the set of ended child ids, state,
 *   and under maxRunning the children holding a place (`places`, child id -> when taken);
 * - `FANOUT#<parentExecutionArn>` / `CHILD#<id>`: one item per child (request, status, execution ARN);
 * - `CHILD#<childExecutionArn>` / `LOOKUP`: finds the fan-out of a child from its status event.
 * The index `by-state` (state, createdAt) holds the headers only: the sweep lists running fan-outs there.
 * The index `pending` (pendingOf, sk) holds the PENDING children only (the attribute is removed when a
 * child leaves PENDING): a child's end finds the next child to start with one small Query, whatever
 * the fan-out's size.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import {
  attemptsOf,
  endCounter,
  failedChildEntry,
  placeLimit,
  type ChildLookup,
  type FanOutPolicy,
  type ChildRecord,
  type ChildStatus,
  type EndStatus,
  type FanInHeader,
  type FanInState,
  type Place,
} from './fan-in-state';
import type { ChildStart } from './plan';
import { PENDING_INDEX, STATE_INDEX } from './table-indexes';

/** Longest failure reason kept on a child item. */
export const MAX_FAILURE_REASON_STORED = 1024;

/** A fan-out as the progress report reads it. */
export interface FanOutSnapshot {
  header: FanInHeader;
  children: ChildRecord[];
  reads: { getItems: number; queries: number; capacityUnits: number };
}

/** The planned start of a child, without what the table adds (a record read back carries status and more). */
const pickChildStart = (c: ChildStart): ChildStart => ({
  id: c.id,
  pipeline: c.pipeline,
  pipelineName: c.pipelineName,
  itemIndex: c.itemIndex,
  displayName: c.displayName,
  parameters: c.parameters,
  clientRequestToken: c.clientRequestToken,
  ...(c.itemJson === undefined ? {} : { itemJson: c.itemJson }),
  ...(c.retryOf === undefined ? {} : { retryOf: c.retryOf }),
  ...(c.attempts === undefined ? {} : { attempts: c.attempts }),
});

/** What a started child's lookup item carries of its fan-out, so its end needs no header read. */
export interface LookupHints {
  fanOutSize?: number;
  maxRunning?: number;
  childRetries?: number;
  failFast?: boolean;
}

const isPolicy = (v: unknown): v is FanOutPolicy => typeof v === 'object' && v !== null && !Array.isArray(v);

const FANOUT = 'FANOUT#';
const fanOutKey = (parent: string) => `${FANOUT}${parent}`;
/** Most items one BatchWriteItem takes. */
const BATCH_WRITE_MAX = 25;
const HEADER = 'HEADER';
const childKey = (id: number) => `CHILD#${String(id).padStart(4, '0')}`;
const lookupKey = (childArn: string) => `CHILD#${childArn}`;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** DynamoDB's refusal of a document path under an attribute the item does not have. */
const isMissingPath = (error: unknown) =>
  (error as { name?: string })?.name === 'ValidationException' && /document path provided in the update expression is invalid/i.test(String((error as Error).message));

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
    ...(item.childrenRecorded === true ? { childrenRecorded: true } : {}),
    ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
    ...(typeof item.lastEndedAt === 'string' ? { lastEndedAt: item.lastEndedAt } : {}),
    ...(isPolicy(item.policy) ? { policy: item.policy } : {}),
    ...(isPolicy(item.policy) && placeLimit({ policy: item.policy, total: num('total') }) !== undefined ? { places: placesOf(item.places) } : {}),
    ...(item.retried === undefined ? {} : { retried: num('retried') }),
    ...(typeof item.resultsObject === 'string' ? { resultsObject: item.resultsObject } : {}),
    ...(typeof item.redrive === 'string' ? { redrive: item.redrive } : {}),
    ...(item.sweepStartFailures === undefined ? {} : { sweepStartFailures: num('sweepStartFailures') }),
  };
}

/** The children holding a place (the map child id -> when taken). */
function placesOf(map: unknown): Place[] {
  const entries = typeof map === 'object' && map !== null ? Object.entries(map as Record<string, unknown>) : [];
  return entries.map(([id, takenAt]) => ({ id: Number(id), takenAt: Number(takenAt) })).sort((a, b) => a.id - b.id);
}

/** DynamoDB adapter of the fan-in. */
export class FanInStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The clock of the times the table holds (createdAt, claimedAt...). */
    readonly now: () => number = Date.now,
  ) {}

  /** Creates the header; false when the fan-out is already recorded (a redelivered message). */
  async create(
    header: Omit<
      FanInHeader,
      | 'endedCount'
      | 'succeeded'
      | 'failed'
      | 'stopped'
      | 'failedChildren'
      | 'state'
      | 'createdAt'
      | 'lastEndedAt'
      | 'childrenRecorded'
      | 'places'
      | 'retried'
      | 'resultsObject'
      | 'redrive'
      | 'sweepStartFailures'
    >,
  ): Promise<boolean> {
    const put = () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: fanOutKey(header.parentExecutionArn),
            sk: HEADER,
            ...header,
            state: 'RUNNING',
            endedCount: 0,
            succeeded: 0,
            failed: 0,
            stopped: 0,
            // Under maxRunning: the children holding a place, by id (a map, so each can be freed by name).
            ...(placeLimit(header) === undefined ? {} : { places: {} }),
            createdAt: new Date(this.now()).toISOString(),
          },
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
          Item: this.pendingItem(parent, child),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /** Marks every child recorded (after putChildren). */
  async markChildrenRecorded(parent: string): Promise<void> {
    await this.updateHeader(parent, { UpdateExpression: 'SET childrenRecorded = :yes', ExpressionAttributeValues: { ':yes': true } });
  }

  private pendingItem(parent: string, child: Omit<ChildRecord, 'status'>) {
    return { pk: fanOutKey(parent), sk: childKey(child.id), ...child, status: 'PENDING', pendingOf: fanOutKey(parent) };
  }

  /**
   * Records the fan-out's children as PENDING. `fresh` (this invocation created the header, so no child
   * can exist yet): BatchWriteItem, 25 a request. Otherwise (a redelivered message) one conditional put
   * each, so a child already started is never written back to PENDING.
   */
  async putChildren(parent: string, children: readonly Omit<ChildRecord, 'status'>[], fresh: boolean): Promise<void> {
    if (!fresh) {
      const limit = pLimit(10);
      await Promise.all(children.map((child) => limit(() => this.putChild(parent, child))));
      return;
    }
    for (let i = 0; i < children.length; i += BATCH_WRITE_MAX) {
      await this.batchPut(children.slice(i, i + BATCH_WRITE_MAX).map((child) => this.pendingItem(parent, child)));
    }
  }

  /** Puts up to 25 items, sending again what DynamoDB leaves unprocessed (with the SDK's backoff between tries). */
  private async batchPut(items: Record<string, unknown>[]): Promise<void> {
    let requests = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt >= 10) throw new Error(`BatchWriteItem left ${requests.length} items unprocessed after ${attempt} attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt) * Math.random()));
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
      requests = (out.UnprocessedItems?.[this.tableName] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
    }
  }

  /**
   * Up to `limit` PENDING children from the `pending` index, from id `from` on (from the lowest when none is),
   * in id order (eventually consistent: a child started a moment ago may still be listed; its start is
   * idempotent and its move conditional).
   */
  async pendingChildren(parent: string, limit: number, from = 0): Promise<ChildRecord[]> {
    const query = async (range: 'from' | 'before', count: number) => {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: PENDING_INDEX,
          KeyConditionExpression: `pendingOf = :pk AND sk ${range === 'from' ? '>=' : '<'} :at`,
          ExpressionAttributeValues: { ':pk': fanOutKey(parent), ':at': childKey(from) },
          Limit: count,
        }),
      );
      return ((page.Items ?? []) as ChildRecord[]).filter((c) => c.status === 'PENDING');
    };
    const found = await query('from', limit);
    // From a place in the middle: the ones before it when none is after it (one Query in every other case).
    return from > 0 && found.length === 0 ? query('before', limit) : found;
  }

  async children(parent: string): Promise<ChildRecord[]> {
    return (await this.queryChildren(parent, true)).records;
  }

  /** Every child item of a fan-out, a Query per 1 MB page, with the pages and read units it took. */
  private async queryChildren(parent: string, consistent: boolean): Promise<{ records: ChildRecord[]; queries: number; capacityUnits: number }> {
    const records: ChildRecord[] = [];
    let queries = 0;
    let capacityUnits = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :child)',
          ExpressionAttributeValues: { ':pk': fanOutKey(parent), ':child': 'CHILD#' },
          ConsistentRead: consistent,
          ExclusiveStartKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      queries += 1;
      capacityUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
      records.push(...((page.Items ?? []) as ChildRecord[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return { records, queries, capacityUnits };
  }

  /**
   * The fan-out's header and children for a report, with what the read cost: one GetItem and one
   * Query per 1 MB page of children (eventually consistent: half the read units of the fan-in's reads).
   */
  async snapshot(parent: string): Promise<FanOutSnapshot | undefined> {
    const got = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: fanOutKey(parent), sk: HEADER }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    if (!got.Item) return undefined;
    const { records: children, queries, capacityUnits } = await this.queryChildren(parent, false);
    return {
      header: toHeader(got.Item),
      children,
      reads: { getItems: 1, queries, capacityUnits: (got.ConsumedCapacity?.CapacityUnits ?? 0) + capacityUnits },
    };
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
  async markStarted(parent: string, child: ChildStart, executionArn: string, options: LookupHints = {}): Promise<boolean> {
    const startedAt = new Date(this.now()).toISOString();
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: this.lookupItem(parent, child, executionArn, startedAt, options) }));
    if (!(await this.moveToStarted(parent, child.id, executionArn, startedAt))) return false;
    await this.updateHeader(parent, {
      UpdateExpression: 'ADD pendingCount :minus',
      ExpressionAttributeValues: { ':minus': -1 },
    });
    return true;
  }

  /**
   * The lookup item of a started child: its fan-out, its id and its whole record, so its end can write the child item in full, in the same BatchWriteItem as the next start.
   */
  private lookupItem(parent: string, child: ChildStart, executionArn: string, startedAt: string, hints: LookupHints = {}) {
    const { retryOf: _retried, ...start } = pickChildStart(child);
    const record: ChildRecord = { ...start, status: 'STARTED', executionArn, startedAt };
    return {
      pk: lookupKey(executionArn),
      sk: 'LOOKUP',
      parentExecutionArn: parent,
      childId: child.id,
      displayName: child.displayName,
      record,
      ...Object.fromEntries(Object.entries(hints).filter(([, v]) => v !== undefined)),
    };
  }

  /** PENDING -> STARTED (removing it from the pending index); true when this call moved it. */
  async moveToStarted(parent: string, id: number, executionArn: string, startedAt: string): Promise<boolean> {
    return this.moveChild(parent, id, ['PENDING'], 'STARTED', { executionArn, startedAt });
  }

  async lookup(childArn: string): Promise<ChildLookup | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: lookupKey(childArn), sk: 'LOOKUP' }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const record = out.Item.record as ChildRecord | undefined;
    if (typeof record !== 'object' || record === null) throw new Error(`the lookup item of ${childArn} holds no child record`);
    return {
      parentExecutionArn: String(out.Item.parentExecutionArn),
      childId: Number(out.Item.childId),
      displayName: String(out.Item.displayName),
      record,
      ...(typeof out.Item.fanOutSize === 'number' ? { fanOutSize: out.Item.fanOutSize } : {}),
      ...(typeof out.Item.maxRunning === 'number' ? { maxRunning: out.Item.maxRunning } : {}),
      ...(typeof out.Item.childRetries === 'number' ? { childRetries: out.Item.childRetries } : {}),
      ...(out.Item.failFast === true ? { failFast: true } : {}),
    };
  }

  /**
   * One BatchWriteItem for a child's end and the next child's start: the ended child's item in full
   * (from its lookup's record) and the started child's lookup item. The ended child's item is
   * informational (the count is the header's); the started child moves with moveToStarted after.
   */
  async writeHandOff(
    parent: string,
    ended: { record: ChildRecord; status: EndStatus; failureReason?: string },
    started?: { child: ChildStart; executionArn: string; startedAt: string; hints?: LookupHints },
  ): Promise<void> {
    const { record, status, failureReason } = ended;
    const reason = failureReason === undefined ? {} : { failureReason: failureReason.slice(0, MAX_FAILURE_REASON_STORED) };
    const items: Record<string, unknown>[] = [{ ...record, ...reason, pk: fanOutKey(parent), sk: childKey(record.id), status }];
    if (started) items.push(this.lookupItem(parent, started.child, started.executionArn, started.startedAt, started.hints));
    await this.batchPut(items);
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
    options: { childWritten?: boolean; startedOne?: boolean; releasePlace?: boolean; attempts?: number } = {},
  ): Promise<FanInHeader | undefined> {
    const values: Record<string, unknown> = {
      ':id': new Set([String(child.id)]),
      ':idText': String(child.id),
      ':one': 1,
      ':now': new Date(this.now()).toISOString(),
    };
    let update = `ADD endedChildren :id, endedCount :one, ${endCounter(status)} :one`;
    // A child started with the capacity this end freed: one header write counts both.
    if (options.startedOne) {
      update += ', pendingCount :minus';
      values[':minus'] = -1;
    }
    // The stalled-fan-out metric and the progress report read when the fan-out last moved.
    update += ' SET lastEndedAt = :now';
    // Its place under maxRunning is freed by the same write that counts the end (REMOVE by its id: a
    // repeated write frees nothing more, and no other child's place).
    const names: Record<string, string> = {};
    if (options.releasePlace) {
      update += ' REMOVE places.#place';
      names['#place'] = String(child.id);
    }
    const write = () =>
      conditional(() =>
        this.updateHeader(parent, {
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(endedChildren, :idText)',
          ExpressionAttributeValues: values,
          ...(options.releasePlace ? { ExpressionAttributeNames: names } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
    const out = options.releasePlace ? await this.withPlacesMap(parent, write) : await write();
    if (!out && options.startedOne) await this.updateHeader(parent, { UpdateExpression: 'ADD pendingCount :minus', ExpressionAttributeValues: { ':minus': -1 } });
    // The child item is informational (Stopping reads it): set it whether or not this call counted the end.
    if (!options.childWritten) {
      const reason = failureReason === undefined ? {} : { failureReason: failureReason.slice(0, MAX_FAILURE_REASON_STORED) };
      await this.moveChild(parent, child.id, ['STARTED', 'PENDING'], status, { ...reason, ...(options.attempts === undefined ? {} : { attempts: options.attempts }) });
    }
    return out?.Attributes ? toHeader(out.Attributes) : undefined;
  }

  /** Adds `entry` to the failed children the header names; returns the new header. */
  async nameFailedChild(parent: string, entry: string): Promise<FanInHeader | undefined> {
    const named = await this.updateHeader(parent, {
      UpdateExpression: 'ADD failedChildren :name',
      ExpressionAttributeValues: { ':name': new Set([entry]) },
      ReturnValues: 'ALL_NEW',
    });
    return named.Attributes ? toHeader(named.Attributes) : undefined;
  }

  /**
   * Moves the fan-out from RUNNING (or a claim of `to` made before `abandonedBefore`, in ms) to `to`; true
   * for exactly one caller. `allEnded` also requires every child to have ended; `createIfMissing` claims
   * a fan-out not recorded yet.
   */
  async claim(
    parent: string,
    to: 'COMPLETING' | 'STOPPING',
    options: { abandonedBefore: number; allEnded?: boolean; createIfMissing?: { callbackToken: string } },
  ): Promise<boolean> {
    let condition = '(#state = :running OR (#state = :to AND claimedAt < :expired))';
    if (options.createIfMissing) condition = `(attribute_not_exists(pk) OR ${condition})`;
    if (options.allEnded) condition += ' AND endedCount >= #total';
    const values: Record<string, unknown> = { ':running': 'RUNNING', ':to': to, ':now': this.now(), ':expired': options.abandonedBefore };
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
    // Reopened: the children that failed or stopped are redriven for this token (redriveFailedChildren).
    await renew('SET callbackToken = :token, #state = :running, redrive = :token REMOVE resultsObject', '#state = :completed', {
      ':running': 'RUNNING',
      ':completed': 'COMPLETED',
    });
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

  /**
   * Takes a place under the fan-out's maxRunning for child `id`: one conditional write adding the id to
   * the map of places while it holds fewer than `maxRunning` (`size` of a map counts its elements:
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html).
   * Its take time, or undefined when the places are all held or this child already holds one (`get`
   * tells which).
   */
  async takePlace(parent: string, id: number, maxRunning: number): Promise<number | undefined> {
    const now = this.now();
    const out = await this.withPlacesMap(parent, () =>
      conditional(() =>
        this.updateHeader(parent, {
          UpdateExpression: 'SET places.#place = :now',
          ConditionExpression: 'size(places) < :max AND attribute_not_exists(places.#place)',
          ExpressionAttributeNames: { '#place': String(id) },
          ExpressionAttributeValues: { ':now': now, ':max': maxRunning },
        }),
      ),
    );
    return out === undefined ? undefined : now;
  }

  /**
   * Gives back the place this call took at `takenAt` for a child it did not start (refused for the
   * quota, or not tried): conditional on the take time, so a place another call has taken over since
   * stays. Never for a start whose outcome is unknown.
   */
  async givePlaceBack(parent: string, id: number, takenAt: number): Promise<void> {
    await this.whilePlaceTakenAt(parent, { id, takenAt }, 'REMOVE places.#place');
  }

  /** Takes over the place `place` (its lease expired), for exactly one caller: its new take time, or undefined. */
  async takeOverPlace(parent: string, place: Place): Promise<number | undefined> {
    const now = this.now();
    return (await this.whilePlaceTakenAt(parent, place, 'SET places.#place = :now', { ':now': now })) ? now : undefined;
  }

  /** `update` of a place, conditional on its take time being `place.takenAt` (no other call took it over since); true when written. */
  private async whilePlaceTakenAt(parent: string, place: Place, update: string, values: Record<string, unknown> = {}): Promise<boolean> {
    const out = await conditional(() =>
      this.updateHeader(parent, {
        UpdateExpression: update,
        ConditionExpression: 'places.#place = :takenAt',
        ExpressionAttributeNames: { '#place': String(place.id) },
        ExpressionAttributeValues: { ...values, ':takenAt': place.takenAt },
      }),
    );
    return out !== undefined;
  }

  /**
   * Runs a write naming a place (`places.<id>`) and, when DynamoDB refuses the path because the header
   * has no map of places (a fan-out recorded by a build that counted places in a number), adds an
   * empty map and writes again. Its children started before hold no place: until they end, up to
   * twice maxRunning may run.
   */
  private async withPlacesMap<T>(parent: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!isMissingPath(error)) throw error;
      await conditional(() =>
        this.updateHeader(parent, { UpdateExpression: 'SET places = :empty', ConditionExpression: 'attribute_not_exists(places)', ExpressionAttributeValues: { ':empty': {} } }),
      );
      return write();
    }
  }

  /** Counts a sweep whose starts all failed; returns how many in a row. */
  async countSweepStartFailure(parent: string): Promise<number> {
    const out = await this.updateHeader(parent, {
      UpdateExpression: 'ADD sweepStartFailures :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
    return Number(out.Attributes?.sweepStartFailures ?? 1);
  }

  /** A start succeeded: the sweeps' failures in a row are forgotten. */
  async clearSweepStartFailures(parent: string): Promise<void> {
    await this.updateHeader(parent, { UpdateExpression: 'REMOVE sweepStartFailures' });
  }

  /**
   * Moves a started child's attempt count from `from` to `from + 1` (on its lookup item): true for the
   * one caller that moved it (a duplicate failure event finds it moved).
   */
  async bumpAttempts(childArn: string, from: number): Promise<boolean> {
    const out = await conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: lookupKey(childArn), sk: 'LOOKUP' },
          UpdateExpression: 'SET #r.attempts = :next',
          ConditionExpression: from === 1 ? 'attribute_not_exists(#r.attempts) OR #r.attempts = :from' : '#r.attempts = :from',
          ExpressionAttributeNames: { '#r': 'record' },
          ExpressionAttributeValues: { ':next': from + 1, ':from': from },
        }),
      ),
    );
    return out !== undefined;
  }

  /** Gives back an attempt bumped for a retry SageMaker did not take (its quota was full). */
  async unbumpAttempts(childArn: string, to: number): Promise<void> {
    await conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: lookupKey(childArn), sk: 'LOOKUP' },
          UpdateExpression: 'SET #r.attempts = :to',
          ConditionExpression: '#r.attempts = :from',
          ExpressionAttributeNames: { '#r': 'record' },
          ExpressionAttributeValues: { ':to': to, ':from': to + 1 },
        }),
      ),
    );
  }

  /** Counts `count` RetryPipelineExecution calls sent for the fan-out's children. */
  async countRetries(parent: string, count = 1): Promise<void> {
    await this.updateHeader(parent, { UpdateExpression: 'ADD retried :n', ExpressionAttributeValues: { ':n': count } });
  }

  /** Records the results object written for the current token. */
  async setResultsObject(parent: string, uri: string): Promise<void> {
    await this.updateHeader(parent, { UpdateExpression: 'SET resultsObject = :uri', ExpressionAttributeValues: { ':uri': uri } });
  }

  /**
   * Redrive of one failed or stopped child (the parent was retried): its end is taken out of the
   * counts (once: conditional on its id being among the ended), then the child waits as PENDING to be
   * retried with `retryToken`. Each step is conditional, so a redelivered message finishes a redrive a
   * crash cut short and repeats none.
   */
  async requeueForRedrive(parent: string, child: ChildRecord, retryToken: string): Promise<boolean> {
    if (child.status === 'Failed' || child.status === 'Stopped') {
      await conditional(() =>
        this.updateHeader(parent, {
          UpdateExpression: `ADD endedCount :minus, ${endCounter(child.status as EndStatus)} :minus, pendingCount :one DELETE endedChildren :id, failedChildren :entry`,
          ConditionExpression: 'contains(endedChildren, :idText)',
          ExpressionAttributeValues: {
            ':minus': -1,
            ':one': 1,
            ':id': new Set([String(child.id)]),
            ':idText': String(child.id),
            ':entry': new Set([failedChildEntry(child)]),
          },
        }),
      );
    }
    const retry = child.executionArn === undefined ? {} : { retryOf: child.executionArn };
    const out = await conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: fanOutKey(parent), sk: childKey(child.id) },
          UpdateExpression: `SET #status = :pending, pendingOf = :pk, clientRequestToken = :token, attempts = :attempts${child.executionArn === undefined ? '' : ', retryOf = :retryOf'} REMOVE failureReason`,
          ConditionExpression: '#status = :was',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'PENDING',
            ':pk': fanOutKey(parent),
            ':token': retryToken,
            ':attempts': attemptsOf(child) + (child.executionArn === undefined ? 0 : 1),
            ':was': child.status,
            ...(child.executionArn === undefined ? {} : { ':retryOf': retry.retryOf }),
          },
        }),
      ),
    );
    // CANCELLED (never started: the tolerance was exceeded) only waits again.
    if (out && child.status === 'CANCELLED') await this.updateHeader(parent, { UpdateExpression: 'ADD pendingCount :one', ExpressionAttributeValues: { ':one': 1 } });
    return out !== undefined;
  }

  /** Ends the redrive of `token` (every failed child requeued). */
  async endRedrive(parent: string, token: string): Promise<void> {
    await conditional(() =>
      this.updateHeader(parent, { UpdateExpression: 'REMOVE redrive', ConditionExpression: 'redrive = :token', ExpressionAttributeValues: { ':token': token } }),
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
    extra: { executionArn?: string; startedAt?: string; failureReason?: string; attempts?: number } = {},
  ): Promise<boolean> {
    const fromValues = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
    const out = await conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: fanOutKey(parent), sk: childKey(id) },
          // Leaving PENDING leaves the pending index too.
          UpdateExpression: `${['SET #status = :to', ...Object.keys(extra).map((k) => `${k} = :${k}`)].join(', ')} REMOVE pendingOf`,
          ConditionExpression: `#status IN (${Object.keys(fromValues).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ...fromValues, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`:${k}`, v])) },
        }),
      ),
    );
    return out !== undefined;
  }
}
