/**
 * The OM's answers that mean "SCM cannot place a block now" (runtime/storage/ozone/om-errors.ts):
 * RATIS and EC allocations that find no pipeline become UNAVAILABLE (503, retried); any other
 * INTERNAL_ERROR stays an internal error.
 */
import { describe, expect, it } from "vitest";
import { mapOmError } from "../../runtime/storage/ozone/om-errors.js";
import { OmStatusError } from "../../runtime/storage/ozone/om-client.js";
import { StorageError } from "../../runtime/storage/types.js";

const internal = (message: string) => new OmStatusError("AllocateBlock", "INTERNAL_ERROR", message, {});

describe("SCM placement failures", () => {
  it.each([
    // seen live on Ozone 2.2.0 (RATIS/THREE on three datanodes with one stopped; rs-3-2 on five with one stopped)
    "Unable to allocate a container to the block of size: 4194304, replicationConfig: RATIS/THREE. Cannot create pipeline as it would exceed the limit per datanode: 2",
    "Pipeline limit (5) reached (5), none closed",
    // WritableECContainerProvider and the placement policies
    "Could not allocate a new container",
    "No healthy node found to allocate container.",
    "Not enough healthy nodes to allocate container. 5  datanodes required. Found 3",
    "Unable to find enough nodes that meet the space requirement of 1024 bytes for metadata and an available container slot in healthy node set. Required 5. Found 4.",
    "Unable to find required number of nodes.",
    "No enough datanodes to choose. TotalNode = 4 RequiredNode = 5",
  ])("%s: UNAVAILABLE", (message) => {
    const err = mapOmError(internal(message));
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe("UNAVAILABLE");
  });

  it("leaves any other INTERNAL_ERROR as it is", () => {
    const original = internal("java.lang.NullPointerException");
    expect(mapOmError(original)).toBe(original);
  });
});
