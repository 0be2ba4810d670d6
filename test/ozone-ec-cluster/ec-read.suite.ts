/**
 * Erasure-coded keys written by Ozone's own Java client (through Ozone's Java S3 gateway with
 * STANDARD_IA, which is EC rs-3-2-1024k there: its ECKeyOutputStream stripes the cells and computes
 * the parity with Ozone's Java coder, as `ozone sh key put -t EC` does, without a JVM per key)
 * read through this gateway byte-identical, whole and by range, over one and several block groups;
 * and with one, then two, datanodes of a block group stopped, the cells they held rebuilt from the
 * others (issue 13). With three of the group's five stopped the key cannot be read: the store
 * answers UNAVAILABLE (503). Runs on the EC tests' own five-datanode cluster (test/support/ozone-ec.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ecReplicaEndpoints } from "../../runtime/storage/ozone/ec-block-reader.js";
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { OmClient, type OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { StorageError } from "../../runtime/storage/types.js";
import { ecClusterOk, startEcCluster, waitEcWritable, type EcCluster } from "../support/ozone-ec.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const KEY = "AKIDS3GWTEST0001";
const SECRET = "test-secret-key-0001-abcdefghijklmnop";
// the S3 volume, where Java's gateway writes
const VOLUME = "s3v";
const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("EC keys written by Ozone's client (rs-3-2-1024k)", () => {
  let cluster: EcCluster;
  let gw: RunningGateway;
  let s3: S3Client;
  let om: OmClient;
  const stopped = new Set<number>();
  const bucket = `ec-keys-${randomBytes(3).toString("hex")}`;
  // less than a cell; two whole stripes and a short one; more than one 12 MiB block group (4 MB blocks)
  const keys = new Map<string, Buffer>([
    ["small", randomBytes(1000)],
    ["stripes", randomBytes(2 * 3 * MiB + MiB + 777)],
    ["groups", randomBytes(13 * MiB + 5)],
  ]);

  beforeAll(async () => {
    cluster = await startEcCluster();
    // datanodes another suite stopped and started again may not take EC writes yet (SCM then
    // answers Ozone's own client "Pipeline limit (5) reached (5), none closed")
    await waitEcWritable(cluster);
    gw = await startGateway({ args: ["--backend", "ozone", "--ozone-om-address", cluster.omGrpc, "--ozone-volume", VOLUME] });
    s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const java = new S3Client({ endpoint: cluster.s3g, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
    try {
      for (const [name, data] of keys) await java.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: data, StorageClass: "STANDARD_IA" }));
    } finally {
      java.destroy();
    }
    om = new OmClient({ addresses: [cluster.omGrpc], timeoutMs: 30_000, clientId: "ec-read-test" });
  });
  afterAll(async () => {
    for (const n of stopped) await ecClusterOk("datanode", "start", String(n));
    om?.close();
    s3?.destroy();
    await gw?.stop();
  });

  async function get(key: string, range?: string): Promise<Buffer> {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range && { Range: range }) }));
    return Buffer.from(await r.Body!.transformToByteArray());
  }

  /** Per block group of `key`: its length and the datanode (cluster.mjs number) of each replica index. */
  async function groups(key: string): Promise<{ length: number; datanodes: Map<number, number> }[]> {
    const r = await om.submit(
      "GetKeyInfo",
      "GetKeyInfoRequest",
      { keyArgs: { volumeName: VOLUME, bucketName: bucket, keyName: key, latestVersionLocation: true } },
      { accessId: KEY, stringToSign: "", signature: "" },
    );
    const info = r.GetKeyInfoResponse.keyInfo as OmMessage;
    expect(info.type).toBe("EC");
    expect(info.ecReplicationConfig).toMatchObject({ data: 3, parity: 2, ecChunkSize: MiB });
    const versions = info.keyLocationList as OmMessage[];
    return (versions[versions.length - 1].keyLocations as OmMessage[]).map((l) => ({
      length: Number(l.length),
      datanodes: new Map([...ecReplicaEndpoints(l.pipeline)].map(([index, e]) => [index, cluster.datanodeByStandalonePort.get(Number(e.address.split(":").at(-1)))!])),
    }));
  }

  async function stop(n: number): Promise<void> {
    await ecClusterOk("datanode", "stop", String(n));
    stopped.add(n);
  }

  async function readsAll(): Promise<void> {
    for (const [name, data] of keys) expect(sha256(await get(name)), name).toBe(sha256(data));
    const data = keys.get("stripes")!;
    for (const [a, b] of [
      [0, 0],
      [MiB - 3, MiB + 3],
      [3 * MiB - 1, 6 * MiB + 100],
      [data.length - 800, data.length - 1],
    ]) {
      expect((await get("stripes", `bytes=${a}-${b}`)).equals(data.subarray(a, b + 1)), `${a}-${b}`).toBe(true);
    }
    const big = keys.get("groups")!;
    expect((await get("groups", `bytes=${12 * MiB - 10}-${12 * MiB + 10}`)).equals(big.subarray(12 * MiB - 10, 12 * MiB + 11))).toBe(true);
    expect((await get("small", "bytes=-10")).equals(keys.get("small")!.subarray(-10))).toBe(true);
  }

  it("reads every key whole and by range, byte-identical, through the gateway", async () => {
    for (const [name, data] of keys) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: name }));
      expect(head.ContentLength).toBe(data.length);
    }
    expect((await groups("groups")).length).toBe(2);
    await readsAll();
  });

  it("reads them with the datanode of a data replica stopped", async () => {
    // the datanode holding the first data cell of "stripes": every stripe of that key needs a rebuild
    await stop((await groups("stripes"))[0].datanodes.get(1)!);
    await readsAll();
  });

  it("reads them with two datanodes stopped", async () => {
    const second = [...(await groups("stripes"))[0].datanodes.entries()].find(([index, n]) => index <= 3 && !stopped.has(n))![1];
    await stop(second);
    await readsAll();
  });

  it("answers UNAVAILABLE with three of a group's five datanodes stopped", async () => {
    const third = [...(await groups("stripes"))[0].datanodes.values()].find((n) => !stopped.has(n))!;
    await stop(third);
    const store = await openOzoneStore({ omAddresses: [cluster.omGrpc], volume: VOLUME, replication: { STANDARD: "DEFAULT" }, requestTimeoutMs: 10_000, serviceAccessKeyId: KEY });
    try {
      const r = await store.getObject({ bucket, key: "stripes" });
      const err = await (async () => {
        for await (const _ of r.open()) void _;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).kind).toBe("UNAVAILABLE");
    } finally {
      await store.close();
    }
  });
});
