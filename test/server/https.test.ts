/**
 * HTTPS on the S3 port (s3.tls.certFile / keyFile / caFile), through the real gateway process and
 * the AWS SDK trusting a CA made for the test: SigV4 over TLS, the certificate reloaded on SIGHUP
 * without dropping the listener, a bad reload keeping the certificate in use, the chain completed
 * from caFile, and the TLS handshake and request headers under the same deadline as over HTTP.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { createHash } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAIN, startGateway, type RunningGateway } from "../support/server.js";
import { presignedUrl } from "../integration/helpers.js";
import { issue, makeCa, opensslVersion, type Issued } from "./tls-certs.js";

const HEADERS_MS = 1000;
/** the gateway under test runs two worker processes: each serves TLS and reloads it on SIGHUP */
const WORKERS = 2;
/** what a loaded 2-core machine may add to a deadline */
const SLACK_MS = 1500;

const openssl = await opensslVersion();
if (!openssl) console.warn("https.test.ts: skipped, this machine has no openssl command to make test certificates");

let dir: string;
let ca: Issued;
let first: Issued;
let second: Issued;
let gw: RunningGateway;
const certFile = () => path.join(dir, "live", "server.crt");
const keyFile = () => path.join(dir, "live", "server.key");

async function install(c: Issued): Promise<void> {
  await writeFile(certFile(), c.cert);
  await writeFile(keyFile(), c.key, { mode: 0o600 });
}

/** An SDK client of `g` trusting only `trusted` (the test CA): no verification is turned off. */
function client(g: RunningGateway, trusted: string): S3Client {
  return new S3Client({
    endpoint: g.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey },
    maxAttempts: 1,
    requestHandler: { httpsAgent: new https.Agent({ ca: trusted, keepAlive: true }) },
  });
}

/** The certificate a new TLS connection to `port` is given, verified against `trusted`. */
function peerCertificate(port: number, trusted: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca: trusted, servername: "localhost" }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once("error", reject);
  });
}

