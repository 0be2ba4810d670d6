/**
 * kill -9 at the HTTP level: concurrent PutObject and multipart uploads through the AWS SDK against
 * the real gateway process, a SIGKILL at a random moment while writes are in flight, a restart on
 * the same data directory, and then:
 *   - every acknowledged write (the SDK promise resolved) is there, byte-identical, with its ETag;
 *   - every object that exists holds one complete body that was sent for its key, never a partial
 *     or mixed one, and no older version than the last acknowledged one;
 *   - ListObjectsV2 lists exactly those objects, with their sizes and ETags;
 *   - the store's tmp/ (runtime/storage/embedded/files.ts) is empty again.
 * The cycle runs several rounds on one data directory, with one gateway process and with a primary
 * and two workers. Nothing here measures time.
 *
 * Every key belongs to one worker, which writes it sequentially, so after a kill a key can hold only
 * its last acknowledged body or the one body its worker had in flight.
 *
 * A second cycle does the same in a versioned bucket, with PUTs, deletes (delete markers) and
 * deletes by version id: every acknowledged version and delete marker is there after the restart
 * (the version readable by its id, byte-identical), every acknowledged delete of a version left it
 * gone, and the version listing holds nothing that was never sent.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { filesUnder, startGateway, type RunningGateway } from "../support/server.js";

const BUCKET = "crash-http";
const WORKERS = 6;
const KEYS_PER_WORKER = 3;
/** CRASH_ROUNDS=30 for a longer hunt; the default keeps the suite quick */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
/** acknowledged writes to wait for in a round before the kill can come */
const MIN_ACKS_BEFORE_KILL = 6;
const MIB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MIB;

interface SentBody {
  md5: string;
  size: number;
  /** quoted, as S3 returns it: "<md5>" for a PUT, "<md5 of part md5s>-<n>" for a multipart upload */
  etag: string;
  how: "put" | "multipart";
}

interface KeyState {
  /** what the key must hold: the last acknowledged body, or what the last verification found */
  settled: SentBody | undefined;
  /** bodies sent after `settled` and not acknowledged: any of them may have committed */
  pending: SentBody[];
  /** every body ever sent for the key (to tell "stale" from "never sent" in failures) */
  everSent: Map<string, SentBody>;
}

const md5 = (data: Buffer) => createHash("md5").update(data).digest();

function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** A few bytes, some KiB, or up to 2 MiB. */
function randomBodySize(): number {
  const r = Math.random();
  if (r < 0.35) return randomInt(1, 100);
  if (r < 0.7) return randomInt(1024, 256 * 1024);
  return randomInt(256 * 1024, 2 * MIB);
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

// One process, and a primary with two workers (runtime/workers/): the kill takes every process at
// once; acknowledged writes were committed by the primary before their answers left a worker.
describe.each([1, 2])("gateway crash (SIGKILL) with writes in flight, %i worker(s)", (workers) => {
  it("keeps every acknowledged object, exposes only complete ones, and cleans tmp/ at restart", async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), "s3gw-kill9-"));
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const dataDir = path.join(parent, "data");
    const keys = new Map<string, KeyState>();
    for (let w = 0; w < WORKERS; w++) {
      // plain, with a space, and non-ASCII: keys travel through the URL and the listing XML
      for (const key of [`w${w}/plain-0`, `w${w}/with space-1`, `w${w}/ключ-ü-2`].slice(0, KEYS_PER_WORKER)) {
        keys.set(key, { settled: undefined, pending: [], everSent: new Map() });
      }
    }
    const summary: string[] = [];

    let gw = await startGateway({ dataDir, workers });
    cleanups.push(() => gw.stop());
    await gw.client().send(new CreateBucketCommand({ Bucket: BUCKET }));

    for (let round = 0; round < ROUNDS; round++) {
      const client = gw.client();
      const result = await writeUntilKilled(gw, client, keys, round);
      client.destroy();
      const leftInTmp = (await filesUnder(path.join(dataDir, "tmp"))).length;

      gw = await startGateway({ dataDir, workers });
      cleanups.push(() => gw.stop());
      expect(await filesUnder(path.join(dataDir, "tmp")), "tmp/ after restart").toEqual([]);
      const found = await verify(gw, keys);
      summary.push(
        `round ${round + 1}: kill ${result.delayMs} ms after ${MIN_ACKS_BEFORE_KILL} acks; ${result.acks} acked ` +
          `(${result.multipartAcks} multipart), ${result.inFlight} in flight, ${leftInTmp} file(s) in tmp/; ` +
          `after restart ${found.present} present, ${found.inFlightCommitted} of them an unacknowledged in-flight body`,
      );
    }
    await gw.stop();
    console.info(`HTTP kill -9 rounds:\n  ${summary.join("\n  ")}`);
  }, 180_000);
});

