/**
 * Keys that span several Ozone blocks (the test cluster runs with 4 MB blocks, see
 * test/support/ozone-test-cluster.args): written with blocks the OM preallocated (size known up
 * front) and with blocks asked for one by one (size unknown), read whole and across block and chunk
 * boundaries, and laid out as the OM records them.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OmClient } from "../../runtime/storage/ozone/om-client.js";
import { openOzoneStore, type OzoneStore } from "../../runtime/storage/ozone/index.js";
import { bodyFromBuffer, bodyFromChunks, readAll } from "../storage/body.js";
import { md5Hex } from "../storage/contract.js";
import { createTestVolume, ozoneEndpoints } from "../support/ozone.js";
import { ROOT } from "../support/server.js";

const ozone = ozoneEndpoints();
const OWNER = "AKIDBLOCKS";
const MB = 1024 * 1024;

/** The block size the running test cluster was started with (bytes), from its state file. */
function clusterBlockSize(): number | undefined {
  try {
    const state = JSON.parse(readFileSync(path.join(ROOT, ".ozone/cluster.json"), "utf8")) as { settings?: [string, string][] };
    const v = state.settings?.find(([k]) => k === "ozone.scm.block.size")?.[1];
    const m = /^(\d+)MB$/.exec(v ?? "");
    return m ? Number(m[1]) * MB : undefined;
  } catch {
    return undefined;
  }
}

describe.skipIf(ozone === undefined)("keys of several blocks", () => {
  let store: OzoneStore;
  let om: OmClient;
  let volume: string;
  const bucket = "blocks";
  const blockSize = clusterBlockSize();

  beforeAll(async () => {
    volume = await createTestVolume(ozone!.omGrpc, OWNER);
    store = await openOzoneStore({ omAddresses: [ozone!.omGrpc], volume, replication: { STANDARD: "DEFAULT" }, requestTimeoutMs: 30_000, serviceAccessKeyId: OWNER });
    om = new OmClient({ addresses: [ozone!.omGrpc], timeoutMs: 30_000, clientId: "blocks-test" });
    await store.createBucket(bucket, OWNER);
  });
  afterAll(async () => {
    om?.close();
    await store?.close();
  });

  it("runs on a cluster with small blocks (under CI it must)", () => {
    if (process.env.CI) expect(blockSize).toBe(4 * MB);
    if (blockSize === undefined) console.warn("the Ozone test cluster runs with its default block size: keys here span one block");
  });

  /** The blocks the OM recorded for a key: their lengths. */
  async function blockLengths(key: string): Promise<number[]> {
    const r = await om.submit(
      "GetKeyInfo",
      "GetKeyInfoRequest",
      { keyArgs: { volumeName: volume, bucketName: bucket, keyName: key, latestVersionLocation: true } },
      { accessId: OWNER, stringToSign: "", signature: "" },
    );
    const versions = r.GetKeyInfoResponse.keyInfo.keyLocationList as { keyLocations: { length: string }[] }[];
    return versions[versions.length - 1].keyLocations.map((l) => Number(l.length));
  }

  const size = 9 * MB + 12_345;

  for (const known of [true, false]) {
    it(`writes and reads back ${size} bytes with the size ${known ? "known (preallocated blocks)" : "unknown (blocks allocated one by one)"}`, async () => {
      const data = randomBytes(size);
      const key = `k-${known}`;
      const body = known ? bodyFromBuffer(data) : bodyFromChunks((function* () {
        for (let off = 0; off < data.length; off += 100_000) yield data.subarray(off, off + 100_000);
      })());
      if (known) body.expectedSize = data.length;
      else delete body.expectedSize;
      const info = await store.putObject({ bucket, key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER }, body);
      expect(info.etag).toBe(md5Hex(data));

      const lengths = await blockLengths(key);
      expect(lengths.reduce((a, b) => a + b, 0)).toBe(size);
      if (blockSize !== undefined) {
        expect(lengths.length).toBe(Math.ceil(size / blockSize));
        for (const l of lengths.slice(0, -1)) expect(l).toBe(blockSize);
      }

      const whole = await store.getObject({ bucket, key });
      expect((await readAll(whole.open())).equals(data)).toBe(true);
      // across the first block boundary, inside a checksum window on both sides
      const at = blockSize ?? 4 * MB;
      for (const [start, end] of [[at - 1000, at + 999], [1, 2], [size - 17, size - 1], [at + 16 * 1024 - 3, at + 16 * 1024 + 3]]) {
        const part = await store.getObject({ bucket, key, range: () => ({ start, end }) });
        expect((await readAll(part.open())).equals(data.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
      }
    });
  }
});
