/**
 * `s3.trustedProxies`: behind a reverse proxy or load balancer the connection's peer is the proxy,
 * and the client's address, scheme and host come in X-Forwarded-For, -Proto and -Host. From a
 * configured proxy those decide `aws:SourceIp` and `aws:SecureTransport` in bucket policies and
 * the URLs an answer names (CompleteMultipartUpload's Location); from any other peer they are
 * ignored, so a client cannot claim another address or TLS. Two gateways, one trusting 127.0.0.1
 * (where the tests connect from) and one trusting nobody, get the same requests.
 */
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutBucketPolicyCommand, PutObjectCommand, UploadPartCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, rawRequest, xmlElements } from "../integration/helpers.js";

interface Setup {
  gw: RunningGateway;
  s3: S3Client;
  bucket: string;
}

async function setUp(env: Record<string, string>): Promise<Setup> {
  const gw = await startGateway({ env });
  const s3 = gw.client();
  const bucket = bucketName("proxied");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "public/x", Body: "public" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "secure/x", Body: "secure" }));
  const policy = {
    Version: "2012-10-17",
    Statement: [
      // anyone from 203.0.113.0/24 may read public/
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/public/*`, Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } },
      // nobody reads secure/ without TLS
      { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/secure/*`, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ],
  };
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  return { gw, s3, bucket };
}

let trusting: Setup;
let plain: Setup;

beforeAll(async () => {
  [trusting, plain] = await Promise.all([setUp({ S3G_TRUSTED_PROXIES: "127.0.0.1,::1" }), setUp({})]);
});

afterAll(async () => {
  for (const s of [trusting, plain]) {
    s?.s3.destroy();
    await s?.gw.stop();
  }
});

const FROM_CLIENT = { "x-forwarded-for": "203.0.113.7, 127.0.0.1" };

describe("s3.trustedProxies", () => {
  it("aws:SourceIp is the forwarded client's address behind a trusted proxy, the peer's otherwise", async () => {
    const get = (s: Setup, headers: Record<string, string>) => rawRequest(s.gw, { method: "GET", path: `/${s.bucket}/public/x`, unsigned: true, headers });
    const allowed = await get(trusting, FROM_CLIENT);
    expect([allowed.status, allowed.text]).toEqual([200, "public"]);
    expect((await get(trusting, {})).status).toBe(403);
    // a client talking to a gateway that trusts no proxy cannot claim an address
    expect((await get(plain, FROM_CLIENT)).status).toBe(403);
  });

  it("aws:SecureTransport follows a trusted proxy's X-Forwarded-Proto, and only a trusted proxy's", async () => {
    const get = (s: Setup, headers: Record<string, string>) => rawRequest(s.gw, { method: "GET", path: `/${s.bucket}/secure/x`, headers });
    const overTls = await get(trusting, { "x-forwarded-proto": "https" });
    expect([overTls.status, overTls.text]).toEqual([200, "secure"]);
    expect((await get(trusting, { "x-forwarded-proto": "http" })).status).toBe(403);
    expect((await get(trusting, {})).status).toBe(403);
    expect((await get(plain, { "x-forwarded-proto": "https" })).status).toBe(403);
  });

  it("CompleteMultipartUpload's Location names the scheme and host the client addressed through a trusted proxy", async () => {
    const location = async (s: Setup, headers: Record<string, string>) => {
      const key = `mp/${Math.random().toString(36).slice(2)}`;
      const id = (await s.s3.send(new CreateMultipartUploadCommand({ Bucket: s.bucket, Key: key }))).UploadId!;
      const part = await s.s3.send(new UploadPartCommand({ Bucket: s.bucket, Key: key, UploadId: id, PartNumber: 1, Body: "one part" }));
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.ETag}</ETag></Part></CompleteMultipartUpload>`;
      const res = await rawRequest(s.gw, { method: "POST", path: `/${s.bucket}/${key}`, query: { uploadId: id }, body: xml, headers });
      expect(res.status, res.text).toBe(200);
      return { key, location: xmlElements(res.text, "Location")[0] };
    };
    const proxied = await location(trusting, { "x-forwarded-proto": "https", "x-forwarded-host": "s3.example.com" });
    expect(proxied.location).toBe(`https://s3.example.com/${trusting.bucket}/${proxied.key}`);
    const direct = await location(plain, { "x-forwarded-proto": "https", "x-forwarded-host": "s3.example.com" });
    expect(direct.location).toBe(`${plain.gw.endpoint}/${plain.bucket}/${direct.key}`);
  });

  it("the SDK's own CompleteMultipartUpload still completes through the trusting gateway (no forwarded headers: the peer's scheme and Host)", async () => {
    const { s3, bucket, gw } = trusting;
    const id = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp/sdk" }))).UploadId!;
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp/sdk", UploadId: id, PartNumber: 1, Body: "x" }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp/sdk", UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(done.Location).toBe(`${gw.endpoint}/${bucket}/mp/sdk`);
  });
});