/**
 * Runs WORKERS concurrent writers against `gw` until it is SIGKILLed, a random moment after
 * MIN_ACKS_BEFORE_KILL writes of this round were acknowledged. Updates `keys` as acks arrive.
 */
async function writeUntilKilled(
  gw: RunningGateway,
  client: S3Client,
  keys: Map<string, KeyState>,
  round: number,
): Promise<{ acks: number; multipartAcks: number; inFlight: number; delayMs: number }> {
  let killing = false;
  let acks = 0;
  let multipartAcks = 0;
  let inFlight = 0;
  const unexpected: string[] = [];

  async function worker(w: number): Promise<void> {
    const own = [...keys.keys()].filter((k) => k.startsWith(`w${w}/`));
    for (let op = 0; !killing; op++) {
      const key = own[randomInt(0, own.length - 1)];
      const state = keys.get(key)!;
      const multipart = Math.random() < 0.2;
      inFlight++;
      try {
        if (multipart) {
          const parts = Array.from({ length: randomInt(1, 3) }, () => randomBytes(0));
          for (let i = 0; i < parts.length; i++) parts[i] = randomBytes(i < parts.length - 1 ? MIN_PART_SIZE : randomInt(1, MIB));
          const whole = Buffer.concat(parts);
          const body: SentBody = {
            md5: md5(whole).toString("hex"),
            size: whole.length,
            etag: `"${md5(Buffer.concat(parts.map(md5))).toString("hex")}-${parts.length}"`,
            how: "multipart",
          };
          // sent (may commit) from the moment CompleteMultipartUpload could be on its way
          state.pending.push(body);
          state.everSent.set(body.md5, body);
          const created = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
          const completed = [];
          for (const [i, data] of parts.entries()) {
            const part = await client.send(
              new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: data }),
            );
            completed.push({ PartNumber: i + 1, ETag: part.ETag });
          }
          const done = await client.send(
            new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts: completed } }),
          );
          if (done.ETag !== body.etag) unexpected.push(`${key}: CompleteMultipartUpload answered ETag ${done.ETag}, expected ${body.etag}`);
          acknowledged(state, body);
          multipartAcks++;
        } else {
          const data = randomBytes(randomBodySize());
          const body: SentBody = { md5: md5(data).toString("hex"), size: data.length, etag: `"${md5(data).toString("hex")}"`, how: "put" };
          state.pending.push(body);
          state.everSent.set(body.md5, body);
          const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: data }));
          if (put.ETag !== body.etag) unexpected.push(`${key}: PutObject answered ETag ${put.ETag}, expected ${body.etag}`);
          acknowledged(state, body);
        }
        acks++;
      } catch (err) {
        // after the kill every request in flight fails; before it, none should
        if (!killing) unexpected.push(`round ${round + 1}, ${key}, ${multipart ? "multipart" : "put"} #${op}: ${String(err)}`);
      } finally {
        inFlight--;
      }
    }
  }

  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  // a guard against a gateway that never answers, not a timing assertion
  const deadline = Date.now() + 60_000;
  while (acks < MIN_ACKS_BEFORE_KILL && unexpected.length === 0) {
    if (Date.now() > deadline) throw new Error(`round ${round + 1}: only ${acks} writes acknowledged in 60 s\n${gw.output()}`);
    await sleep(5);
  }
  expect(unexpected, `errors while the gateway was up\n${gw.output()}`).toEqual([]);
  const delayMs = randomInt(0, 400);
  await sleep(delayMs);
  killing = true;
  const inFlightAtKill = inFlight;
  await gw.kill();
  expect(gw.process.signalCode, "the gateway died by SIGKILL").toBe("SIGKILL");
  await Promise.all(workers);
  expect(unexpected, `errors while the gateway was up\n${gw.output()}`).toEqual([]);
  return { acks, multipartAcks, inFlight: inFlightAtKill, delayMs };
}

