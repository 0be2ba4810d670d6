/**
 * Lifecycle expiry and Object Lock: the executor, on a real EmbeddedStore through the adapter the
 * gateway uses, must not remove a noncurrent version under retention or legal hold (S3's lifecycle
 * respects locks, "Managing Object Lock", Amazon S3 User Guide); the unlocked ones go as usual, and
 * a locked one goes once its lock is lifted.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { DAY_MS } from "../../runtime/lifecycle/evaluate.js";
import { LifecycleExecutor } from "../../runtime/lifecycle/executor.js";
import { lifecycleStorage } from "../../runtime/lifecycle/storage.js";
import { openEmbeddedStore, type EmbeddedStore } from "../../runtime/storage/embedded/index.js";
import type { ObjectLock } from "../../runtime/storage/types.js";
import { bodyFromBuffer } from "../storage/body.js";

const OWNER = "AKIDLIFECYCLE";
const B = "lc-lock";
const FAR = "2140-01-01T00:00:00.000Z";

let store: EmbeddedStore | undefined;
let dir: string | undefined;

afterEach(async () => {
  await store?.close().catch(() => undefined);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function put(key: string, lock?: ObjectLock): Promise<string> {
  const info = await store!.putObject(
    { bucket: B, key, userMetadata: {}, tags: {}, storageClass: "STANDARD", owner: OWNER, ...(lock !== undefined && { lock }) },
    bodyFromBuffer(Buffer.from(key)),
  );
  return info.versionId!;
}

async function versionIds(): Promise<string[]> {
  return (await store!.listObjectVersions({ bucket: B, maxKeys: 1000 })).versions.map((v) => `${v.key}:${v.versionId}`);
}

it("noncurrent versions under retention or legal hold survive NoncurrentVersionExpiration; unlocked ones go", async () => {
  dir = await mkdtemp(join(tmpdir(), "s3gw-lifecycle-lock-"));
  store = await openEmbeddedStore({ dataDir: join(dir, "data") });
  await store.createBucket(B, OWNER, { objectLock: true });
  const retained = await put("r", { retention: { mode: "GOVERNANCE", retainUntil: FAR } });
  const rCurrent = await put("r");
  const held = await put("h", { legalHold: true });
  const hCurrent = await put("h");
  await put("u");
  const uCurrent = await put("u");
  await store.putBucketLifecycle(B, [{ id: "nc", enabled: true, filter: { form: "Filter" }, noncurrentExpiration: { noncurrentDays: 1 } }]);

  const clock = { now: Date.now() + 3 * DAY_MS };
  const ex = new LifecycleExecutor({ storage: lifecycleStorage(store), now: () => clock.now, entriesPerTick: 1000, tickIntervalMs: 1_000_000 });
  const r = await ex.tick();
  expect(r.expired).toBe(1);
  expect(await versionIds()).toEqual([`h:${hCurrent}`, `h:${held}`, `r:${rCurrent}`, `r:${retained}`, `u:${uCurrent}`]);

  // lifted, the lock no longer keeps them: the next pass removes both
  await store.putObjectLegalHold(B, "h", false, held);
  await store.putObjectRetention(B, "r", undefined, retained, true);
  clock.now += DAY_MS;
  await ex.tick();
  expect(await versionIds()).toEqual([`h:${hCurrent}`, `r:${rCurrent}`, `u:${uCurrent}`]);
});
