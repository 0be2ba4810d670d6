/**
 * The gRPC client on node:http2 (runtime/storage/ozone/grpc-h2.ts) that carries the OM's calls and
 * the datanode streams: against grpc-js servers (the implementation the OM client used before, and
 * a stand-in for grpc-java's), and against raw HTTP/2 servers that answer what a real server may:
 * trailers-only errors, HTTP errors, resets, GOAWAY, silence. Needs no Ozone cluster.
 */
import http2 from "node:http2";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { GrpcCallError, GrpcChannel, GrpcStatus, grpcTimeout, MessageReader } from "../../runtime/storage/ozone/grpc-h2.js";
import { closedPort } from "../support/fake-om.js";

const PATH = "/test.Echo/Call";
const STREAM_PATH = "/test.Echo/Stream";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function channel(address: string, opts: Partial<ConstructorParameters<typeof GrpcChannel>[1]> = {}): GrpcChannel {
  const c = new GrpcChannel(address, { maxMessage: 64 * 1024 * 1024, ...opts });
  cleanups.push(() => c.close());
  return c;
}

const same = (b: Buffer) => b;

/** A grpc-js server with a unary and a bidi method; what each does is up to the test. */
async function grpcServer(
  unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => void,
  bidi: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => void = (call) => {
    call.on("data", (m: Buffer) => call.write(Buffer.concat([Buffer.from("re:"), m])));
    call.on("end", () => call.end());
  },
): Promise<string> {
  const server = new grpc.Server();
  server.addService(
    {
      call: { path: PATH, requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same },
      stream: { path: STREAM_PATH, requestStream: true, responseStream: true, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same },
    },
    { call: unary, stream: bidi },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  cleanups.push(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
  return `127.0.0.1:${port}`;
}

/** A raw HTTP/2 server: `onStream` answers each request however the test likes. */
async function rawServer(onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, session: http2.ServerHttp2Session) => void): Promise<{ address: string; sessions: () => number }> {
  const server = http2.createServer();
  let sessions = 0;
  const open = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions++;
    open.add(session);
    session.on("close", () => open.delete(session));
  });
  server.on("stream", (stream, headers) => onStream(stream, headers, stream.session as http2.ServerHttp2Session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of open) session.destroy(); // what the test left open
      }),
  );
  return { address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, sessions: () => sessions };
}

function frame(payload: Buffer, compressed = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

async function failure(p: Promise<unknown>): Promise<GrpcCallError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrpcCallError);
  return err as GrpcCallError;
}

const soon = () => Date.now() + 5000;

