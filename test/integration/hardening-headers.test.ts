/**
 * Hardening of what goes into and out of HTTP headers, and of the exchanges node refuses or a client
 * cuts short: response-* overrides that are no header value, error answers that must not carry the
 * success answer's headers, user metadata measured as sent, repeated authentication parameters,
 * requests node's parser refuses, and the metrics and audit line of every exchange.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { metricOf } from "../support/metrics.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, expectBodilessError, expectErrorXml, expectS3Error, presignedUrl, rawRequest, send, signedHeaders, xmlElements, type RawResponse } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
const bucket = bucketName("hardening");
const SUCCESS_HEADERS = ["etag", "last-modified", "x-amz-meta-color", "accept-ranges", "content-range", "content-disposition"];

beforeAll(async () => {
  // info: the audit lines are checked
  gw = await startGateway({ env: { S3G_LOG_LEVEL: "info" } });
  s3 = gw.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "doc", Body: "hello", Metadata: { color: "blue" } }));
});
afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

/** Sends `head` (and `body`) as they are on one connection and reads until the server closes it. */
function rawExchange(head: string, body: Buffer = Buffer.alloc(0)): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(gw.port, "127.0.0.1");
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => parts.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(parts);
      const split = all.indexOf("\r\n\r\n");
      const lines = all.subarray(0, split).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const resBody = all.subarray(split + 4);
      resolve({ status: Number(lines[0].split(" ")[1]), headers, body: resBody, text: resBody.toString("utf8") });
    });
    socket.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
  });
}

/** The value of one sample of the admin port's /metrics, 0 when absent. */
const metric = (name: string, labels: Record<string, string>) => metricOf(gw, name, labels);

function expectNoSuccessHeaders(headers: Record<string, unknown>): void {
  for (const h of SUCCESS_HEADERS) expect(headers[h], h).toBeUndefined();
}

describe("response-* overrides that cannot be sent as header values", () => {
  const chinese = 'attachment; filename="报告.pdf"';

  it("GetObject through the SDK: 400 InvalidArgument, not 500", async () => {
    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "doc", ResponseContentDisposition: chinese })), "InvalidArgument", 400);
    expect(e.message).toBe("Header value cannot be represented using ISO-8859-1.");
  });

  it("HeadObject through the SDK: 400, not 500 OK", async () => {
    const e = await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc", ResponseContentDisposition: chinese })), 400);
    expectNoSuccessHeaders(e.$response?.headers ?? {});
  });

  it("names the parameter and its value, and carries none of the object's headers", async () => {
    for (const method of ["GET", "HEAD"]) {
      const res = await rawRequest(gw, { method, path: `/${bucket}/doc`, query: { "response-content-disposition": chinese } });
      expect(res.status).toBe(400);
      expectNoSuccessHeaders(res.headers);
      if (method === "GET") {
        expectErrorXml(res, "InvalidArgument", 400);
        expect(xmlElements(res.text, "ArgumentName")).toEqual(["response-content-disposition"]);
        expect(xmlElements(res.text, "ArgumentValue")).toEqual([chinese]);
        expect(Number(res.headers["content-length"])).toBe(res.body.length);
      }
    }
  });

  it.each([
    ["CR LF", "text/plain\r\nx-injected: 1"],
    ["NUL", "a\u0000b"],
    ["a control character", "a\u0001b"],
    ["DEL", "a\u007fb"],
  ])("refuses %s in an override with 400 InvalidArgument (SDK and raw)", async (_label, value) => {
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "doc", ResponseContentType: value })), "InvalidArgument", 400);
    await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "doc", ResponseContentType: value })), 400);
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/doc`, query: { "response-content-type": value } });
    expectErrorXml(res, "InvalidArgument", 400);
    expect(xmlElements(res.text, "ArgumentName")).toEqual(["response-content-type"]);
    expect(res.headers["x-injected"]).toBeUndefined();
  });

  it("sends an ISO-8859-1 character as its one byte, as S3 does", async () => {
    const value = 'attachment; filename="résumé.pdf"\tx';
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "doc", ResponseContentDisposition: value }));
    expect(got.ContentDisposition).toBe(value);
    expect(await got.Body!.transformToString()).toBe("hello");
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/doc`, query: { "response-content-disposition": value } });
    // node's client reads header bytes as latin1: one character per byte
    expect(Buffer.from(res.headers["content-disposition"] as string, "latin1")).toEqual(Buffer.from(value, "latin1"));
  });
});

