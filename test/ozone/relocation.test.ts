/**
 * A container that closes under a write, on a live cluster: the datanode's answer is faked (a
 * real container cannot be closed on demand from here), everything else is real. The key writer
 * asks the OM for a block in another container, writes the bytes there, and the key reads back
 * whole; the failed block is not part of it.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatanodeClients, DatanodeError, type BlockStream, type DatanodeEndpoint } from "../../runtime/storage/ozone/datanode-client.js";
import { openOzoneStore, type OzoneStore } from "../../runtime/storage/ozone/index.js";
import { OmClient } from "../../runtime/storage/ozone/om-client.js";
import { bodyFromBuffer, readAll } from "../storage/body.js";
import { md5Hex } from "../storage/contract.js";
import { createTestVolume, ozoneEndpoints } from "../support/ozone.js";

const ozone = ozoneEndpoints();
const OWNER = "AKIDRELOCATION";

/** Real datanode streams; WriteChunks into the containers in `closed` fail as a closed container's do. */
class ClosingDatanodes {
  readonly real = new DatanodeClients(30_000);
  readonly closed = new Set<string>();
  /** close the first container written to, once */
  closeFirst = true;
  /** every container is closed */
  closeAll = false;
  failures = 0;

  open(endpoint: DatanodeEndpoint): BlockStream {
    const stream = this.real.open(endpoint);
    return {
      endpoint,
      send: (cmd, containerID, body) => {
        if (cmd === "WriteChunk" && this.closeFirst) {
          this.closeFirst = false;
          this.closed.add(containerID);
        }
        if (cmd === "WriteChunk" && (this.closeAll || this.closed.has(containerID))) {
          this.failures++;
          return Promise.reject(new DatanodeError(`container ${containerID} is closed`, "CLOSED_CONTAINER_IO"));
        }
        return stream.send(cmd, containerID, body);
      },
      close: () => stream.close(),
    };
  }

  close(): void {
    this.real.close();
  }
}

describe.skipIf(ozone === undefined)("a container closing under a write", () => {
  let volume: string;
  let om: OmClient;
  const stores: OzoneStore[] = [];

  beforeAll(async () => {
    volume = await createTestVolume(ozone!.omGrpc, OWNER);
    om = new OmClient({ addresses: [ozone!.omGrpc], timeoutMs: 30_000, clientId: "relocation-test" });
  });
  afterAll(async () => {
    om?.close();
    for (const s of stores) await s.close();
  });

  async function store(datanodes: ClosingDatanodes): Promise<OzoneStore> {
    const s = await openOzoneStore({ omAddresses: [ozone!.omGrpc], volume, replication: { STANDARD: "STANDALONE/ONE" }, requestTimeoutMs: 30_000, serviceAccessKeyId: OWNER, datanodes });
    stores.push(s);
    return s;
  }

  async function containersOf(bucket: string, key: string): Promise<string[]> {
    const r = await om.submit(
      "GetKeyInfo",
      "GetKeyInfoRequest",
      { keyArgs: { volumeName: volume, bucketName: bucket, keyName: key, latestVersionLocation: true } },
      { accessId: OWNER, stringToSign: "", signature: "" },
    );
    const versions = r.GetKeyInfoResponse.keyInfo.keyLocationList as { keyLocations: OmMessageLike[] }[];
    return versions[versions.length - 1].keyLocations.map((l) => String(l.blockID.containerBlockID.containerID));
  }
  type OmMessageLike = { blockID: { containerBlockID: { containerID: string } } };

  for (const [label, known] of [["preallocated", true], ["allocated one by one", false]] as const) {
    it(`writes the key into another container (${label} blocks) and it reads back whole`, async () => {
      const datanodes = new ClosingDatanodes();
      const s = await store(datanodes);
      const bucket = `reloc-${known}`;
      await s.createBucket(bucket, OWNER);
      const data = randomBytes(6 * 1024 * 1024 + 321);
      const body = bodyFromBuffer(data);
      if (known) body.expectedSize = data.length;
      const info = await s.putObject({ bucket, key: "k", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER }, body);
      expect(info.etag).toBe(md5Hex(data));
      expect(datanodes.failures).toBeGreaterThan(0);
      const [closed] = datanodes.closed;
      const containers = await containersOf(bucket, "k");
      expect(containers.length).toBeGreaterThan(0);
      expect(containers).not.toContain(closed);
      const got = await s.getObject({ bucket, key: "k" });
      expect((await readAll(got.open())).equals(data)).toBe(true);
    });
  }

  it("gives up when every container refuses (UNAVAILABLE: a 503), and commits nothing", async () => {
    const datanodes = new ClosingDatanodes();
    datanodes.closeAll = true;
    const s = await store(datanodes);
    await s.createBucket("reloc-never", OWNER);
    const err = await s.putObject({ bucket: "reloc-never", key: "k", userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER }, bodyFromBuffer(randomBytes(100_000))).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "UNAVAILABLE", cause: { result: "CLOSED_CONTAINER_IO" } });
    await expect(s.headObject("reloc-never", "k")).rejects.toMatchObject({ kind: "KEY_NOT_FOUND" });
  });
});
