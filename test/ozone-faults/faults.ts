/**
 * What the fault tests share: a gateway on the fault cluster (test/support/ozone-faults.ts), S3
 * requests with an explicit deadline and their outcome as a status (200, or the S3 error's status
 * and code), the clean failure the tests accept (503 ServiceUnavailable or SlowDown, spec/errors.tsp),
 * and which datanodes hold a key (from the OM).
 */
import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, S3ServiceException, type S3Client } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { OmClient, type OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { createTestVolume } from "../support/ozone.js";
import { startFaultsCluster, type FaultsCluster } from "../support/ozone-faults.js";
import { startGateway, type RunningGateway } from "../support/server.js";

export const MiB = 1024 * 1024;
/** the access key startGateway's gateways use: the owner of their volume */
export const GATEWAY_KEY = "AKIDS3GWTEST0001";
/**
 * Deadline of one write (PUT, UploadPart, CompleteMultipartUpload) in these tests. The gateway's
 * own bound on a Ratis write is 2 × ozone.requestTimeoutMs (60 s by default) per block attempt;
 * anything past this is a hang.
 */
export const WRITE_DEADLINE_MS = 150_000;
/** Deadline of a read (GET of a few MiB, HEAD, List): the OM's and a datanode's 30 s deadline, twice. */
export const READ_DEADLINE_MS = 75_000;

export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How one request ended: `status` 200 for a success; `code` the S3 error code; `error` anything else (no HTTP answer). */
export interface Outcome<T = unknown> {
  status: number;
  code?: string;
  value?: T;
  error?: string;
  ms: number;
}

/** Sends a command (any of the SDK's; typed loosely, the tests read what they need) with a deadline; a request without an answer by then is a hang and fails the test. */
export async function send<T>(s3: S3Client, command: object, deadlineMs: number, what: string): Promise<Outcome<T>> {
  const started = Date.now();
  try {
    const value = (await s3.send(command as never, { abortSignal: AbortSignal.timeout(deadlineMs) })) as T;
    return { status: 200, value, ms: Date.now() - started };
  } catch (e) {
    const ms = Date.now() - started;
    if (e instanceof S3ServiceException && e.$metadata.httpStatusCode !== undefined) return { status: e.$metadata.httpStatusCode, code: e.name, ms };
    const err = e as Error;
    if (err.name === "AbortError" || err.name === "TimeoutError") throw new Error(`${what}: no answer within ${deadlineMs} ms (a hang)`);
    return { status: 0, error: `${err.name}: ${err.message}`, ms };
  }
}

/** A write that cannot complete must say so cleanly: 503 with one of S3's retry-later codes. */
export function isCleanUnavailable(o: Outcome): boolean {
  return o.status === 503 && (o.code === "ServiceUnavailable" || o.code === "SlowDown");
}

export function describeOutcome(o: Outcome): string {
  return o.status === 200 ? `200 in ${o.ms} ms` : o.status === 0 ? `no HTTP answer after ${o.ms} ms: ${o.error}` : `${o.status} ${o.code} after ${o.ms} ms`;
}

/** Asserts the outcome is 200 or a clean 503, naming `what` in the failure. */
export function expectOkOrUnavailable(o: Outcome, what: string): void {
  expect(o.status === 200 || isCleanUnavailable(o), `${what}: ${describeOutcome(o)}`).toBe(true);
}

/**
 * Repeats a write as a client would (the AWS SDKs retry 503s): until it succeeds, for at most
 * `withinMs`. Every answer before the success must be a clean 503; returns the success and how
 * many 503s came first.
 */
export async function retryUntilOk<T>(s3: S3Client, make: () => object, what: string, withinMs: number): Promise<{ ok: Outcome<T>; unavailable: number; ms: number }> {
  const started = Date.now();
  let unavailable = 0;
  for (;;) {
    const o = await send<T>(s3, make(), WRITE_DEADLINE_MS, what);
    if (o.status === 200) return { ok: o, unavailable, ms: Date.now() - started };
    expect(isCleanUnavailable(o), `${what}: ${describeOutcome(o)}`).toBe(true);
    unavailable++;
    if (Date.now() - started > withinMs) throw new Error(`${what}: still 503 after ${Date.now() - started} ms (${unavailable} attempts)`);
    await sleep(1000);
  }
}

/** GETs an object and returns its bytes' sha256, or the outcome when it is not a 200. */
export async function readSha(s3: S3Client, bucket: string, key: string): Promise<{ sha?: string; size?: number; outcome: Outcome }> {
  const started = Date.now();
  const signal = AbortSignal.timeout(READ_DEADLINE_MS);
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const bytes = await got.Body!.transformToByteArray();
    return { sha: sha256(bytes), size: bytes.length, outcome: { status: 200, ms: Date.now() - started } };
  } catch (e) {
    if (e instanceof S3ServiceException && e.$metadata.httpStatusCode !== undefined) return { outcome: { status: e.$metadata.httpStatusCode, code: e.name, ms: Date.now() - started } };
    if (signal.aborted) throw new Error(`GET ${key}: no answer within ${READ_DEADLINE_MS} ms (a hang)`);
    return { outcome: { status: 0, error: String(e), ms: Date.now() - started } };
  }
}

