/**
 * Zero-copy sends (runtime/sendfile.ts, native/sendfile): the addon on a real loopback TCP
 * connection, then GETs through the gateway sent by sendfile(2), checked byte for byte and by
 * the metric that counts them, against the same gateway with `embedded.sendfile` off.
 *
 * The addon is built by `npm install` (scripts/build-native.mjs); these tests fail without it.
 */
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureSendfile, FileEndedError, sendFile, sendfileAvailable } from "../../runtime/sendfile.js";
import { metricOf } from "../support/metrics.js";
import { ROOT, filesUnder, startGateway, type RunningGateway } from "../support/server.js";
import { bucketName } from "../integration/helpers.js";

const MIB = 1024 * 1024;

/** A connected loopback pair: `server` is the side sent on, `client` the side that reads. */
async function connectedPair(): Promise<{ server: net.Socket; client: net.Socket; fd: number; close(): void }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once("connection", resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, "127.0.0.1");
  const server = await accepted;
  listener.close();
  // a peer that goes away resets the connection: the sends' own errors are what the tests look at
  server.on("error", () => {});
  client.on("error", () => {});
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return {
    server,
    client,
    fd,
    close() {
      server.destroy();
      client.destroy();
    },
  };
}

function collect(socket: net.Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= bytes) resolve(Buffer.concat(chunks));
    });
    socket.once("error", reject);
  });
}

function send(socketFd: number, fileFd: number, offset: number, length: number): { done: Promise<{ err?: Error; sent: number; ms: number }>; cancel(): void } {
  const started = performance.now();
  let cancel = () => {};
  const done = new Promise<{ err?: Error; sent: number; ms: number }>((resolve) => {
    cancel = sendFile(socketFd, fileFd, offset, length, (err, sent) => resolve({ err, sent, ms: performance.now() - started })).cancel;
  });
  return { done, cancel: () => cancel() };
}

const openFds = () => readdirSync("/proc/self/fd").length;

describe("the sendfile addon", () => {
  let dir: string;
  let file: string;
  const data = randomBytes(64 * MIB);

  beforeAll(async () => {
    expect(sendfileAvailable(), "native/sendfile is not built: npm run build:native").toBe(true);
    configureSendfile({ enabled: true, idleMs: 400 });
    dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-sendfile-"));
    file = path.join(dir, "data");
    writeFileSync(file, data);
  });
  afterAll(async () => {
    configureSendfile({ enabled: false, idleMs: 20_000 });
    await rm(dir, { recursive: true, force: true });
  });

  it("sends the range asked for, byte for byte, and the caller may close its descriptor at once", async () => {
    const pair = await connectedPair();
    const fd = openSync(file, "r");
    const offset = 12_345;
    const length = 5 * MIB + 17;
    const received = collect(pair.client, length);
    const s = send(pair.fd, fd, offset, length);
    // the addon holds its own duplicate: closing ours changes nothing
    closeSync(fd);
    const r = await s.done;
    expect(r.err).toBeUndefined();
    expect(r.sent).toBe(length);
    expect((await received).equals(data.subarray(offset, offset + length))).toBe(true);
    pair.close();
  });

  it("fails with FileEndedError, after the bytes there were, when the file is shorter than the length", async () => {
    const pair = await connectedPair();
    const fd = openSync(file, "r");
    const received = collect(pair.client, MIB);
    const r = await send(pair.fd, fd, data.length - MIB, 2 * MIB).done;
    closeSync(fd);
    expect(r.err).toBeInstanceOf(FileEndedError);
    expect(r.sent).toBe(MIB);
    expect((await received).equals(data.subarray(data.length - MIB))).toBe(true);
    pair.close();
  });

  it("fails with ETIMEDOUT when the peer reads nothing for the idle time, and keeps no thread or descriptor", async () => {
    const before = openFds();
    const pair = await connectedPair();
    pair.client.pause();
    const fd = openSync(file, "r");
    const r = await send(pair.fd, fd, 0, data.length).done;
    closeSync(fd);
    expect((r.err as NodeJS.ErrnoException).code).toBe("ETIMEDOUT");
    expect(r.sent).toBeGreaterThan(0);
    expect(r.sent).toBeLessThan(data.length);
    // the idle time (400 ms) from the moment the socket filled, not from the start
    expect(r.ms).toBeGreaterThanOrEqual(400);
    expect(r.ms).toBeLessThan(400 + 3000);
    pair.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFds()).toBe(before);
  });

  it("ends with ECANCELED soon after cancel(), even while it waits for a full socket", async () => {
    const pair = await connectedPair();
    pair.client.pause();
    const fd = openSync(file, "r");
    const s = send(pair.fd, fd, 0, data.length);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const at = performance.now();
    s.cancel();
    const r = await s.done;
    closeSync(fd);
    expect((r.err as NodeJS.ErrnoException).code).toBe("ECANCELED");
    expect(performance.now() - at).toBeLessThan(300);
    pair.close();
  });

  it("fails (EPIPE or ECONNRESET) when the peer goes away in the middle", async () => {
    const pair = await connectedPair();
    pair.client.pause();
    const fd = openSync(file, "r");
    const s = send(pair.fd, fd, 0, data.length);
    await new Promise((resolve) => setTimeout(resolve, 100));
    pair.client.destroy();
    const r = await s.done;
    closeSync(fd);
    expect(["EPIPE", "ECONNRESET"]).toContain((r.err as NodeJS.ErrnoException).code);
    pair.close();
  });

  it("ends a send that cannot start (no descriptor to duplicate) through its callback, later, with the reason", async () => {
    const fd = openSync(file, "r");
    let sync = true;
    const s = send(1_000_000, fd, 0, 10);
    sync = false;
    const r = await s.done;
    closeSync(fd);
    expect(sync).toBe(false);
    expect(r.sent).toBe(0);
    expect(r.err?.message).toMatch(/dup\(2\) of a descriptor failed: Bad file descriptor/);
  });

  it("leaves no descriptor behind over many sends", async () => {
    const before = openFds();
    for (let i = 0; i < 50; i++) {
      const pair = await connectedPair();
      const fd = openSync(file, "r");
      const received = collect(pair.client, 64 * 1024);
      const r = await send(pair.fd, fd, i * 1000, 64 * 1024).done;
      closeSync(fd);
      expect(r.err).toBeUndefined();
      expect((await received).equals(data.subarray(i * 1000, i * 1000 + 64 * 1024))).toBe(true);
      pair.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openFds()).toBe(before);
  });
});