describe("stored values that cannot be sent (an object written by another gateway)", () => {
  it.skipIf(ON_OZONE)("leaves them out: user metadata counted in x-amz-missing-meta, others dropped", async () => {
    // A gateway of its own: the store's rows are edited while it is stopped (it holds the database).
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-foreign-"));
    let other = await startGateway({ dataDir });
    try {
      const client = other.client();
      await client.send(new CreateBucketCommand({ Bucket: "foreign" }));
      await client.send(new PutObjectCommand({ Bucket: "foreign", Key: "obj", Body: "abc", ContentType: "text/plain", Metadata: { color: "blue", note: "x" } }));
      client.destroy();
      await other.stop({ removeData: false });
      // What node's parser never lets in, put where another writer could have: the store's rows.
      const db = new Database(path.join(dataDir, "meta.sqlite"));
      try {
        db.prepare("UPDATE objects SET meta = json_set(meta, '$.user.note', ?, '$.system.contentType', ?, '$.system.contentLanguage', ?) WHERE bucket = 'foreign' AND key = 'obj'")
          .run("a\u0001b", "报/告", "en\r\nx-injected: 1");
      } finally {
        db.close();
      }
      other = await startGateway({ dataDir });
      const again = other.client();
      for (const read of [
        () => again.send(new HeadObjectCommand({ Bucket: "foreign", Key: "obj" })),
        () => again.send(new GetObjectCommand({ Bucket: "foreign", Key: "obj" })),
      ]) {
        const got = await read();
        expect(got.$metadata.httpStatusCode).toBe(200);
        expect(got.Metadata).toEqual({ color: "blue" });
        expect(got.MissingMeta).toBe(1);
        expect(got.ContentLanguage).toBeUndefined();
        expect(got.ContentType).toBeUndefined();
      }
      again.destroy();
      const res = await rawRequest(other, { method: "GET", path: "/foreign/obj" });
      expect(res.text).toBe("abc");
      expect(res.headers["x-injected"]).toBeUndefined();
    } finally {
      await other.stop({ removeData: false });
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("an error after the success headers were set", () => {
  it.skipIf(ON_OZONE)("answers the error without the object's headers (a data file gone from the embedded store)", async () => {
    const body = bytes(256 * 1024, 7);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "lost", Body: body, Metadata: { color: "red" } }));
    // The only data file of the store: remove it, as a disk fault would.
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(dir, e.name));
        else files.push(path.join(dir, e.name));
      }
    };
    await walk(path.join(gw.dataDir, "objects"));
    expect(files).toHaveLength(1);
    await rm(files[0]);
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/lost` });
    expectErrorXml(res, "InternalError", 500);
    expectNoSuccessHeaders(res.headers);
    expect(Number(res.headers["content-length"])).toBe(res.body.length);
  });
});

describe("user metadata size, measured as sent", () => {
  // "é" is 2 bytes of UTF-8, "报" 3; the key "k" is 1. S3 allows 2 KB (2048 bytes here).
  it.each([
    [1023, true],
    [1024, false],
  ])("SDK: é x %i", async (n, fits) => {
    const value = "é".repeat(n);
    const put = s3.send(new PutObjectCommand({ Bucket: bucket, Key: `meta-e-${n}`, Body: "x", Metadata: { k: value } }));
    if (!fits) {
      await expectS3Error(put, "MetadataTooLarge", 400);
      return;
    }
    await put;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `meta-e-${n}` }));
    // the SDK sends the UTF-8 bytes and reads the answer's bytes back one character each
    expect(Buffer.from(head.Metadata!.k, "latin1").toString("utf8")).toBe(value);
  });

  // node's client refuses characters beyond U+00FF in a header: the UTF-8 bytes go raw.
  it.each([
    [682, true],
    [683, false],
  ])("raw UTF-8: 报 x %i", async (n, fits) => {
    const value = "报".repeat(n);
    const wire = Buffer.from(value, "utf8").toString("latin1");
    // signed over the UTF-8 bytes (as the SDKs sign), sent as those bytes
    const signed = await signedHeaders(gw, "PUT", `/${bucket}/meta-cjk-${n}`, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": "1", "x-amz-meta-k": value });
    const headers = { ...signed, "x-amz-meta-k": wire };
    const res = await send({ port: gw.port, method: "PUT", path: `/${bucket}/meta-cjk-${n}`, headers, body: Buffer.from("x") });
    if (!fits) {
      expectErrorXml(res, "MetadataTooLarge", 400);
      return;
    }
    expect(res.status).toBe(200);
    const head = await rawRequest(gw, { method: "HEAD", path: `/${bucket}/meta-cjk-${n}` });
    expect(head.headers["x-amz-meta-k"]).toBe(wire);
  });
});

describe("authentication information given twice", () => {
  it("refuses a presigned URL with a second X-Amz-Signature appended", async () => {
    const url = await presignedUrl(gw, `/${bucket}/doc`);
    expect((await fetch(url)).status).toBe(200);
    for (const extra of [`X-Amz-Signature=${"0".repeat(64)}`, `X-Amz-Signature=${new URL(url).searchParams.get("X-Amz-Signature")}`]) {
      const res = await fetch(`${url}&${extra}`);
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(xmlElements(text, "Code")).toEqual(["AuthorizationQueryParametersError"]);
      expect(xmlElements(text, "RequestId")).toEqual([res.headers.get("x-amz-request-id")]);
    }
  });

  it.each(["X-Amz-Date", "X-Amz-Credential", "X-Amz-Algorithm", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token"])(
    "refuses a presigned URL with %s twice, even when signed so",
    async (name) => {
      const url = new URL(await presignedUrl(gw, `/${bucket}/doc`, { query: name === "X-Amz-Security-Token" ? { [name]: "a" } : {} }));
      const value = url.searchParams.get(name) ?? "a";
      const res = await fetch(`${url.toString()}&${name}=${encodeURIComponent(value)}`);
      expect(res.status).toBe(400);
      expect(xmlElements(await res.text(), "Code")).toEqual(["AuthorizationQueryParametersError"]);
    },
  );

  /** A GET of the object signed with SigV4 (header form), with `repeat` sent a second time. */
  async function signedWithRepeat(repeat: string): Promise<RawResponse> {
    const headers = await signedHeaders(gw, "GET", `/${bucket}/doc`, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });
    const name = Object.keys(headers).find((h) => h.toLowerCase() === repeat)!;
    let head = `GET /${bucket}/doc HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += `${name}: ${headers[name]}\r\nConnection: close\r\n\r\n`;
    return rawExchange(head);
  }

  it("accepts the same request with each header once", async () => {
    const signed = await signedHeaders(gw, "GET", `/${bucket}/doc`, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });
    let head = `GET /${bucket}/doc HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(signed)) head += `${k}: ${v}\r\n`;
    const res = await rawExchange(`${head}Connection: close\r\n\r\n`);
    expect(res.status).toBe(200);
  });

  it.each(["authorization", "x-amz-date", "x-amz-content-sha256"])("refuses %s sent twice with 400 InvalidArgument naming it", async (name) => {
    const res = await signedWithRepeat(name);
    expectErrorXml(res, "InvalidArgument", 400);
    expect(xmlElements(res.text, "ArgumentName")).toEqual([name]);
  });
});

describe("a repeated x-amz-meta-* header", () => {
  it("is stored as its values joined with \",\" (as SigV4 signs them, and S3 and MinIO store them), a single value with \", \" in it as sent", async () => {
    // signed as SigV4 canonicalises the two lines sent below: one header, values joined with ","
    const signed = await signedHeaders(gw, "PUT", `/${bucket}/repeated-meta`, {
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
      "content-length": "0",
      "x-amz-meta-key": "value-1,value-2",
      "x-amz-meta-one": "a, b",
    });
    let head = `PUT /${bucket}/repeated-meta HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(signed)) {
      head += k.toLowerCase() === "x-amz-meta-key" ? "x-amz-meta-key: value-1\r\nX-Amz-Meta-Key: value-2\r\n" : `${k}: ${v}\r\n`;
    }
    const res = await rawExchange(`${head}Connection: close\r\n\r\n`);
    expect(res.status, res.text).toBe(200);
    const got = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "repeated-meta" }));
    expect(got.Metadata).toEqual({ key: "value-1,value-2", one: "a, b" });
  });
});