/** The object reads back whole: 200 and the same sha256. */
export async function expectReadsBack(s3: S3Client, bucket: string, key: string, sha: string): Promise<void> {
  const r = await readSha(s3, bucket, key);
  expect(r.outcome.status, `GET ${key}: ${describeOutcome(r.outcome)}`).toBe(200);
  expect(r.sha, `GET ${key}: bytes differ`).toBe(sha);
}

/**
 * A write that was not acknowledged left no partial object: the key is absent (404), or, if the
 * gateway committed it before its answer was lost, whole and byte-identical.
 */
export async function expectAbsentOrWhole(s3: S3Client, bucket: string, key: string, sha: string): Promise<"absent" | "whole"> {
  const head = await send(s3, new HeadObjectCommand({ Bucket: bucket, Key: key }), READ_DEADLINE_MS, `HEAD ${key}`);
  if (head.status === 404) return "absent";
  expect(head.status, `HEAD ${key}: ${describeOutcome(head)}`).toBe(200);
  await expectReadsBack(s3, bucket, key, sha);
  return "whole";
}

export interface FaultsContext {
  cluster: FaultsCluster;
  gw: RunningGateway;
  om: OmClient;
  volume: string;
  s3: S3Client;
}

/** Starts the fault cluster (or finds it up, with every datanode and the OM started again) and a gateway on a fresh volume of it. */
export async function startFaultsContext(): Promise<FaultsContext> {
  const cluster = await startFaultsCluster();
  const volume = await createTestVolume(cluster.omGrpc, GATEWAY_KEY);
  const gw = await startGateway({ args: ["--backend", "ozone", "--ozone-om-address", cluster.omGrpc, "--ozone-volume", volume] });
  const om = new OmClient({ addresses: [cluster.omGrpc], timeoutMs: 30_000, clientId: "faults-test" });
  return { cluster, gw, om, volume, s3: gw.client() };
}

/** Stops the gateway; what it logged as internal errors (the details of a 500) goes to the test output. */
export async function stopFaultsContext(ctx: FaultsContext | undefined): Promise<void> {
  ctx?.om.close();
  ctx?.s3.destroy();
  await ctx?.gw.stop();
  const internal = ctx?.gw.output().split("\n").filter((line) => line.includes("internal error")) ?? [];
  if (internal.length) console.log(`the gateway logged ${internal.length} internal error(s):\n${internal.slice(0, 5).join("\n")}`);
}

/** The datanodes (cluster.mjs numbers) of every block of a key, from the OM, and each block's pipeline leader. */
export async function datanodesOf(ctx: FaultsContext, bucket: string, key: string): Promise<{ blocks: { datanodes: number[]; leader?: number; pipeline: string }[] }> {
  const r = await ctx.om.submit(
    "GetKeyInfo",
    "GetKeyInfoRequest",
    { keyArgs: { volumeName: ctx.volume, bucketName: bucket, keyName: key, latestVersionLocation: true }, assumeS3Context: false },
    { accessId: GATEWAY_KEY, stringToSign: "", signature: "" },
  );
  const info = r.GetKeyInfoResponse.keyInfo as OmMessage;
  const versions = info.keyLocationList as { keyLocations: OmMessage[] }[];
  return {
    blocks: versions.at(-1)!.keyLocations.map((l) => {
      const members = (l.pipeline?.members ?? []) as OmMessage[];
      const numberOf = (m: OmMessage): number => {
        const port = ((m.ports ?? []) as OmMessage[]).find((p) => p.name === "STANDALONE");
        const n = ctx.cluster.datanodeByStandalonePort.get(Number(port?.value));
        if (n === undefined) throw new Error(`pipeline member ${String(m.uuid)} is no datanode of the fault cluster`);
        return n;
      };
      const leader = members.find((m) => m.uuid === l.pipeline?.leaderID);
      return { datanodes: members.map(numberOf).sort(), leader: leader ? numberOf(leader) : undefined, pipeline: String(l.pipeline?.id?.id) };
    }),
  };
}
