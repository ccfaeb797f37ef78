/** A real DynamoDB API (dynalite, in memory) for tests of conditional writes; the table as infra/fan-out.ts defines it. */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;
import { fanOutTable } from '../infra/fan-out';

export interface LocalDynamo {
  /** The server's URL (what AWS_ENDPOINT_URL_DYNAMODB takes). */
  endpoint: string;
  doc: DynamoDBDocumentClient;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** Starts dynalite on a free port and creates the fan-out table with the keys and index the template declares. */
export async function startDynalite(tableName: string): Promise<LocalDynamo> {
  if (process.env.TEST_TIER === 'unit') {
    throw new Error('this test starts dynalite: list it among the integration tests of jest.config.js');
  }
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createFanOutTable(client, tableName);
  return {
    endpoint,
    client,
    doc: DynamoDBDocumentClient.from(client),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).finally(() => client.destroy()),
  };
}

/** Creates another fan-out table (keys and indexes as the template declares them) on the same server. */
export async function createFanOutTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const table = fanOutTable(tableName);
  const { KeySchema, AttributeDefinitions, GlobalSecondaryIndexes } = table.Properties as Pick<
    ConstructorParameters<typeof CreateTableCommand>[0],
    'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes'
  >;
  await client.send(
    new CreateTableCommand({ TableName: tableName, KeySchema, AttributeDefinitions, GlobalSecondaryIndexes, BillingMode: 'PAY_PER_REQUEST' }),
  );
}

/** Starts dynalite with the fan-out table and points the handlers at it (AWS_ENDPOINT_URL_DYNAMODB, FAN_OUT_TABLE). */
export async function startFanOutTableForHandlers(tableName: string): Promise<LocalDynamo> {
  const dynamo = await startDynalite(tableName);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.FAN_OUT_TABLE = tableName;
  return dynamo;
}
