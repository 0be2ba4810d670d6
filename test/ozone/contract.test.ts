/**
 * The storage contract (test/storage/contract.ts) against the Ozone backend on the live test
 * cluster: the same suite the embedded store passes, in a volume of its own.
 */
import { describe, it } from "vitest";
import { openOzoneStore } from "../../runtime/storage/ozone/index.js";
import { ozoneMultipartEtag } from "../../runtime/storage/ozone/store.js";
import { defineStorageContract, md5Hex } from "../storage/contract.js";
import { createTestVolume, ozoneEndpoints } from "../support/ozone.js";

const ozone = ozoneEndpoints();

if (ozone === undefined) {
  describe.skip("storage contract: ozone (S3G_TEST_OZONE=0)", () => it("needs the Ozone test cluster", () => {}));
} else {
  defineStorageContract(
    "ozone",
    async () => {
      const volume = await createTestVolume(ozone.omGrpc, "AKIDCONTRACTOWNER");
      const store = await openOzoneStore({
        omAddresses: [ozone.omGrpc],
        volume,
        replication: { STANDARD: "DEFAULT", REDUCED_REDUNDANCY: "RATIS/ONE" },
        requestTimeoutMs: 30_000,
        serviceAccessKeyId: "AKIDCONTRACTOWNER",
      });
      return { store, cleanup: () => store.close() };
    },
    {
      // Ozone's OM makes the ETag of a completed upload (from every part uploaded, see ozoneMultipartEtag)
      multipartEtag: (_listed, uploaded) => ozoneMultipartEtag(uploaded.map(md5Hex)),
      // parts keep no S3 checksums through Ozone's ListParts: refused up front (NOT_SUPPORTED)
      multipartChecksums: false,
      // CommitKey does not return the time the OM stamped
      lastModifiedSlackMs: 2000,
      completionKnowsUpload: false,
      // the OM's listings can show a just-deleted key for a few ms (see settled() in test/support/ozone.ts)
      listingAfterDeleteSettlesMs: 3000,
      // Ozone 2.2.0 keeps no tags on buckets
      bucketTags: false,
      // nor CORS rules
      bucketCors: false,
      // nor more than one version of a key
      versioning: false,
      bucketLifecycle: false,
      bucketPolicy: false,
    },
  );
}