describe("unary calls against a grpc-js server", () => {
  it("sends the message and the metadata, and returns the answer's bytes, small and large", async () => {
    const seen: grpc.Metadata[] = [];
    const address = await grpcServer((call, cb) => {
      seen.push(call.metadata);
      cb(null, Buffer.concat([Buffer.from("re:"), call.request]));
    });
    const c = channel(address, { metadata: { CLIENT_HOSTNAME: "host-a" } });
    expect((await c.unary(PATH, Buffer.from("hello"), soon())).toString()).toBe("re:hello");
    expect(seen[0].get("client_hostname")).toEqual(["host-a"]);
    // 3 MiB each way: many DATA frames, gathered into one message
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    big.write("head", 0);
    big.write("tail", big.length - 4);
    const answer = await c.unary(PATH, big, soon());
    expect(answer.length).toBe(big.length + 3);
    expect(answer.subarray(3).equals(big)).toBe(true);
    // an empty message is a message
    expect((await c.unary(PATH, Buffer.alloc(0), soon())).toString()).toBe("re:");
  });

  it("gives the server's status and its message, percent-decoded", async () => {
    const details = "org.apache.Whatever: not the leader. Suggested leader is OM:om2[127.0.0.1:9862]; 100% sure ü";
    const address = await grpcServer((_call, cb) => cb({ code: grpc.status.INTERNAL, details } as grpc.ServiceError));
    const err = await failure(channel(address).unary(PATH, Buffer.from("x"), soon()));
    expect(err.code).toBe(GrpcStatus.INTERNAL);
    expect(err.details).toBe(details);
  });

  it("UNAVAILABLE where nothing listens, flagged unconnected (the connection never opened) with the cause", async () => {
    const address = await closedPort();
    const err = await failure(channel(address).unary(PATH, Buffer.from("x"), soon()));
    expect(err.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(err.unconnected).toBe(true);
    expect(err.details).toContain(`cannot connect to ${address}`);
    expect(err.details).toContain("ECONNREFUSED");
  });

  it("DEADLINE_EXCEEDED at the deadline, and the server sees the call cancelled", async () => {
    let cancelled = false;
    const address = await grpcServer((call) => call.on("cancelled", () => (cancelled = true)));
    const t0 = Date.now();
    const err = await failure(channel(address).unary(PATH, Buffer.from("x"), Date.now() + 300));
    expect(err.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect.poll(() => cancelled).toBe(true);
  });

  it("a deadline days away: a valid grpc-timeout, and a call that is not cut short", async () => {
    expect(grpcTimeout(30_000)).toBe("30000m");
    expect(grpcTimeout(99_999_999)).toBe("99999999m");
    expect(grpcTimeout(100_000_000)).toBe("100000S");
    expect(grpcTimeout(1e15)).toBe("99999999S");
    // (a raw server: grpc-js's own server cuts a call short when its timeout is past a timer's limit)
    const timeouts: string[] = [];
    const { address } = await rawServer((stream, headers) => {
      timeouts.push(String(headers["grpc-timeout"]));
      setTimeout(() => {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(frame(Buffer.from("slow")));
      }, 50);
    });
    // 30 days: more than a timer can wait (2^31-1 ms, beyond which Node fires it at once)
    const answer = await channel(address).unary(PATH, Buffer.from("x"), Date.now() + 30 * 86_400_000);
    expect(answer.toString()).toBe("slow");
    expect(timeouts).toEqual(["2147484S"]);
  });

  it("refuses an answer larger than maxMessage (RESOURCE_EXHAUSTED)", async () => {
    const address = await grpcServer((_call, cb) => cb(null, Buffer.alloc(2048)));
    const err = await failure(channel(address, { maxMessage: 1024 }).unary(PATH, Buffer.from("x"), soon()));
    expect(err.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it("many calls at once share one connection", async () => {
    const address = await grpcServer((call, cb) => setTimeout(() => cb(null, call.request), 5));
    const c = channel(address);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => c.unary(PATH, Buffer.from(`m${i}`), soon())));
    expect(answers.map((a) => a.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
  });
});

describe("duplex calls against a grpc-js server", () => {
  it("answers each message in order, then ends with OK after the client's end", async () => {
    const c = channel(await grpcServer(() => undefined));
    const got: string[] = [];
    const ended = new Promise<GrpcCallError | undefined>((resolve) => {
      const call = c.duplex(STREAM_PATH, (m) => got.push(m.length > 100 ? `${m.length}` : m.toString()), resolve);
      call.write(Buffer.from("a"));
      call.write(Buffer.alloc(3 * 1024 * 1024, 1)); // past the HTTP/2 windows: flow control both ways
      call.write(Buffer.from("c"));
      call.end();
    });
    expect(await ended).toBeUndefined();
    expect(got).toEqual(["re:a", String(3 * 1024 * 1024 + 3), "re:c"]);
  });

  it("hands on the messages before an error status, then ends with that status", async () => {
    // as grpc-java ends a call with an error: the answers so far, then trailers with the status
    const { address } = await rawServer((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "5", "grpc-message": "no such block" }));
      stream.once("data", () => stream.end(frame(Buffer.from("first answer"))));
    });
    const got: string[] = [];
    const err = await new Promise<GrpcCallError | undefined>((resolve) => {
      const call = channel(address).duplex(STREAM_PATH, (m) => got.push(m.toString()), resolve);
      call.write(Buffer.from("a"));
    });
    expect(got).toEqual(["first answer"]);
    expect(err?.code).toBe(5); // NOT_FOUND
    expect(err?.details).toBe("no such block");
  });

  it("cancel() ends the call with CANCELLED, and the server sees it cancelled", async () => {
    let cancelled = false;
    const c = channel(await grpcServer(() => undefined, (call) => call.on("cancelled", () => (cancelled = true))));
    const err = await new Promise<GrpcCallError | undefined>((resolve) => {
      const call = c.duplex(STREAM_PATH, () => undefined, resolve);
      call.write(Buffer.from("a"));
      setTimeout(() => call.cancel(), 50);
    });
    expect(err?.code).toBe(GrpcStatus.CANCELLED);
    await expect.poll(() => cancelled).toBe(true);
  });

  it("a call on a closed channel ends with UNAVAILABLE, after duplex() returned", async () => {
    const c = channel(await grpcServer(() => undefined));
    c.close();
    let returned = false;
    const err = await new Promise<GrpcCallError | undefined>((resolve) => {
      c.duplex(STREAM_PATH, () => undefined, (e) => {
        expect(returned).toBe(true);
        resolve(e);
      });
      returned = true;
    });
    expect(err?.code).toBe(GrpcStatus.UNAVAILABLE);
  });
});

describe("what a server may answer on the wire", () => {
  it("a trailers-only error (grpc-status in the headers)", async () => {
    const { address } = await rawServer((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "14", "grpc-message": "going%20away" }, { endStream: true });
    });
    const err = await failure(channel(address).unary(PATH, Buffer.from("x"), soon()));
    expect(err.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(err.details).toBe("going away");
  });

  it("an HTTP status other than 200, as gRPC maps it", async () => {
    for (const [status, code] of [
      [503, GrpcStatus.UNAVAILABLE],
      [404, GrpcStatus.UNIMPLEMENTED],
      [500, GrpcStatus.UNKNOWN],
    ]) {
      const { address } = await rawServer((stream) => stream.respond({ ":status": status }, { endStream: true }));
      expect((await failure(channel(address).unary(PATH, Buffer.from("x"), soon()))).code).toBe(code);
    }
  });

  it("no status at the end: UNKNOWN; a compressed message, two messages, a cut message: INTERNAL", async () => {
    const answers: ((s: http2.ServerHttp2Stream) => void)[] = [
      (s) => {
        s.respond({ ":status": 200, "content-type": "application/grpc" });
        s.end(frame(Buffer.from("ok")));
      },
      (s) => {
        s.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        s.on("wantTrailers", () => s.sendTrailers({ "grpc-status": "0" }));
        s.end(frame(Buffer.from("ok"), 1));
      },
      (s) => {
        s.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        s.on("wantTrailers", () => s.sendTrailers({ "grpc-status": "0" }));
        s.end(Buffer.concat([frame(Buffer.from("one")), frame(Buffer.from("two"))]));
      },
      (s) => {
        s.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        s.on("wantTrailers", () => s.sendTrailers({ "grpc-status": "0" }));
        s.end(frame(Buffer.from("cut short")).subarray(0, 8));
      },
    ];
    const codes: number[] = [];
    for (const answer of answers) {
      const { address } = await rawServer((s) => answer(s));
      codes.push((await failure(channel(address).unary(PATH, Buffer.from("x"), soon()))).code);
    }
    expect(codes).toEqual([GrpcStatus.UNKNOWN, GrpcStatus.INTERNAL, GrpcStatus.INTERNAL, GrpcStatus.INTERNAL]);
  });

  it("the connection dropped before the answer: UNAVAILABLE; the next call connects again", async () => {
    let n = 0;
    const { address, sessions } = await rawServer((stream, _h, session) => {
      if (n++ === 0) {
        session.destroy();
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(frame(Buffer.from("second")));
    });
    const c = channel(address);
    const dropped = await failure(c.unary(PATH, Buffer.from("x"), soon()));
    expect(dropped.code).toBe(GrpcStatus.UNAVAILABLE);
    // it had opened: a server that is there (not `unconnected`)
    expect(dropped.unconnected).toBe(false);
    expect((await c.unary(PATH, Buffer.from("x"), soon())).toString()).toBe("second");
    expect(sessions()).toBe(2);
  });

  it("a connection that cannot open a stream any more (stream ids used up) is replaced", async () => {
    const { address, sessions } = await rawServer((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(frame(Buffer.from("ok")));
    });
    const c = channel(address);
    expect((await c.unary(PATH, Buffer.from("x"), soon())).toString()).toBe("ok");
    // what node:http2 throws once a session's stream ids are used up (2^31 of them)
    const session = (c as unknown as { session: http2.ClientHttp2Session }).session;
    session.request = () => {
      throw Object.assign(new Error("No stream ID is available because maximum stream ID has been reached"), { code: "ERR_HTTP2_OUT_OF_STREAMS" });
    };
    expect((await failure(c.unary(PATH, Buffer.from("x"), soon()))).code).toBe(GrpcStatus.UNAVAILABLE);
    expect((await c.unary(PATH, Buffer.from("x"), soon())).toString()).toBe("ok");
    expect(sessions()).toBe(2);
  });

  it("after a GOAWAY the next call goes on a new connection", async () => {
    const { address, sessions } = await rawServer((stream, _h, session) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => {
        stream.sendTrailers({ "grpc-status": "0" });
        session.goaway();
      });
      stream.end(frame(Buffer.from("ok")));
    });
    const c = channel(address);
    expect((await c.unary(PATH, Buffer.from("x"), soon())).toString()).toBe("ok");
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.unary(PATH, Buffer.from("x"), soon())).toString()).toBe("ok");
    expect(sessions()).toBe(2);
  });

  it("a peer that went silent: the call ends at its deadline, and the connection is dropped when a ping goes unanswered", async () => {
    // A TCP server that accepts and then never sends a byte: the HTTP/2 handshake never completes.
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      s.resume(); // reads (and drops) what comes, so that the end of the connection is seen
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const c = channel(`127.0.0.1:${(server.address() as net.AddressInfo).port}`, { pingTimeoutMs: 200 });
    expect((await failure(c.unary(PATH, Buffer.from("x"), Date.now() + 200))).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    // the dropped connection is closed on our side: the server's socket ends
    await expect.poll(() => sockets[0]?.readableEnded, { timeout: 3000 }).toBe(true);
    // the next call connects anew (and times out the same way)
    expect((await failure(c.unary(PATH, Buffer.from("x"), Date.now() + 100))).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(sockets.length).toBe(2);
    // a duplex call cancelled on a silent connection (its owner's answer was overdue) drops it too
    await expect.poll(() => sockets[1]?.readableEnded, { timeout: 3000 }).toBe(true);
    const ended = new Promise<GrpcCallError | undefined>((resolve) => {
      const call = c.duplex(STREAM_PATH, () => undefined, resolve);
      call.write(Buffer.from("a"));
      setTimeout(() => call.cancel(), 100);
    });
    expect((await ended)?.code).toBe(GrpcStatus.CANCELLED);
    await expect.poll(() => sockets[2]?.readableEnded, { timeout: 3000 }).toBe(true);
  });
});

describe("MessageReader", () => {
  it("finds every message however the bytes are cut", () => {
    const messages = [Buffer.from("first"), Buffer.alloc(0), Buffer.from("a third, longer message"), Buffer.from("4")];
    const wire = Buffer.concat(messages.map((m) => frame(m)));
    for (let a = 0; a <= wire.length; a++) {
      for (let b = a; b <= wire.length; b += 3) {
        const r = new MessageReader(1024);
        const got: string[] = [];
        for (const piece of [wire.subarray(0, a), wire.subarray(a, b), wire.subarray(b)]) {
          expect(r.push(piece, (m) => got.push(m.toString()))).toBeUndefined();
        }
        expect(got).toEqual(messages.map((m) => m.toString()));
        expect(r.partial).toBe(false);
      }
    }
  });

  it("says when a message is cut short, too large or compressed", () => {
    const r = new MessageReader(1024);
    r.push(frame(Buffer.from("abc")).subarray(0, 6), () => undefined);
    expect(r.partial).toBe(true);
    expect(new MessageReader(4).push(frame(Buffer.from("abcde")), () => undefined)?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(new MessageReader(1024).push(frame(Buffer.from("abc"), 1), () => undefined)?.code).toBe(GrpcStatus.INTERNAL);
  });
});
