/**
 * DatanodeStream (runtime/storage/ozone/datanode-client.ts) against a fake datanode speaking gRPC
 * on a raw HTTP/2 server: answers are matched to requests in order, and an answer that does not
 * decode fails its request, every request behind it and every later one, and cancels the call
 * (the datanode sees the stream reset). Needs no Ozone cluster.
 */
import http2 from "node:http2";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DatanodeClients, DatanodeError } from "../../runtime/storage/ozone/datanode-client.js";
import { MessageReader } from "../../runtime/storage/ozone/grpc-h2.js";
import { decodeMessage, encodeMessage, ozoneProto } from "../../runtime/storage/ozone/proto/index.js";

const SEND_PATH = "/hadoop.hdds.datanode.XceiverClientProtocolService/send";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function frame(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/**
 * A datanode whose `answer(n, request)` gives the bytes of the n-th answer (0-based); it answers
 * once `release()` is called, so that every request is in flight first.
 */
async function fakeDatanode(answer: (n: number, cmdType: string) => Buffer) {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const seen: string[] = [];
  const resets: number[] = [];
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  server.on("stream", (stream, headers) => {
    expect(headers[":path"]).toBe(SEND_PATH);
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("close", () => resets.push(stream.rstCode));
    stream.on("error", () => {});
    const reader = new MessageReader(1 << 20);
    stream.on("data", (chunk: Buffer) => {
      reader.push(chunk, (message) => {
        const request = decodeMessage(ozoneProto.ContainerCommandRequestProto, message);
        const n = seen.push(String(request.cmdType)) - 1;
        void released.then(() => {
          if (!stream.destroyed) stream.write(frame(answer(n, String(request.cmdType))));
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.destroy();
      }),
  );
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return { address, seen, resets, release };
}

const ok = (cmdType: string) => encodeMessage(ozoneProto.ContainerCommandResponseProto, { cmdType, result: "SUCCESS" });
/** a field header with wire type 7, which protobuf does not have */
const UNDECODABLE = Buffer.from([0x0f, 0x01, 0x02]);

/** waits until `cond` holds, failing after 5 s */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatanodeError);
  return err as Error;
}

describe("DatanodeStream", () => {
  it("answers pipelined requests in order", async () => {
    const dn = await fakeDatanode((_n, cmdType) => ok(cmdType));
    const clients = new DatanodeClients(5000);
    cleanups.push(() => clients.close());
    const stream = clients.open({ address: dn.address, uuid: "dn-1" });
    const answers = ["GetBlock", "ReadChunk", "ReadChunk"].map((cmd) => stream.send(cmd, "7", {}));
    dn.release();
    expect((await Promise.all(answers)).map((a) => [a.cmdType, a.result])).toEqual([
      ["GetBlock", "SUCCESS"],
      ["ReadChunk", "SUCCESS"],
      ["ReadChunk", "SUCCESS"],
    ]);
    stream.close();
  });

  it("an answer that does not decode fails its request, those behind it and later ones, and cancels the call", async () => {
    const dn = await fakeDatanode((n, cmdType) => (n === 1 ? UNDECODABLE : ok(cmdType)));
    const clients = new DatanodeClients(5000);
    cleanups.push(() => clients.close());
    const stream = clients.open({ address: dn.address, uuid: "dn-1" });
    const first = stream.send("GetBlock", "7", {});
    const second = stream.send("ReadChunk", "7", {});
    const third = stream.send("ReadChunk", "7", {});
    await until(() => dn.seen.length === 3, "three requests at the datanode");
    dn.release();
    expect((await first).result).toBe("SUCCESS");
    const err = await rejection(second);
    expect(err.message).toMatch(/ReadChunk: an answer that does not decode/);
    expect(await rejection(third)).toBe(err);
    expect(await rejection(stream.send("ReadChunk", "7", {}))).toBe(err);
    // the datanode sees its stream reset with CANCEL
    await until(() => dn.resets.length > 0, "the stream reset");
    expect(dn.resets).toEqual([http2.constants.NGHTTP2_CANCEL]);
    // the connection stays usable: a new stream on it works
    const next = clients.open({ address: dn.address, uuid: "dn-1" });
    const again = next.send("GetBlock", "7", {});
    expect((await again).result).toBe("SUCCESS");
    next.close();
  });
});
