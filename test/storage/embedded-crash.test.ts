/**
 * The embedded store killed with SIGKILL during concurrent writes (crash-writer.ts), reopened: every
 * acknowledged write intact, nothing partial visible, the metadata consistent with the files.
 */
import { spawn } from "node:child_process";
import { readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { openEmbeddedStore } from "../../runtime/storage/embedded/index.js";
import { readAll } from "./body.js";
import { md5Hex, multipartEtag } from "./contract.js";
import {
  CRASH_BUCKET,
  CRASH_INLINE_LIMIT,
  LANES,
  multipartContent,
  plannedOp,
  putContent,
  stateAfter,
} from "./crash-plan.js";
import { captureLogger, checkMetadataInvariants, scratchStores, segmentFiles, tempParent } from "./embedded-fixture.js";

const here = dirname(fileURLToPath(import.meta.url));

describe("embedded store", () => {
  const { cleanups } = scratchStores();

  describe("durability", () => {
    it("keeps every acknowledged write intact across kill -9, with nothing partial left", async () => {
      // CRASH_ROUNDS=50 for a longer hunt; the default keeps the suite quick
      const rounds = Number(process.env.CRASH_ROUNDS ?? 3);
      const summary: string[] = [];
      for (let round = 0; round < rounds; round++) {
        const parent = await tempParent();
        cleanups.push(() => rm(parent, { recursive: true, force: true }));
        const dataDir = join(parent, "data");
        // a random moment: 50-600 ms into the workload, after the store is ready
        const killAfterMs = 50 + Math.floor(Math.random() * 550);
        const acked = await runAndKill(dataDir, killAfterMs);
        const leftInTmp = (await readdir(join(dataDir, "tmp"))).length;
        const report = await verifyAfterCrash(dataDir, acked);
        summary.push(`kill at ${killAfterMs} ms: acks ${acked.map((n) => n + 1).join("+")}, tmp ${leftInTmp}, ${JSON.stringify(report)}`);
      }
      console.info(`kill -9 rounds:\n  ${summary.join("\n  ")}`);
    }, 120_000);
  });
});


/** Runs crash-writer.ts, SIGKILLs it `killAfterMs` after it is ready; returns the acked step per lane. */
async function runAndKill(dataDir: string, killAfterMs: number): Promise<number[]> {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "crash-writer.ts"), dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lastAcked = Array.from({ length: LANES }, () => -1);
  let stderr = "";
  let buffered = "";
  let ready = false;
  let firstAck: () => void = () => undefined;
  const acked = new Promise<void>((resolve) => (firstAck = resolve));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const readyPromise = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === "ready") {
          ready = true;
          resolve();
        }
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (m) {
          lastAcked[Number(m[1])] = Number(m[2]);
          firstAck();
        }
      }
    });
    void exited.then(() => {
      if (!ready) reject(new Error(`crash writer exited before it was ready: ${stderr}`));
    });
  });
  await readyPromise;
  // the delay counts from the first acknowledgement: on a loaded machine the writer may need longer
  // than the shortest delay to commit anything, and a round with nothing acknowledged checks nothing
  await Promise.race([acked, exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  child.kill("SIGKILL");
  const { signal } = await exited;
  expect(signal, `writer should die by SIGKILL, stderr: ${stderr}`).toBe("SIGKILL");
  // let the last stdout data events arrive
  await new Promise((resolve) => setImmediate(resolve));
  return lastAcked;
}

async function verifyAfterCrash(dataDir: string, lastAcked: number[]): Promise<object | undefined> {
  const log = captureLogger();
  const store = await openEmbeddedStore({ dataDir, logger: log.logger });
  let report: object | undefined;
  let expectedFiles = 0;
  try {
    expect(await readdir(join(dataDir, "tmp"))).toEqual([]);

    // For each key: the state after its last acknowledged operation (replaying the lane's plan),
    // and the one extra state its lane's single in-flight operation (the step after the last ack)
    // may have committed.
    const allowed = new Map<string, Set<number | undefined>>();
    for (let lane = 0; lane < LANES; lane++) {
      const state = new Map<string, number | undefined>();
      for (let step = 0; step <= lastAcked[lane]; step++) {
        const op = plannedOp(lane, step);
        state.set(op.key, stateAfter(op, state.get(op.key)));
      }
      for (const [key, seq] of state) allowed.set(key, new Set([seq]));
      const inFlight = plannedOp(lane, lastAcked[lane] + 1);
      const before = state.get(inFlight.key);
      allowed.set(inFlight.key, new Set([before, stateAfter(inFlight, before)]));
    }
    expect(lastAcked.reduce((a, b) => a + b + 1, 0), "the writer acknowledged some writes").toBeGreaterThan(0);

    const isFile = (data: Buffer) => data.length > CRASH_INLINE_LIMIT;
    const listed = await store.listObjects({ bucket: CRASH_BUCKET, maxKeys: 1000 });
    const present = new Map(listed.objects.map((o) => [o.key, o]));
    for (const key of new Set([...allowed.keys(), ...present.keys()])) {
      const summary = present.get(key);
      let state: number | undefined;
      if (summary !== undefined) {
        const result = await store.getObject({ bucket: CRASH_BUCKET, key });
        const bytes = await readAll(result.open());
        state = Number(result.info.userMetadata.seq);
        // the object is exactly what operation `state` wrote: never partial, never mixed
        const op = plannedOp(state % LANES, Math.floor(state / LANES));
        expect(op.key).toBe(key);
        if (op.kind === "multipart") {
          const parts = multipartContent(state);
          expect(result.info.etag).toBe(multipartEtag(parts));
          expect(bytes.equals(Buffer.concat(parts))).toBe(true);
          expectedFiles += parts.filter(isFile).length;
        } else {
          expect(result.info.etag).toBe(md5Hex(putContent(state)));
          expect(bytes.equals(putContent(state))).toBe(true);
          if (isFile(bytes)) expectedFiles++;
        }
        expect(summary.etag).toBe(result.info.etag);
      }
      expect(allowed.get(key), `key ${key} should not exist`).toBeDefined();
      expect([...allowed.get(key)!], `state of ${key}`).toContain(state);
    }

    // an upload in flight at the kill keeps its committed parts; every other file was recovered away
    const uploads = await store.listMultipartUploads({ bucket: CRASH_BUCKET, maxUploads: 1000 });
    for (const upload of uploads.uploads) {
      const parts = await store.listParts({ bucket: CRASH_BUCKET, key: upload.key, uploadId: upload.uploadId, maxParts: 1000 });
      expectedFiles += parts.parts.filter((p) => p.size > CRASH_INLINE_LIMIT).length;
    }
    expect((await segmentFiles(dataDir)).length).toBe(expectedFiles);
    report = log.lines.find((l) => l.msg?.includes("recovery done"))?.obj;
    expect(report).toMatchObject({ missingFiles: 0, foreignFiles: 0 });
  } finally {
    await store.close();
  }
  const counts = await checkMetadataInvariants(dataDir);
  expect(counts.fileSegments).toBe(expectedFiles);
  return { ...report, inlineSegments: counts.inlineSegments };
}
