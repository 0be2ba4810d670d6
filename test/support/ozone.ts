/**
 * What tests need to use the Ozone test cluster: its endpoints (from the ozone project's
 * globalSetup, test/support/ozone-setup.ts) and fresh volumes, so that every gateway or store a
 * test opens has a namespace of its own on the shared cluster.
 */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { OmClient } from "../../runtime/storage/ozone/om-client.js";
import type { OzoneEndpoints } from "./ozone-setup.js";

export const ON_OZONE = process.env.S3G_TEST_BACKEND === "ozone";

/** The cluster's endpoints; undefined when the Ozone suites are skipped (S3G_TEST_OZONE=0). */
export function ozoneEndpoints(): OzoneEndpoints | undefined {
  return inject("ozone") ?? undefined;
}

/** Creates a volume with a random name on the cluster and returns the name. */
export async function createTestVolume(omGrpc: string, owner: string): Promise<string> {
  const volume = `s3gw-test-${randomBytes(5).toString("hex")}`;
  const om = new OmClient({ addresses: [omGrpc], timeoutMs: 30_000, clientId: "s3gw-tests" });
  try {
    await om.submit(
      "CreateVolume",
      "createVolumeRequest",
      {
        volumeInfo: {
          adminName: owner,
          ownerName: owner,
          volume,
          // no quota: -1 as the uint64 the field is
          quotaInBytes: "18446744073709551615",
          quotaInNamespace: "-1",
        },
      },
      { accessId: owner, stringToSign: "", signature: "" },
    );
  } finally {
    om.close();
  }
  return volume;
}
