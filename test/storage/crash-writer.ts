/**
 * Child process of the kill -9 test: opens the embedded store in the data directory given as
 * argv[2] and runs the plan of crash-plan.ts on LANES concurrent lanes forever, printing
 * "ack <lane> <step>" after every operation the store acknowledged. The test SIGKILLs it.
 * A conditional create must succeed exactly when its key is absent (known from the lane's own
 * history), and a completed upload completed again must answer the same object; any other outcome
 * ends the child with a message, which fails the test.
 */
import { openEmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { StorageError, type PartInfo } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "./body.js";
import {
  CRASH_BUCKET,
  CRASH_INLINE_LIMIT,
  CRASH_OWNER,
  LANES,
  multipartContent,
  plannedOp,
  putContent,
  stateAfter,
} from "./crash-plan.js";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: crash-writer.ts <dataDir>");
const store = await openEmbeddedStore({ dataDir, inlineLimit: CRASH_INLINE_LIMIT });
try {
  await store.createBucket(CRASH_BUCKET, CRASH_OWNER);
} catch (err) {
  if (!(err instanceof StorageError && err.kind === "BUCKET_ALREADY_OWNED")) throw err;
}
process.stdout.write("ready\n");

const common = { bucket: CRASH_BUCKET, tags: {}, storageClass: "STANDARD", owner: CRASH_OWNER };

async function lane(laneNo: number): Promise<never> {
  // this lane's keys, as its own acknowledged operations left them (each run starts empty)
  const state = new Map<string, number | undefined>();
  for (let step = 0; ; step++) {
    const op = plannedOp(laneNo, step);
    const userMetadata = { seq: String(op.seq) };
    if (op.kind === "delete") {
      await store.deleteObject(CRASH_BUCKET, op.key);
    } else if (op.kind === "put") {
      await store.putObject({ ...common, key: op.key, userMetadata }, bodyFromBuffer(putContent(op.seq)));
    } else if (op.kind === "create") {
      const exists = state.get(op.key) !== undefined;
      try {
        await store.putObject({ ...common, key: op.key, userMetadata, ifNoneMatch: "*" }, bodyFromBuffer(putContent(op.seq)));
        if (exists) throw new Error(`create of existing ${op.key} (seq ${op.seq}) succeeded`);
      } catch (err) {
        const refused = err instanceof StorageError && (err.kind === "PRECONDITION_FAILED" || err.kind === "CONFLICT");
        if (!refused || !exists) throw err;
      }
    } else {
      const upload = await store.createMultipartUpload({ ...common, key: op.key, userMetadata });
      const parts = multipartContent(op.seq);
      const infos: PartInfo[] = [];
      for (const [i, data] of parts.entries()) {
        infos.push(await store.uploadPart(CRASH_BUCKET, op.key, upload.uploadId, i + 1, bodyFromBuffer(data)));
      }
      const complete = () =>
        store.completeMultipartUpload({
          bucket: CRASH_BUCKET,
          key: op.key,
          uploadId: upload.uploadId,
          parts: infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
        });
      const made = await complete();
      // a client that lost the answer retries: it must get the same object (nothing else writes this key)
      const again = await complete();
      if (again.etag !== made.etag || again.lastModified.getTime() !== made.lastModified.getTime()) {
        throw new Error(`retried completion of ${op.key} (seq ${op.seq}) answered another object`);
      }
    }
    state.set(op.key, stateAfter(op, state.get(op.key)));
    process.stdout.write(`ack ${laneNo} ${step}\n`);
  }
}

await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
