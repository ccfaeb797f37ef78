/** Wires the S3 and Glue fakes into mocked clients with one partitioned table. */
import { GlueClient, type Table } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeGlue } from './fake-glue';
import { FakeS3 } from './fake-s3';

export const DATABASE = 'sales_db';
export const TABLE = 'orders';
export const BUCKET = 'data-bucket';
/** The table's Location, which the partition samples in events/ scan. */
export const LOCATION = `s3://${BUCKET}/warehouse/${TABLE}/`;

export function tableDefinition(location: string, keys: string[]): Table {
  return {
    Name: TABLE,
    PartitionKeys: keys.map((Name) => ({ Name, Type: 'string' })),
    StorageDescriptor: {
      Location: location,
      Columns: [{ Name: 'amount', Type: 'double' }],
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe', Parameters: { 'field.delim': ',' } },
    },
  };
}

export function partitionedTable(options: { location?: string; keys?: string[]; latencyMs?: number } = {}) {
  const location = options.location ?? LOCATION;
  const s3 = new S3Client({ region: 'us-east-1' });
  const glue = new GlueClient({ region: 'us-east-1' });
  const fakeS3 = new FakeS3({ latencyMs: options.latencyMs }).attach(mockClient(s3));
  fakeS3.put(BUCKET);
  const fakeGlue = new FakeGlue({ latencyMs: options.latencyMs }).attach(mockClient(glue));
  fakeGlue.addTable(DATABASE, tableDefinition(location, options.keys ?? ['process_date', 'shard']));
  return { s3, glue, fakeS3, fakeGlue, location };
}