/** An acknowledged body is what the key holds now; its worker had nothing else in flight for it. */
function acknowledged(state: KeyState, body: SentBody): void {
  state.settled = body;
  state.pending = [];
}

/**
 * Checks every key against what may legally be there, checks the listing, and makes what was found
 * the new settled state of each key.
 */
async function verify(gw: RunningGateway, keys: Map<string, KeyState>): Promise<{ present: number; inFlightCommitted: number }> {
  const client = gw.client();
  const problems: string[] = [];
  const found = new Map<string, SentBody>();
  let inFlightCommitted = 0;
  try {
    for (const [key, state] of keys) {
      let data: Buffer | undefined;
      let etag: string | undefined;
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        data = Buffer.from(await got.Body!.transformToByteArray());
        etag = got.ETag;
      } catch (err) {
        if ((err as { name?: string }).name !== "NoSuchKey") {
          // e.g. a body cut short: the stored bytes do not match the stored length
          problems.push(`${key}: GetObject failed: ${String(err)}`);
          state.settled = undefined;
          state.pending = [];
          continue;
        }
      }
      const legal = [...(state.settled ? [state.settled] : []), ...state.pending];
      if (data === undefined) {
        if (state.settled) problems.push(`${key}: missing, but a ${state.settled.how} of ${state.settled.size} bytes (md5 ${state.settled.md5}) was acknowledged`);
        state.settled = undefined;
        state.pending = [];
        continue;
      }
      const digest = md5(data).toString("hex");
      const body = legal.find((b) => b.md5 === digest);
      if (body === undefined) {
        const older = state.everSent.get(digest);
        problems.push(
          older
            ? `${key}: holds an older ${older.how} body (${older.size} bytes) instead of the acknowledged ${state.settled?.how} of ${state.settled?.size} bytes`
            : `${key}: holds ${data.length} bytes (md5 ${digest}) that match no body ever sent for it: partial or mixed (legal: ${legal.map((b) => `${b.how} ${b.size} bytes`).join(", ") || "absent"})`,
        );
        state.settled = undefined;
        state.pending = [];
        continue;
      }
      if (etag !== body.etag) problems.push(`${key}: ETag ${etag}, expected ${body.etag} for its ${body.how} body`);
      if (body !== state.settled) inFlightCommitted++;
      found.set(key, body);
      state.settled = body;
      state.pending = [];
    }

    // the listing shows exactly the complete objects, with their sizes and ETags (small pages, so
    // continuation tokens are exercised too)
    const listed = new Map<string, { size?: number; etag?: string }>();
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 4, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (listed.has(o.Key!)) problems.push(`listing: ${o.Key} listed twice`);
        listed.set(o.Key!, { size: o.Size, etag: o.ETag });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    for (const [key, entry] of listed) {
      const body = found.get(key);
      if (body === undefined) problems.push(`listing: ${key} is listed but ${keys.has(key) ? "GetObject did not find it" : "was never written"}`);
      else if (entry.size !== body.size || entry.etag !== body.etag) {
        problems.push(`listing: ${key} listed with ${entry.size} bytes, ETag ${entry.etag}; the object has ${body.size} bytes, ETag ${body.etag}`);
      }
    }
    for (const key of found.keys()) if (!listed.has(key)) problems.push(`listing: ${key} exists but is not listed`);
  } finally {
    client.destroy();
  }
  expect(problems, `after restart\n${gw.output()}`).toEqual([]);
  return { present: found.size, inFlightCommitted };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- versioned bucket

const VBUCKET = "crash-versions";

