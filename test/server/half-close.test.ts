/**
 * A client that half-closes its connection once its request is sent (shutdown(SHUT_WR): "no more
 * requests from me") still gets its answer, then the connection closes (RFC 9112 9.6; versitygw
 * answers so, MinIO with a 499). Through one process (whose HTTP(S) server listens itself) and two
 * (whose connections come from the primary's TCP server, runtime/workers/connections.ts), over
 * plain HTTP and TLS: before, node's HTTP server ended such a connection at once and an answer not
 * ready by then was never sent; a PUT was stored without a word to its client.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientWith, startGateway, type RunningGateway } from "../support/server.js";
import { signer } from "../integration/helpers.js";
import { issue, makeCa, opensslVersion, type Issued } from "./tls-certs.js";

const openssl = await opensslVersion();
if (!openssl) console.warn("half-close.test.ts: the TLS cases are skipped, this machine has no openssl command to make test certificates");

let dir: string;
let ca: Issued;
const running: RunningGateway[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-half-close-"));
  if (openssl) {
    ca = await makeCa(dir, "half-close-ca");
    const server = await issue(dir, "half-close-server", ca, "2001");
    await writeFile(path.join(dir, "server.crt"), server.cert);
    await writeFile(path.join(dir, "server.key"), server.key, { mode: 0o600 });
  }
});
afterAll(async () => {
  for (const gw of running) await gw.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: string;
  body: Buffer;
}

/**
 * Sends one SigV4-signed request on a new connection, then half-closes it at once (end(): a FIN
 * after the request), and reads until the gateway closes the connection.
 */
async function halfClosed(gw: RunningGateway, secure: boolean, method: string, urlPath: string, body = Buffer.alloc(0)): Promise<Answer> {
  const host = `127.0.0.1:${gw.port}`;
  const signed = await signer(gw).sign({
    method,
    protocol: secure ? "https:" : "http:",
    hostname: "127.0.0.1",
    port: gw.port,
    path: urlPath,
    query: {},
    headers: { host, "content-length": String(body.length), "x-amz-content-sha256": createHash("sha256").update(body).digest("hex") },
    body,
  });
  let head = `${method} ${urlPath} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(signed.headers)) head += `${name}: ${value}\r\n`;
  const wire = Buffer.concat([Buffer.from(`${head}\r\n`), body]);
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onConnect = () => socket.end(wire);
    const socket: net.Socket = secure
      ? tls.connect({ host: "127.0.0.1", port: gw.port, ca: ca.cert, servername: "localhost" }, onConnect)
      : net.connect(gw.port, "127.0.0.1", onConnect);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
  });
  const end = received.indexOf("\r\n\r\n");
  const headers = end < 0 ? received.toString("latin1") : received.subarray(0, end).toString("latin1");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0);
  return { status, headers, body: end < 0 ? Buffer.alloc(0) : received.subarray(end + 4) };
}

function sdk(gw: RunningGateway, secure: boolean): S3Client {
  return secure ? clientWith(gw, new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: ca.cert }) })) : gw.client();
}

const cases = [
  { workers: 1, secure: false },
  { workers: 2, secure: false },
  { workers: 1, secure: true },
  { workers: 2, secure: true },
];

describe("a request whose client half-closes the connection after it", () => {
  for (const { workers, secure } of cases) {
    it.skipIf(secure && !openssl)(`is answered, then the connection closes: ${workers === 1 ? "one process" : "two processes"}, ${secure ? "TLS" : "plain HTTP"}`, async () => {
      const gw = await startGateway({
        workers,
        ...(secure && { env: { S3G_TLS_CERT: path.join(dir, "server.crt"), S3G_TLS_KEY: path.join(dir, "server.key") } }),
      });
      running.push(gw);
      const client = sdk(gw, secure);
      const bucket = `half-close-${workers}-${secure ? "tls" : "http"}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      // six of each, a new connection each: with two processes, the primary and the worker serve
      // three each (connections are handed out in turn)
      for (let i = 0; i < 6; i++) {
        const body = Buffer.from(`half-closed PUT ${i}`);
        const put = await halfClosed(gw, secure, "PUT", `/${bucket}/k${i}`, body);
        expect(put.status, put.headers).toBe(200);
        expect(put.headers.toLowerCase()).toContain(`etag: "${createHash("md5").update(body).digest("hex")}"`);
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `k${i}` }));
        expect(Buffer.from(await got.Body!.transformToByteArray()).toString()).toBe(body.toString());
      }
      for (let i = 0; i < 6; i++) {
        const get = await halfClosed(gw, secure, "GET", `/${bucket}/k${i}`);
        expect(get.status, get.headers).toBe(200);
        expect(get.body.toString()).toBe(`half-closed PUT ${i}`);
      }
      client.destroy();
    });
  }
});