describe("requests node's HTTP parser refuses", () => {
  function expectClosedWithS3Error(res: RawResponse, code: string, status: number): void {
    expectErrorXml(res, code, status);
    expect(res.headers.connection).toBe("close");
  }

  it("a malformed request line", async () => {
    expectClosedWithS3Error(await rawExchange("GARBAGE\r\n\r\n"), "InvalidRequest", 400);
    expectClosedWithS3Error(await rawExchange("GET / HTTP/9.9 extra\r\n\r\n"), "InvalidRequest", 400);
  });

  it("an invalid character in a header", async () => {
    expectClosedWithS3Error(await rawExchange("GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n"), "InvalidRequest", 400);
    expectClosedWithS3Error(await rawExchange("GET / HTTP/1.1\r\nHost: x\r\nx-amz-meta-a: a\u0001b\r\n\r\n"), "InvalidRequest", 400);
  });

  it("a header section over the limit: 400 RequestHeaderSectionTooLarge, as S3", async () => {
    const res = await rawExchange(`GET / HTTP/1.1\r\nHost: x\r\nx-amz-meta-big: ${"a".repeat(20_000)}\r\n\r\n`);
    expectClosedWithS3Error(res, "RequestHeaderSectionTooLarge", 400);
    expect(Number(xmlElements(res.text, "MaxSizeAllowed")[0])).toBeGreaterThan(0);
  });

  it("a broken chunked body", async () => {
    const res = await rawExchange(`PUT /${bucket}/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n`);
    expectClosedWithS3Error(res, "InvalidRequest", 400);
  });

  it("bytes past a whole request's body (more than its Content-Length): that request is answered first, then the 400, in order", async () => {
    const put = async (key: string, headers: Record<string, string> = {}) => {
      const signed = await signedHeaders(gw, "PUT", `/${bucket}/${key}`, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": "2", ...headers });
      let head = `PUT /${bucket}/${key} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(signed)) head += `${k}: ${v}\r\n`;
      // "ba" is the body; "r" cannot start a request
      return rawExchange(`${head}\r\n`, Buffer.from("bar"));
    };
    const stored = await put("overlong");
    expect(stored.status).toBe(200);
    expect(stored.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*<Code>InvalidRequest<\/Code>/);
    expect(await (await rawRequest(gw, { method: "GET", path: `/${bucket}/overlong` })).text).toBe("ba");
    // the body's Content-MD5 was of all three bytes: the PUT's own answer, BadDigest, comes first
    const refused = await put("overlong-md5", { "content-md5": createHash("md5").update("bar").digest("base64") });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/<Code>BadDigest<\/Code>[\s\S]*HTTP\/1\.1 400 Bad Request\r\n[\s\S]*<Code>InvalidRequest<\/Code>/);
  });

  it("a method fastify has no route for: 405 MethodNotAllowed (the routing filter answers it)", async () => {
    const res = await rawRequest(gw, { method: "PATCH", path: `/${bucket}/doc` });
    expectErrorXml(res, "MethodNotAllowed", 405);
  });

  it("counts them in s3gw_requests_total", async () => {
    const before = await metric("s3gw_requests_total", { operation: "unknown", status: "400", code: "InvalidRequest" });
    await rawExchange("GARBAGE\r\n\r\n");
    expect(await metric("s3gw_requests_total", { operation: "unknown", status: "400", code: "InvalidRequest" })).toBe(before + 1);
  });
});

describe("s3gw_sent_bytes_total", () => {
  it("counts body bytes: none for HEAD and 304, the body for GET", async () => {
    const key = `sent-${randomBytes(3).toString("hex")}`;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes(10_000, 3) }));
    const sent = (operation: string) => metric("s3gw_sent_bytes_total", { operation });
    const head0 = await sent("HeadObject");
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await rawRequest(gw, { method: "HEAD", path: `/${bucket}/${key}` });
    expect(await sent("HeadObject")).toBe(head0);

    const get0 = await sent("GetObject");
    await expectBodilessError(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: put.ETag })), 304);
    expect(await sent("GetObject")).toBe(get0);
    const got = await rawRequest(gw, { method: "GET", path: `/${bucket}/${key}` });
    expect(got.body.length).toBe(10_000);
    expect(await sent("GetObject")).toBe(get0 + 10_000);
  });
});

describe("a response the client cuts short", () => {
  it("is counted and audited, with the bytes sent, as 499 ClientAborted", async () => {
    const size = 64 * 1024 * 1024;
    const key = "large-abort";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes(size, 11) }));
    const labels = { operation: "GetObject", status: "499", code: "ClientAborted" };
    const before = await metric("s3gw_requests_total", labels);
    const sentBefore = await metric("s3gw_sent_bytes_total", { operation: "GetObject" });

    const signed = await signedHeaders(gw, "GET", `/${bucket}/${key}`, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });
    let head = `GET /${bucket}/${key} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(signed)) head += `${k}: ${v}\r\n`;
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(gw.port, "127.0.0.1");
      socket.on("error", reject);
      socket.on("data", (d: Buffer) => {
        received += d.length;
        if (received >= 1024 * 1024) {
          socket.destroy();
          resolve();
        }
      });
      socket.write(`${head}\r\n`);
    });

    let requestId: string | undefined;
    await expect.poll(async () => {
      const line = gw.output().split("\n").find((l) => l.includes('"aborted":true') && l.includes(`"key":"${key}"`));
      requestId = line ? (JSON.parse(line) as { requestId: string }).requestId : undefined;
      return line !== undefined && (await metric("s3gw_requests_total", labels)) === before + 1;
    }, { timeout: 10_000 }).toBe(true);
    const audit = JSON.parse(gw.output().split("\n").find((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"audit":true'))!) as Record<string, unknown>;
    expect(audit).toMatchObject({ status: 499, error: "ClientAborted", aborted: true, sentStatus: 200, operation: "GetObject" });
    const bytesSent = audit.bytesSent as number;
    // at least what the client read (1 MiB, less the status line and headers), far from all
    expect(bytesSent).toBeGreaterThanOrEqual(1024 * 1024 - 4096);
    expect(bytesSent).toBeLessThan(size);
    expect(await metric("s3gw_sent_bytes_total", { operation: "GetObject" })).toBe(sentBefore + bytesSent);
  });

  it("an upload the client cuts short is audited and counted too", async () => {
    const key = "upload-abort";
    const before = await metric("s3gw_requests_total", { operation: "PutObject", status: "499", code: "ClientAborted" });
    const length = 8 * 1024 * 1024;
    const signed = await signedHeaders(gw, "PUT", `/${bucket}/${key}`, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": String(length) });
    let head = `PUT /${bucket}/${key} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(signed)) head += `${k}: ${v}\r\n`;
    const socket = net.connect(gw.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(`${head}\r\n`);
    socket.write(bytes(1024 * 1024, 5));
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    await expect.poll(() => metric("s3gw_requests_total", { operation: "PutObject", status: "499", code: "ClientAborted" }), { timeout: 10_000 }).toBe(before + 1);
    expect(gw.output().split("\n").some((l) => l.includes('"aborted":true') && l.includes(`"key":"${key}"`))).toBe(true);
    await expectBodilessError(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), 404);
  });
});