/** What one key of the versioned bucket must hold: acknowledged versions and markers, and removals. */
interface VersionedKey {
  /** version id -> md5 of the body, for every acknowledged PUT not deleted since */
  versions: Map<string, string>;
  /** acknowledged delete markers not deleted since */
  markers: Set<string>;
  /** version ids (bodies or markers) whose delete by id was acknowledged */
  removed: Set<string>;
  /**
   * version ids whose delete by id was sent but not acknowledged when the gateway was killed: that
   * delete may have committed, so each of them may be listed or not
   */
  maybeRemoved: Set<string>;
  /** md5s of every body sent (acknowledged or not) */
  sent: Set<string>;
}

describe.each([1, 2])("gateway crash (SIGKILL) in a versioned bucket, %i worker(s)", (workers) => {
  it("keeps every acknowledged version and delete marker, and every acknowledged removal", async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), "s3gw-kill9v-"));
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const dataDir = path.join(parent, "data");
    const keys = new Map<string, VersionedKey>();
    for (let w = 0; w < WORKERS; w++) {
      for (const key of [`w${w}/a`, `w${w}/b ü`]) keys.set(key, { versions: new Map(), markers: new Set(), removed: new Set(), maybeRemoved: new Set(), sent: new Set() });
    }
    const summary: string[] = [];
    let gw = await startGateway({ dataDir, workers });
    cleanups.push(() => gw.stop());
    const setup = gw.client();
    await setup.send(new CreateBucketCommand({ Bucket: VBUCKET }));
    await setup.send(new PutBucketVersioningCommand({ Bucket: VBUCKET, VersioningConfiguration: { Status: "Enabled" } }));
    setup.destroy();

    for (let round = 0; round < ROUNDS; round++) {
      const client = gw.client();
      const result = await churnUntilKilled(gw, client, keys, round);
      client.destroy();
      gw = await startGateway({ dataDir, workers });
      cleanups.push(() => gw.stop());
      expect(await filesUnder(path.join(dataDir, "tmp")), "tmp/ after restart").toEqual([]);
      const listed = await verifyVersions(gw, keys);
      summary.push(`round ${round + 1}: kill ${result.delayMs} ms in; ${result.acks} acked (${result.markers} markers, ${result.removals} removals); ${listed} versions listed after restart`);
    }
    await gw.stop();
    console.info(`HTTP kill -9 rounds, versioned bucket:\n  ${summary.join("\n  ")}`);
  }, 180_000);
});

/** Concurrent PUTs, deletes and deletes by version id on each worker's own keys until the kill. */
async function churnUntilKilled(
  gw: RunningGateway,
  client: S3Client,
  keys: Map<string, VersionedKey>,
  round: number,
): Promise<{ acks: number; markers: number; removals: number; delayMs: number }> {
  let killing = false;
  let acks = 0;
  let markers = 0;
  let removals = 0;
  const unexpected: string[] = [];

  async function worker(w: number): Promise<void> {
    const own = [...keys.keys()].filter((k) => k.startsWith(`w${w}/`));
    for (let op = 0; !killing; op++) {
      const key = own[randomInt(0, own.length - 1)];
      const state = keys.get(key)!;
      const r = Math.random();
      try {
        if (r < 0.6) {
          const data = randomBytes(randomBodySize());
          const digest = md5(data).toString("hex");
          state.sent.add(digest);
          const put = await client.send(new PutObjectCommand({ Bucket: VBUCKET, Key: key, Body: data }));
          if (put.VersionId === undefined) unexpected.push(`${key}: PutObject answered no version id`);
          else state.versions.set(put.VersionId, digest);
        } else if (r < 0.8) {
          const d = await client.send(new DeleteObjectCommand({ Bucket: VBUCKET, Key: key }));
          if (d.DeleteMarker !== true || d.VersionId === undefined) unexpected.push(`${key}: DeleteObject made no delete marker`);
          else state.markers.add(d.VersionId);
          markers++;
        } else {
          const ids = [...state.versions.keys(), ...state.markers];
          if (ids.length === 0) continue;
          const id = ids[randomInt(0, ids.length - 1)];
          state.maybeRemoved.add(id);
          await client.send(new DeleteObjectCommand({ Bucket: VBUCKET, Key: key, VersionId: id }));
          state.maybeRemoved.delete(id);
          state.versions.delete(id);
          state.markers.delete(id);
          state.removed.add(id);
          removals++;
        }
        acks++;
      } catch (err) {
        if (!killing) unexpected.push(`round ${round + 1}, ${key}, op #${op}: ${String(err)}`);
      }
    }
  }

  const running = Array.from({ length: WORKERS }, (_, w) => worker(w));
  const deadline = Date.now() + 60_000;
  while (acks < MIN_ACKS_BEFORE_KILL * 2 && unexpected.length === 0) {
    if (Date.now() > deadline) throw new Error(`round ${round + 1}: only ${acks} writes acknowledged in 60 s\n${gw.output()}`);
    await sleep(5);
  }
  expect(unexpected, `errors while the gateway was up\n${gw.output()}`).toEqual([]);
  const delayMs = randomInt(0, 400);
  await sleep(delayMs);
  killing = true;
  await gw.kill();
  expect(gw.process.signalCode, "the gateway died by SIGKILL").toBe("SIGKILL");
  await Promise.all(running);
  expect(unexpected, `errors while the gateway was up\n${gw.output()}`).toEqual([]);
  return { acks, markers, removals, delayMs };
}

