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
