// The test bed's s3rver (scripts/testbed/s3.sh), reached only through the AWS SDK: a fresh bucket per
// test file, the location to use for it, and raw access for tests that tamper with stored objects.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { StorageLocation } from '../../src/infra/storage/index.ts';

export function s3Settings(): { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string } {
  const endpoint = process.env.TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('TEST_S3_ENDPOINT is not set: run scripts/testbed/up.sh and source .cache/testbed.env');
  return {
    endpoint,
    region: process.env.TEST_S3_REGION ?? 'us-east-1',
    accessKeyId: process.env.TEST_S3_ACCESS_KEY ?? 'S3RVER',
    secretAccessKey: process.env.TEST_S3_SECRET_KEY ?? 'S3RVER',
  };
}

export interface TestBucket {
  name: string;
  location(prefix?: string): StorageLocation;
  client: S3Client;
  keys(prefix?: string): Promise<string[]>;
  put(key: string, body: Buffer | string): Promise<void>;
  drop(): Promise<void>;
}

export async function testBucket(): Promise<TestBucket> {
  const s = s3Settings();
  const name = `berth-test-${randomBytes(5).toString('hex')}`;
  const client = new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: name }));
  const keys = async (prefix = '') => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: name, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      out.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  };
  return {
    name,
    client,
    keys,
    location: (prefix = '') => ({ endpoint: s.endpoint, region: s.region, bucket: name, prefix, forcePathStyle: true, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }),
    put: async (key, body) => void (await client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }))),
    async drop() {
      for (const key of await keys()) await client.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
      await client.send(new DeleteBucketCommand({ Bucket: name })).catch(() => undefined);
      client.destroy();
    },
  };
}
