import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readManifestObject, parseManifestUri } from '../../../lib/fan-out/manifest-s3';
import { awsError } from '../../../doubles/aws-error';
import { FakeS3Objects } from '../../../doubles/fake-s3-objects';

describe('readManifestObject', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  let fake: FakeS3Objects;
  beforeEach(() => {
    mock.reset();
    fake = new FakeS3Objects().attach(mock);
  });
  afterAll(() => mock.restore());

  it('reads the object named by s3://bucket/key as UTF-8 text', async () => {
    fake.put('manifests', 'runs/dates.csv', 'a\né\n');
    await expect(readManifestObject(s3, 's3://manifests/runs/dates.csv')).resolves.toEqual({ key: 'runs/dates.csv', text: 'a\né\n' });
  });

  it('refuses what a retry cannot fix, naming itemsS3Uri: a missing key or bucket, access denied, too large, not UTF-8', async () => {
    fake.put('manifests', 'big.csv', 'x'.repeat(101)).put('manifests', 'latin1.csv', new Uint8Array([0x61, 0xe9, 0x0a])).deny('secret');
    await expect(readManifestObject(s3, 's3://manifests/none.csv')).rejects.toThrow('itemsS3Uri: s3://manifests/none.csv cannot be read (NoSuchKey)');
    await expect(readManifestObject(s3, 's3://nobucket/a.csv')).rejects.toThrow('itemsS3Uri: s3://nobucket/a.csv cannot be read (NoSuchBucket)');
    await expect(readManifestObject(s3, 's3://secret/a.csv')).rejects.toThrow('itemsS3Uri: s3://secret/a.csv cannot be read (AccessDenied)');
    await expect(readManifestObject(s3, 's3://manifests/big.csv', 100)).rejects.toThrow('itemsS3Uri: the manifest is 101 bytes (at most 100)');
    await expect(readManifestObject(s3, 's3://manifests/latin1.csv')).rejects.toThrow('itemsS3Uri: the manifest is not UTF-8 text');
  });

  it('throws other errors as they are, so the message is retried', async () => {
    mock.reset();
    mock.rejects(awsError('SlowDown', 'Please reduce your request rate.', 503));
    await expect(readManifestObject(s3, 's3://manifests/a.csv')).rejects.toMatchObject({ name: 'SlowDown' });
  });
});

describe('parseManifestUri', () => {
  it('takes s3://bucket/key and refuses anything else, naming itemsS3Uri', () => {
    expect(parseManifestUri(' s3://my.bucket-1/a/b c.jsonl ')).toEqual({ bucket: 'my.bucket-1', key: 'a/b c.jsonl' });
    for (const bad of ['s3://bucket', 's3://bucket/', 'https://bucket/key', 's3://B/key', 'bucket/key']) {
      expect(() => parseManifestUri(bad)).toThrow(/^itemsS3Uri: expected s3:\/\/bucket\/key of a manifest object/);
    }
  });
});