/** s3gw_sendfile_sent_bytes_total of a gateway (its processes summed) */
function zeroCopyBytes(gw: RunningGateway): Promise<number> {
  return metricOf(gw, "s3gw_sendfile_sent_bytes_total");
}

describe.each([
  { label: "sendfile on (the default)", env: {} as Record<string, string>, zeroCopy: true },
  { label: "S3G_SENDFILE=false", env: { S3G_SENDFILE: "false" } as Record<string, string>, zeroCopy: false },
])("GET bodies with $label", ({ env, zeroCopy }) => {
  let gw: RunningGateway;
  let s3: S3Client;
  const bucket = bucketName("sendfile");
  const single = randomBytes(3 * MIB + 11);
  // parts: a file, an inline part (under the 64 KiB inline limit, as a last part may be), and none after
  const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB + 3), randomBytes(10_000)];
  const whole = Buffer.concat(parts);

  /** `key` uploaded in parts, one per body, in order; `afterPart` runs after each part's upload. */
  async function uploadInParts(key: string, bodies: readonly Uint8Array[], afterPart: () => Promise<void> = async () => undefined): Promise<void> {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const etags: string[] = [];
    for (const [i, body] of bodies.entries()) {
      etags.push((await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }))).ETag!);
      await afterPart();
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
    );
  }

  beforeAll(async () => {
    gw = await startGateway({ env });
    s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "single", Body: single }));
    await uploadInParts("multi", parts);
  });
  afterAll(async () => {
    s3?.destroy();
    await gw?.stop();
  });

  it(`says so at start, serves every read byte for byte, and counts ${zeroCopy ? "its bodies" : "nothing"} as sent by sendfile`, async () => {
    expect(gw.output()).toContain(zeroCopy ? "GET bodies by sendfile(2)" : `data directory ${gw.dataDir}\n`);
    const before = await zeroCopyBytes(gw);
    const get = async (Key: string, extra: { Range?: string; PartNumber?: number } = {}) =>
      Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key, ...extra }))).Body!.transformToByteArray());
    const cases: [Buffer, Buffer][] = [
      [await get("single"), single],
      [await get("single", { Range: "bytes=1000-2099999" }), single.subarray(1000, 2_100_000)],
      [await get("multi"), whole],
      // across the three parts, the inline one included
      [await get("multi", { Range: `bytes=${5 * MIB - 10}-` }), whole.subarray(5 * MIB - 10)],
      [await get("multi", { PartNumber: 2 }), parts[1]],
      [await get("multi", { PartNumber: 3 }), parts[2]],
    ];
    for (const [got, want] of cases) expect(got.equals(want)).toBe(true);
    // the bytes of file segments: all but the inline part's, written as it is (in the whole
    // object, the range from part 1 on and part 3)
    const fileBytes = cases.reduce((sum, [got]) => sum + got.length, 0) - 3 * parts[2].length;
    expect((await zeroCopyBytes(gw)) - before).toBe(zeroCopy ? fileBytes : 0);
  });

  it("serves a client that half-closes and then reads slowly, idle while the socket is full", async () => {
    const large = randomBytes(48 * MIB);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "large", Body: large }));
    const { signer } = await import("../integration/helpers.js");
    const host = `127.0.0.1:${gw.port}`;
    const signed = await signer(gw).sign({ method: "GET", protocol: "http:", hostname: "127.0.0.1", port: gw.port, path: `/${bucket}/large`, query: {}, headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    const socket = net.connect(gw.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let got = 0;
    const ended = new Promise<void>((resolve, reject) => {
      let headEnd = -1;
      socket.on("data", (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        if (headEnd < 0) headEnd = Buffer.concat(chunks).indexOf("\r\n\r\n");
        // done once the whole body is in, after the head (not when the bytes first outnumber the body's)
        if (headEnd >= 0 && got >= headEnd + 4 + large.length) resolve();
      });
      socket.once("error", reject);
    });
    // the request, then the client's side shut (a half-close: it still reads)
    socket.end(`GET /${bucket}/large HTTP/1.1\r\n${Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
    await new Promise((resolve) => socket.once("data", resolve));
    socket.pause();
    const cpu = async () => {
      let ticks = 0;
      for (const pid of await gw.allPids()) {
        const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks += Number(f[11]) + Number(f[12]);
      }
      return ticks * 10; // ms (100 ticks a second)
    };
    const before = await cpu();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // waiting on a full socket costs nothing (a busy wait would take most of a core for the second)
    expect((await cpu()) - before).toBeLessThan(300);
    socket.resume();
    await ended;
    const all = Buffer.concat(chunks);
    expect(all.subarray(all.indexOf("\r\n\r\n") + 4).equals(large)).toBe(true);
    socket.destroy();
  });

  it(`answers two GETs pipelined on one connection in order, each whole${zeroCopy ? ", the second by sendfile too once its turn came" : ""}`, async () => {
    const before = await zeroCopyBytes(gw);
    const { signer } = await import("../integration/helpers.js");
    const head = async (key: string) => {
      const host = `127.0.0.1:${gw.port}`;
      const signed = await signer(gw).sign({ method: "GET", protocol: "http:", hostname: "127.0.0.1", port: gw.port, path: `/${bucket}/${key}`, query: {}, headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
      return `GET /${bucket}/${key} HTTP/1.1\r\n${Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
    };
    const socket = net.connect(gw.port, "127.0.0.1");
    socket.write((await head("single")) + (await head("multi")));
    const responses = await new Promise<{ status: string; body: Buffer }[]>((resolve, reject) => {
      let buffered = Buffer.alloc(0);
      const done: { status: string; body: Buffer }[] = [];
      socket.on("data", (c: Buffer) => {
        buffered = Buffer.concat([buffered, c]);
        for (;;) {
          const end = buffered.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = buffered.subarray(0, end).toString("latin1");
          const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
          if (buffered.length < end + 4 + length) return;
          done.push({ status: head.slice(0, 12), body: buffered.subarray(end + 4, end + 4 + length) });
          buffered = buffered.subarray(end + 4 + length);
          if (done.length === 2) return resolve(done);
        }
      });
      socket.once("error", reject);
      socket.once("close", () => reject(new Error(`closed after ${done.length} responses`)));
    });
    socket.destroy();
    expect(responses.map((r) => r.status)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200"]);
    expect(responses[0].body.equals(single)).toBe(true);
    expect(responses[1].body.equals(whole)).toBe(true);
    // the answer to the second request waited for the first to end, then went the same way
    expect((await zeroCopyBytes(gw)) - before).toBe(zeroCopy ? single.length + whole.length - parts[2].length : 0);
  });

  it("serves on when clients go away in the middle of a multipart object's answer (the primary and the worker each)", async () => {
    // two parts of 24 MiB: more than the loopback socket's buffers take, so that the send of a
    // part is in flight (waiting for room) when the client goes; a file piece that is not the
    // answer's own stream was then destroyed with an error no one listened to, which ended the process
    const big = [randomBytes(24 * MIB), randomBytes(24 * MIB)];
    await uploadInParts("multi-big", big);
    const pids = (await gw.allPids()).sort();
    expect(pids).toHaveLength(2);
    const { signer } = await import("../integration/helpers.js");
    const host = `127.0.0.1:${gw.port}`;
    // connections go to the processes in turn (the tests' placement): one each, in the first part and in the second
    for (const cutAfter of [1, 30 * MIB]) {
      const signed = await signer(gw).sign({ method: "GET", protocol: "http:", hostname: "127.0.0.1", port: gw.port, path: `/${bucket}/multi-big`, query: {}, headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
      const socket = net.connect(gw.port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(`GET /${bucket}/multi-big HTTP/1.1\r\n${Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
      await new Promise<void>((resolve) => {
        let got = 0;
        socket.on("data", (c: Buffer) => {
          got += c.length;
          if (got >= cutAfter) {
            socket.pause();
            resolve();
          }
        });
      });
      // the gateway's side waits on a full socket; the client resets the connection
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.resetAndDestroy();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // the same processes, still answering
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "multi-big", Range: "bytes=0-9" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big[0].subarray(0, 10))).toBe(true);
    expect((await gw.allPids()).sort()).toEqual(pids);
    expect(gw.output()).not.toMatch(/Emitted 'error' event|exited|replaced/i);
  }, 60_000);

  it("cuts the answer, and serves on, when a later part's file cannot be opened (each process)", async () => {
    const key = "multi-lost";
    // each part's file: the one its upload added
    const partFiles: string[] = [];
    let before = new Set(await filesUnder(path.join(gw.dataDir, "objects")));
    await uploadInParts(key, [randomBytes(5 * MIB), randomBytes(MIB)], async () => {
      const now = await filesUnder(path.join(gw.dataDir, "objects"));
      const added = now.filter((f) => !before.has(f));
      expect(added).toHaveLength(1);
      partFiles.push(added[0]);
      before = new Set(now);
    });
    // the second part's file goes behind the store's back (a disk fault, an operator's mistake)
    await rm(partFiles[1]);
    const pids = (await gw.allPids()).sort();
    const { signer } = await import("../integration/helpers.js");
    const host = `127.0.0.1:${gw.port}`;
    for (let i = 0; i < 2; i++) {
      const signed = await signer(gw).sign({ method: "GET", protocol: "http:", hostname: "127.0.0.1", port: gw.port, path: `/${bucket}/${key}`, query: {}, headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
      const socket = net.connect(gw.port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(`GET /${bucket}/${key} HTTP/1.1\r\n${Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
      let got = 0;
      let head = "";
      socket.on("data", (c: Buffer) => {
        if (head === "") head = c.toString("latin1", 0, 12);
        got += c.length;
      });
      await new Promise((resolve) => socket.once("close", resolve));
      // the headers (200) and the first part went; then the connection was cut short
      expect(head).toBe("HTTP/1.1 200");
      expect(got).toBeLessThan(6 * MIB);
    }
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength).toBe(6 * MIB);
    expect((await gw.allPids()).sort()).toEqual(pids);
  }, 60_000);
});

describe("the install script (scripts/build-native.mjs)", () => {
  // `npm install` runs it: on a machine without a C compiler the gateway must still install, and
  // work without the addon. A copy of the script and the addon's sources in a directory of their
  // own, so that the failed build (node-gyp removes build/ first) leaves the real one alone.
  it("reports a build that fails and exits 0, leaving no addon", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "s3g-native-"));
    try {
      mkdirSync(path.join(root, "scripts"));
      mkdirSync(path.join(root, "native/sendfile"), { recursive: true });
      copyFileSync(path.join(ROOT, "scripts/build-native.mjs"), path.join(root, "scripts/build-native.mjs"));
      for (const f of ["sendfile.c", "crc64nvme.c", "crc64nvme.h", "binding.gyp"]) copyFileSync(path.join(ROOT, "native/sendfile", f), path.join(root, "native/sendfile", f));
      const addon = path.join(root, "native/sendfile/build/Release/s3g_sendfile.node");
      const build = (env: Record<string, string>) =>
        spawnSync(process.execPath, [path.join(root, "scripts/build-native.mjs")], { encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
      // this machine builds it (so what fails below is the compiler alone) ...
      const built = build({});
      expect(built.status, built.stderr).toBe(0);
      expect(existsSync(addon)).toBe(true);
      // ... and without one, the script says so in a few lines and the install goes on
      const failed = build({ CC: "/bin/false", CXX: "/bin/false" });
      expect(failed.status).toBe(0);
      expect(failed.stderr).toMatch(/native\/sendfile was not built \(node-gyp exited with \d+\); the gateway works without it/);
      expect(failed.stderr.split("\n").length).toBeLessThan(12);
      expect(existsSync(addon)).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 250_000);
});
