// The worker's StorageClient: which calls a PUT makes to the primary. Each call is an IPC round trip
// the request waits for, so the count is the latency of a small PUT with several workers.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RpcPeer } from "../../runtime/workers/rpc.js";
import { RemoteEmbeddedStore } from "../../runtime/workers/remote-store.js";
import { bodyFromBuffer } from "../storage/body.js";

let dir: string;
let calls: string[];

/** A primary that answers every call at once and records its name. */
function fakePrimary(): RpcPeer {
  const peer = {
    call: async (method: string, ...args: unknown[]) => {
      calls.push(method);
      if (method === "attach") return { dataDir: dir, tmpDir: join(dir, "tmp", "w1"), chmodFiles: false, inlineLimit: 65536 };
      if (method === "putReceived") return { key: (args[0] as { key: string }).key, size: 4, etag: "e" };
      return undefined;
    },
    note: () => {},
  };
  return peer as unknown as RpcPeer;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3gw-remote-"));
  calls = [];
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe("RemoteEmbeddedStore.putObject", () => {
  it("makes one call to the primary for an unconditional PUT (the bucket was checked by the handler)", async () => {
    const store = await RemoteEmbeddedStore.attach(fakePrimary());
    calls.length = 0;
    await store.putObject({ bucket: "bkt", key: "k", owner: "o" } as never, bodyFromBuffer(Buffer.from("data")));
    expect(calls).toEqual(["putReceived"]);
  });

  it("checks a precondition before reading the body", async () => {
    const store = await RemoteEmbeddedStore.attach(fakePrimary());
    calls.length = 0;
    await store.putObject({ bucket: "bkt", key: "k", owner: "o", ifNoneMatch: "*" } as never, bodyFromBuffer(Buffer.from("data")));
    expect(calls).toEqual(["checkPut", "putReceived"]);
  });

  it("refuses a key with no UTF-8 form without calling the primary", async () => {
    const store = await RemoteEmbeddedStore.attach(fakePrimary());
    calls.length = 0;
    await expect(store.putObject({ bucket: "bkt", key: "a\ud800", owner: "o" } as never, bodyFromBuffer(Buffer.from("data")))).rejects.toMatchObject({
      kind: "INVALID_ARGUMENT",
    });
    expect(calls).toEqual([]);
  });
});

describe("RemoteEmbeddedStore.getBucket", () => {
  /** A primary whose getBucket answers wait until `answer` is called. */
  function slowPrimary() {
    const asked: Array<(owner: string) => void> = [];
    const peer = {
      call: async (method: string, ...args: unknown[]) => {
        calls.push(method);
        if (method === "attach") return { dataDir: dir, tmpDir: join(dir, "tmp", "w1"), chmodFiles: false, inlineLimit: 65536 };
        if (method === "getBucket") {
          return new Promise((resolve) => asked.push((owner) => resolve({ name: args[0], owner, creationDate: new Date(0), defaultRetention: false })));
        }
        return undefined;
      },
      note: () => {},
    };
    return { peer: peer as unknown as RpcPeer, answer: (owner: string) => asked.shift()!(owner) };
  }

  it("keeps the answer: a bucket is asked for once, until the primary says it changed", async () => {
    const { peer, answer } = slowPrimary();
    const store = await RemoteEmbeddedStore.attach(peer);
    calls.length = 0;
    const first = store.getBucket("b");
    answer("alice");
    expect((await first).owner).toBe("alice");
    const again = await store.getBucket("b");
    expect(again.owner).toBe("alice");
    expect(calls).toEqual(["getBucket"]);
    // a caller may add to what it got (authorize.ts): the kept answer stays as it was
    Object.assign(again, { checkObject: () => {} });
    expect(await store.getBucket("b")).not.toHaveProperty("checkObject");
    store.forgetBucket("b");
    const third = store.getBucket("b");
    answer("bob");
    expect((await third).owner).toBe("bob");
    expect(calls).toEqual(["getBucket", "getBucket"]);
  });

  it("does not keep an answer that was under way when a change was told", async () => {
    const { peer, answer } = slowPrimary();
    const store = await RemoteEmbeddedStore.attach(peer);
    calls.length = 0;
    const pending = store.getBucket("b");
    store.forgetBucket("b"); // the bucket was deleted and made anew meanwhile
    answer("alice");
    expect((await pending).owner).toBe("alice"); // its own request gets it, as without keeping
    const next = store.getBucket("b");
    answer("bob");
    expect((await next).owner).toBe("bob");
    expect(calls).toEqual(["getBucket", "getBucket"]);
  });
});

describe("storeSession (the primary's side)", () => {
  it("tells the workers of a bucket change that failed too: after a failure at COMMIT its outcome is unknown", async () => {
    const { storeSession } = await import("../../runtime/workers/store-owner.js");
    const told: string[] = [];
    const store = {
      deleteBucket: async () => {
        throw new Error("disk I/O error at COMMIT");
      },
      createBucket: async () => undefined,
    };
    const session = storeSession(store as never, "w1", () => {}, (bucket) => told.push(bucket));
    await expect(session.handlers.deleteBucket("gone")).rejects.toThrow(/COMMIT/);
    await session.handlers.createBucket("made", "owner");
    expect(told).toEqual(["gone", "made"]);
  });
});