/**
 * After a restart: every acknowledged version reads back by its id, byte-identical; every
 * acknowledged marker is listed as one; nothing removed by an acknowledged delete is listed; every
 * listed version holds a body sent for its key. What the listing shows becomes the new state (an
 * unacknowledged write or removal may have committed).
 */
async function verifyVersions(gw: RunningGateway, keys: Map<string, VersionedKey>): Promise<number> {
  const client = gw.client();
  const problems: string[] = [];
  let count = 0;
  try {
    const listed = new Map<string, { versions: Map<string, string>; markers: Set<string> }>();
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: VBUCKET, MaxKeys: 50, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      for (const v of page.Versions ?? []) {
        const entry = listed.get(v.Key!) ?? { versions: new Map(), markers: new Set() };
        entry.versions.set(v.VersionId!, v.ETag!.slice(1, -1));
        listed.set(v.Key!, entry);
        count++;
      }
      for (const m of page.DeleteMarkers ?? []) {
        const entry = listed.get(m.Key!) ?? { versions: new Map(), markers: new Set() };
        entry.markers.add(m.VersionId!);
        listed.set(m.Key!, entry);
        count++;
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
    for (const [key, state] of keys) {
      const found = listed.get(key) ?? { versions: new Map<string, string>(), markers: new Set<string>() };
      for (const [id, digest] of state.versions) {
        if (!found.versions.has(id) && state.maybeRemoved.has(id)) continue; // its unacknowledged delete committed
        if (found.versions.get(id) !== digest) problems.push(`${key}: acknowledged version ${id} (md5 ${digest}) is ${found.versions.has(id) ? `listed with ETag ${found.versions.get(id)}` : "missing"}`);
        else {
          const got = await client.send(new GetObjectCommand({ Bucket: VBUCKET, Key: key, VersionId: id }));
          const data = Buffer.from(await got.Body!.transformToByteArray());
          if (md5(data).toString("hex") !== digest) problems.push(`${key}: version ${id} reads ${data.length} bytes that are not its body`);
        }
      }
      for (const id of state.markers) if (!found.markers.has(id) && !state.maybeRemoved.has(id)) problems.push(`${key}: acknowledged delete marker ${id} is missing`);
      for (const id of state.removed) if (found.versions.has(id) || found.markers.has(id)) problems.push(`${key}: ${id} was deleted (acknowledged) but is listed`);
      for (const [id, digest] of found.versions) if (!state.sent.has(digest)) problems.push(`${key}: listed version ${id} holds a body never sent (md5 ${digest})`);
      state.versions = found.versions;
      state.markers = found.markers;
      state.maybeRemoved.clear();
    }
    for (const key of listed.keys()) if (!keys.has(key)) problems.push(`listing: ${key} was never written`);
  } finally {
    client.destroy();
  }
  expect(problems, `after restart\n${gw.output()}`).toEqual([]);
  return count;
}
