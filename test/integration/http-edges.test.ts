/**
 * HTTP edges S3 clients and conformance suites probe (several found by ceph/s3-tests): Expect
 * values, Content-Type kept verbatim, CORS preflights, anonymous requests, listing echo rules.
 */
import { CreateBucketCommand, HeadObjectCommand, ListObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, rawRequest, send } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
const bucket = bucketName("edges");

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

describe("request headers", () => {
  it.each(["200", "", "something-else"])("ignores Expect: %j (node would answer 417)", async (expect_) => {
    const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/expect-${expect_ || "empty"}`, body: "hi", headers: { expect: expect_ } });
    expect(res.status).toBe(200);
  });

  it.each(["", "foo", "text", "a/b c", "application/x-custom; charset=utf-8"])("stores Content-Type %j verbatim, even when it is no media type", async (contentType) => {
    const key = `ct-${Buffer.from(contentType).toString("hex") || "empty"}`;
    const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/${key}`, body: "body", headers: { "content-type": contentType } });
    expect(res.status).toBe(200);
    const get = await rawRequest(gw, { method: "GET", path: `/${bucket}/${key}` });
    expect(get.text).toBe("body");
    expect(get.headers["content-type"]).toBe(contentType);
  });

  it("stores Content-Encoding without the aws-chunked coding, the rest as sent", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "encoded", Body: "x", ContentEncoding: "deflate, gzip" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "encoded" }));
    expect(head.ContentEncoding).toBe("deflate, gzip");
  });
});

describe("CORS preflight to a bucket without CORS rules (test/integration/cors.test.ts has the rest)", () => {
  it("answers OPTIONS without Origin with 400 BadRequest, unauthenticated", async () => {
    const res = await send({ port: gw.port, method: "OPTIONS", path: `/${bucket}/k`, headers: { host: `127.0.0.1:${gw.port}` } });
    expectErrorXml(res, "BadRequest", 400);
  });

  it("answers a complete preflight with 403 AccessForbidden", async () => {
    const res = await send({
      port: gw.port,
      method: "OPTIONS",
      path: `/${bucket}/k`,
      headers: { host: `127.0.0.1:${gw.port}`, origin: "https://example.com", "access-control-request-method": "GET" },
    });
    expectErrorXml(res, "AccessForbidden", 403);
  });
});

describe("anonymous requests", () => {
  it("are told that a bucket does not exist, and refused on one that does", async () => {
    expectErrorXml(await rawRequest(gw, { method: "GET", path: `/${bucketName("gone")}/k`, unsigned: true }), "NoSuchBucket", 404);
    expectErrorXml(await rawRequest(gw, { method: "GET", path: `/${bucket}/k`, unsigned: true }), "AccessDenied", 403);
    expectErrorXml(await rawRequest(gw, { method: "GET", path: "/", unsigned: true }), "AccessDenied", 403);
  });
});

describe("listing echoes", () => {
  it("omits an empty delimiter from the result", async () => {
    const v2 = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { "list-type": "2", delimiter: "" } });
    expect(v2.status).toBe(200);
    expect(v2.text).not.toContain("<Delimiter>");
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: "" }));
    expect(v1.Delimiter).toBeUndefined();
  });

  it("treats an empty continuation token as none, and echoes it", async () => {
    const r = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { "list-type": "2", "continuation-token": "" } });
    expect(r.status).toBe(200);
    expect(r.text).toContain("<ContinuationToken></ContinuationToken>");
    expect(r.text).toContain("<Key>encoded</Key>");
  });

  it("url-encodes v1 keys but not v1's Prefix (botocore decodes only the former)", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "line\nbreak", Body: "x" }));
    const r = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { prefix: "line\n", "encoding-type": "url" } });
    expect(r.text).toContain("<Prefix>line\n</Prefix>");
    expect(r.text).toContain("<Key>line%0Abreak</Key>");
    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "line\n", EncodingType: "url" }));
    expect(v2.Prefix).toBe("line%0A");
  });
});
