/**
 * Where the primary puts S3 connections (runtime/workers/placement.ts, `placement: load`): the
 * decisions from load samples; a server told to shed connections closes them after their next
 * answer; and a gateway of two processes that keeps a light load on the primary (no worker store
 * call) and moves connections to the worker when the primary is overloaded, every request answered.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { connectionsToShed, overloaded, placeConnection, type ProcessLoad } from "../../runtime/workers/placement.js";
import { shedding } from "../../runtime/serve.js";
import { metricOf } from "../support/metrics.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bytes, rawRequest, signer } from "../integration/helpers.js";

const load = (busy: number, connections: number, requests: number): ProcessLoad => ({ busy, connections, requests });

describe("placement decisions", () => {
  it("a process is overloaded when saturated with a deep queue or heavy requests", () => {
    // many cheap requests on a few connections: not overloaded, however busy
    expect(overloaded(load(0.99, 4, 1000))).toBe(false);
    expect(overloaded(load(0.99, 16, 1000))).toBe(false);
    // a deep queue
    expect(overloaded(load(0.85, 17, 1000))).toBe(true);
    // heavy requests: 0.85 x 250 ms over 4 requests is ~53 ms each
    expect(overloaded(load(0.85, 4, 4))).toBe(true);
    // not saturated, or nothing to move
    expect(overloaded(load(0.7, 100, 10))).toBe(false);
    expect(overloaded(load(1, 0, 0))).toBe(false);
  });

  it("a new connection goes to the first process not overloaded, else in turn", () => {
    const calm = load(0.3, 2, 100);
    const heavy = load(0.95, 40, 500);
    expect(placeConnection([calm, calm, calm], 7)).toBe(0);
    expect(placeConnection([heavy, calm, calm], 7)).toBe(1);
    expect(placeConnection([heavy, heavy, calm], 7)).toBe(2);
    expect(placeConnection([heavy, heavy, heavy], 7)).toBe(1);
  });

  it("a quarter of the connections of a process overloaded twice in a row move, when another has room", () => {
    const heavy = load(0.95, 40, 500);
    expect(connectionsToShed([heavy, load(0.2, 1, 10)], [2, 0])).toEqual([10, 0]);
    expect(connectionsToShed([heavy, load(0.2, 1, 10)], [1, 0])).toEqual([0, 0]);
    // no room anywhere: moving would only take turns on the same cores
    expect(connectionsToShed([heavy, load(0.6, 30, 300)], [2, 0])).toEqual([0, 0]);
    // at least one
    expect(connectionsToShed([load(1, 3, 2), load(0.1, 0, 0)], [5, 0])).toEqual([1, 0]);
  });
});

describe("shedding", () => {
  it("the next n answers say Connection: close and their connections end; then connections are kept again, and a mark unused for a second lapses", async () => {
    const server = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ connection: string | undefined; localPort: number }>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ connection: res.headers.connection, localPort: req.socket!.localPort! }));
        });
        req.on("error", reject);
      });
    try {
      const shed = shedding(server);
      const first = await get();
      shed(2);
      const answers = [await get(), await get(), await get(), await get()];
      expect(answers.map((a) => a.connection)).toEqual(["close", "close", "keep-alive", "keep-alive"]);
      // the first connection was kept until its next answer closed it; then each closed one was replaced
      expect(answers[0].localPort).toBe(first.localPort);
      expect(new Set([first.localPort, ...answers.map((a) => a.localPort)]).size).toBe(3);
      expect(server.listenerCount("request")).toBe(1);
      // a mark no request used within a second lapses
      const clock = { t: 0 };
      const late = shedding(server, () => clock.t);
      late(1);
      clock.t = 1_001;
      expect((await get()).connection).toBe("keep-alive");
      expect(server.listenerCount("request")).toBe(1);
    } finally {
      agent.destroy();
      server.close();
    }
  });
});

const running: RunningGateway[] = [];
afterAll(async () => {
  for (const gw of running) await gw.stop();
});

/** A gateway of two processes with `placement: load`, and a bucket in it. */
async function gatewayWithBucket(bucket: string): Promise<RunningGateway> {
  const gw = await startGateway({ workers: 2, env: { S3G_PLACEMENT: "load" } });
  running.push(gw);
  const client = gw.client();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return gw;
}

describe("placement: load, two processes", () => {
  it("a light load stays on the primary: no request of a worker calls the store", async () => {
    const gw = await gatewayWithBucket("placement-light");
    const n = 12;
    // a connection each: in turn, half of them would go to the worker, each PUT a commit call
    for (let i = 0; i < n; i++) {
      const res = await rawRequest(gw, { method: "PUT", path: `/placement-light/k${i}`, body: "abc" });
      expect(res.status, res.text).toBe(200);
    }
    expect(await metricOf(gw, "s3gw_requests_total", 'operation="PutObject"')).toBe(n);
    expect(await metricOf(gw, "s3gw_worker_store_calls_total", 'method="putReceived"')).toBe(0);
  });

  it("connections move off an overloaded primary to the worker, and every request is answered", async () => {
    const gw = await gatewayWithBucket("placement-heavy");
    // heavy requests the client does little for: one 16 MiB body, its SHA-256 computed once; the
    // gateway hashes each (SHA-256, MD5) on its event loop, tens of ms of it per request
    const body = bytes(16 * 1024 * 1024, 3);
    const sha256 = createHash("sha256").update(body).digest("hex");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const sign = signer(gw);
    let closes = 0;
    const put = async (key: string) => {
      const headers = { host: `127.0.0.1:${gw.port}`, "content-length": String(body.length), "x-amz-content-sha256": sha256 };
      const signed = await sign.sign({ method: "PUT", protocol: "http:", hostname: "127.0.0.1", port: gw.port, path: `/placement-heavy/${key}`, query: {}, headers });
      return new Promise<number>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: gw.port, method: "PUT", path: `/placement-heavy/${key}`, headers: signed.headers as Record<string, string>, agent }, (res) => {
          if (res.headers.connection === "close") closes++;
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end(body);
      });
    };
    const statuses: number[] = [];
    const deadline = Date.now() + 60_000;
    let moved = false;
    let round = 0;
    while (!moved && Date.now() < deadline) {
      statuses.push(...(await Promise.all([0, 1, 2, 3].map((i) => put(`k${round}-${i}`)))));
      round++;
      moved = (await metricOf(gw, "s3gw_worker_store_calls_total", 'method="putReceived"')) > 0;
    }
    agent.destroy();
    expect(moved, `no PUT reached the worker in ${round} rounds\n${gw.output()}`).toBe(true);
    expect(statuses.every((s) => s === 200), `statuses: ${statuses.join(" ")}`).toBe(true);
    expect(closes).toBeGreaterThan(0);
    expect(await metricOf(gw, "s3gw_connections_shed_total")).toBeGreaterThanOrEqual(closes);
  }, 90_000);
});