/** GET over HTTPS with node's client (for presigned URLs), trusting `trusted`. */
function httpsGet(url: string, trusted: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: trusted }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      })
      .once("error", reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!openssl)("HTTPS on the S3 port", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-tls-"));
    await mkdir(path.join(dir, "live"));
    ca = await makeCa(dir, "test-root-ca");
    first = await issue(dir, "server-1", ca, "1001");
    second = await issue(dir, "server-2", ca, "1002");
    await install(first);
    const config = path.join(dir, "config.json");
    await writeFile(config, JSON.stringify({ limits: { headersTimeoutMs: HEADERS_MS } }));
    gw = await startGateway({
      args: ["--config", config, "--tls-cert", certFile(), "--tls-key", keyFile()],
      env: { S3G_LOG_LEVEL: "info" },
      workers: WORKERS,
    });
  });
  afterAll(async () => {
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("serves S3 over HTTPS: the start-up lines say https://, the AWS SDK's signed PUT and GET round-trip", async () => {
    expect(gw.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.output()).toContain(`S3 endpoint:    ${gw.endpoint}, region us-east-1`);
    expect(gw.output()).toContain(`TLS:            certificate ${certFile()} (read again on SIGHUP)`);
    const s3 = client(gw, ca.cert);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: "tls-bucket" }));
      const body = Buffer.alloc(300_000, 7); // past the SDK's small-body path: an aws-chunked upload with a trailer checksum
      await s3.send(new PutObjectCommand({ Bucket: "tls-bucket", Key: "a/b.bin", Body: body }));
      const got = await s3.send(new GetObjectCommand({ Bucket: "tls-bucket", Key: "a/b.bin" }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    } finally {
      s3.destroy();
    }
  });

  it("SSE-C over TLS: a new object with a customer key is refused (501), and nothing is written; an existing object's key is not applicable (400)", async () => {
    const s3 = client(gw, ca.cert);
    const key = Buffer.alloc(32, 9);
    const customerKey = { SSECustomerAlgorithm: "AES256", SSECustomerKey: key.toString("base64"), SSECustomerKeyMD5: createHash("md5").update(key).digest("base64") };
    try {
      const put = await s3.send(new PutObjectCommand({ Bucket: "tls-bucket", Key: "sse-c", Body: "secret", ...customerKey })).catch((e: S3ServiceException) => e);
      expect(put).toBeInstanceOf(S3ServiceException);
      expect([(put as S3ServiceException).name, (put as S3ServiceException).$metadata.httpStatusCode]).toEqual(["NotImplemented", 501]);
      expect((put as S3ServiceException).message).toContain("customer-provided keys");
      const head = await s3.send(new HeadObjectCommand({ Bucket: "tls-bucket", Key: "sse-c" })).catch((e: S3ServiceException) => e);
      expect((head as S3ServiceException).$metadata.httpStatusCode).toBe(404);

      await s3.send(new PutObjectCommand({ Bucket: "tls-bucket", Key: "plain", Body: "plain" }));
      const get = await s3.send(new GetObjectCommand({ Bucket: "tls-bucket", Key: "plain", ...customerKey })).catch((e: S3ServiceException) => e);
      expect([(get as S3ServiceException).name, (get as S3ServiceException).message]).toEqual(["InvalidRequest", "The encryption parameters are not applicable to this object."]);
    } finally {
      s3.destroy();
    }
  });

  it("verifies SigV4 over TLS with the port in the signed host: a presigned URL works, one signed for the host without the port does not", async () => {
    const s3 = client(gw, ca.cert);
    await s3.send(new PutObjectCommand({ Bucket: "tls-bucket", Key: "presigned", Body: "over tls" }));
    s3.destroy();
    const url = await presignedUrl(gw, "/tls-bucket/presigned");
    expect(url.startsWith("https://")).toBe(true);
    expect(await httpsGet(url, ca.cert)).toEqual({ status: 200, body: "over tls" });
    // the same signature sent to the same server under another Host (no port): the signed host differs
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(url);
      https
        .get({ host: "127.0.0.1", port: gw.port, path: `${u.pathname}${u.search}`, headers: { host: "127.0.0.1" }, ca: ca.cert }, (r) => {
          let body = "";
          r.setEncoding("utf8").on("data", (d: string) => (body += d));
          r.on("end", () => resolve({ status: r.statusCode!, body }));
        })
        .once("error", reject);
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  it("refuses a plain HTTP request on the HTTPS port without answering it in clear", async () => {
    const got = await new Promise<string>((resolve) => {
      const socket = net.connect(gw.port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
      let data = "";
      socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
      socket.on("close", () => resolve(data));
      socket.on("error", () => resolve(data));
    });
    expect(got).not.toContain("HTTP/1.1 ");
  });

  it("closes a connection that never finishes its TLS handshake, and a request whose headers stall, within limits.headersTimeoutMs", async () => {
    const silent = await new Promise<number>((resolve) => {
      const opened = performance.now();
      const socket = net.connect(gw.port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(performance.now() - opened));
    });
    expect(silent).toBeLessThan(HEADERS_MS + SLACK_MS);
    const stalled = await new Promise<{ ms: number; data: string }>((resolve, reject) => {
      let opened = 0;
      let data = "";
      const socket = tls.connect({ host: "127.0.0.1", port: gw.port, ca: ca.cert, servername: "localhost" }, () => {
        opened = performance.now();
        socket.write("GET /tls-bucket HTTP/1.1\r\nhost: 127.0.0.1\r\n");
      });
      socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
      socket.on("close", () => resolve({ ms: performance.now() - opened, data }));
      socket.on("error", reject);
    });
    expect(stalled.ms).toBeLessThan(HEADERS_MS + SLACK_MS);
    expect(stalled.data).toMatch(/^HTTP\/1\.1 400 /);
    expect(stalled.data).toContain("<Code>RequestTimeout</Code>");
  });

  it("reloads the certificate on SIGHUP without dropping the listener; a bad new certificate keeps the old one in service", async () => {
    const s3 = client(gw, ca.cert);
    try {
      expect((await peerCertificate(gw.port, ca.cert)).serialNumber).toBe(first.serial);
      await s3.send(new PutObjectCommand({ Bucket: "tls-bucket", Key: "before-reload", Body: "1" }));

      await install(second);
      gw.process.kill("SIGHUP");
      // every worker reloads its own (the primary passes the signal on); new connections go to each in turn
      await expect.poll(() => gw.output().split("TLS certificate reloaded").length - 1, { timeout: 5000, interval: 100 }).toBe(WORKERS);
      for (let i = 0; i < 2 * WORKERS; i++) expect((await peerCertificate(gw.port, ca.cert)).serialNumber).toBe(second.serial);
      // same process, same port; the SDK's kept-alive connection and new ones both work
      expect(gw.process.exitCode).toBe(null);
      await s3.send(new PutObjectCommand({ Bucket: "tls-bucket", Key: "after-reload", Body: "2" }));
      const fresh = client(gw, ca.cert);
      expect(await (await fresh.send(new GetObjectCommand({ Bucket: "tls-bucket", Key: "after-reload" }))).Body!.transformToString()).toBe("2");
      fresh.destroy();

      // a key that does not belong to the certificate
      await writeFile(certFile(), first.cert);
      gw.process.kill("SIGHUP");
      await expect.poll(() => gw.output().split("TLS certificate not reloaded").length - 1, { timeout: 5000, interval: 100 }).toBe(WORKERS);
      expect((await peerCertificate(gw.port, ca.cert)).serialNumber).toBe(second.serial);
      // not PEM at all
      await writeFile(certFile(), "not a certificate\n");
      gw.process.kill("SIGHUP");
      await expect.poll(() => gw.output().split("TLS certificate not reloaded").length - 1, { timeout: 5000, interval: 100 }).toBe(2 * WORKERS);
      // a key file that cannot be read
      await install(second);
      await chmod(keyFile(), 0o000);
      const unreadable = process.getuid?.() !== 0; // root reads it anyway
      gw.process.kill("SIGHUP");
      await sleep(300);
      await chmod(keyFile(), 0o600);
      if (unreadable) await expect.poll(() => gw.output().split("TLS certificate not reloaded").length - 1, { timeout: 5000, interval: 100 }).toBe(3 * WORKERS);

      expect(gw.process.exitCode).toBe(null);
      expect((await peerCertificate(gw.port, ca.cert)).serialNumber).toBe(second.serial);
      const got = await s3.send(new GetObjectCommand({ Bucket: "tls-bucket", Key: "before-reload" }));
      expect(await got.Body!.transformToString()).toBe("1");
    } finally {
      s3.destroy();
    }
  });

  it("SIGTERM with an idle kept-alive TLS connection open: closed at once, the process exits well before the 30 s grace", async () => {
    const s3 = client(gw, ca.cert);
    try {
      await s3.send(new GetObjectCommand({ Bucket: "tls-bucket", Key: "before-reload" })).then((r) => r.Body!.transformToString());
      const exited = new Promise<number>((resolve) => gw.process.once("exit", () => resolve(performance.now())));
      const signalled = performance.now();
      gw.process.kill("SIGTERM");
      expect((await exited) - signalled).toBeLessThan(10_000);
    } finally {
      s3.destroy();
    }
  });
});

describe.skipIf(!openssl)("HTTPS: the chain and the start-up checks", () => {
  let chainDir: string;
  beforeAll(async () => {
    chainDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-tls-chain-"));
  });
  afterAll(async () => {
    if (chainDir) await rm(chainDir, { recursive: true, force: true });
  });

  it("sends the intermediate CA of s3.tls.caFile after the certificate: a client trusting only the root verifies the chain", async () => {
    const root = await makeCa(chainDir, "root");
    const intermediate = await issue(chainDir, "intermediate", root, "2001", { ca: true });
    const leaf = await issue(chainDir, "leaf", intermediate, "2002");
    const files = { cert: path.join(chainDir, "leaf.pem"), key: path.join(chainDir, "leaf-key.pem"), ca: path.join(chainDir, "chain.pem") };
    await writeFile(files.cert, leaf.cert);
    await writeFile(files.key, leaf.key, { mode: 0o600 });
    await writeFile(files.ca, intermediate.cert);
    const g = await startGateway({ env: { S3G_TLS_CERT: files.cert, S3G_TLS_KEY: files.key, S3G_TLS_CA: files.ca } });
    try {
      const peer = await peerCertificate(g.port, root.cert);
      expect(peer.serialNumber).toBe(leaf.serial);
      const s3 = client(g, root.cert);
      await s3.send(new CreateBucketCommand({ Bucket: "chained" }));
      s3.destroy();
    } finally {
      await g.stop();
    }
  });

  it("refuses to start with a certificate and a key that do not match: the problem on stderr, exit status 2", async () => {
    const root = await makeCa(chainDir, "root2");
    const a = await issue(chainDir, "a", root, "3001");
    const b = await issue(chainDir, "b", root, "3002");
    await writeFile(path.join(chainDir, "a.pem"), a.cert);
    await writeFile(path.join(chainDir, "b-key.pem"), b.key);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [MAIN, "--port", "0", "--admin-port", "0", "--data-dir", chainDir, "--tls-cert", path.join(chainDir, "a.pem"), "--tls-key", path.join(chainDir, "b-key.pem")],
        { env: { PATH: process.env.PATH ?? "", S3G_ACCESS_KEY: "AKIDTLSTEST", S3G_SECRET_KEY: "secret-tls-test" } },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("s3.tls:");
    expect(r.stderr).toMatch(/key values mismatch|KEY_VALUES_MISMATCH/i);
  });
});
