/**
 * The storage contract (test/storage/contract.ts) against the Ozone backend with every storage
 * class written erasure-coded (rs-3-2-1024k), on the EC tests' five-datanode cluster: the same
 * suite the embedded store and the RATIS-written Ozone store (test/ozone/contract.test.ts) pass.
 */
import { beforeAll, describe } from "vitest";
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { ozoneMultipartEtag } from "../../runtime/storage/ozone/store.js";
import { defineStorageContract, md5Hex } from "../storage/contract.js";
import { createTestVolume } from "../support/ozone.js";
import { startEcCluster, waitEcWritable, type EcCluster } from "../support/ozone-ec.js";

// in a describe of its own: ec.test.ts runs it after the other suites of this cluster, and this
// beforeAll must run after their datanode stops, not before the first of them
describe("the storage contract, every class EC", () => {
  let cluster: EcCluster;
  beforeAll(async () => {
    cluster = await startEcCluster();
    // datanodes another suite stopped and started again may not take EC writes yet
    await waitEcWritable(cluster);
  });

  defineStorageContract(
    "ozone, EC rs-3-2-1024k",
    async () => {
      const volume = await createTestVolume(cluster.omGrpc, "AKIDCONTRACTOWNER");
      const store = await openOzoneStore({
        omAddresses: [cluster.omGrpc],
        volume,
        replication: { STANDARD: "EC/rs-3-2-1024k" },
        requestTimeoutMs: 30_000,
        serviceAccessKeyId: "AKIDCONTRACTOWNER",
      });
      return { store, cleanup: () => store.close() };
    },
    {
      // as test/ozone/contract.test.ts: what Ozone does differently, whatever the replication
      multipartEtag: (_listed, uploaded) => ozoneMultipartEtag(uploaded.map(md5Hex)),
      multipartChecksums: false,
      lastModifiedSlackMs: 2000,
      completionKnowsUpload: false,
      listingAfterDeleteSettlesMs: 3000,
      bucketTags: false,
      bucketCors: false,
      versioning: false,
      bucketLifecycle: false,
      bucketPolicy: false,
    },
  );
});
