/**
 * The OM client against fake Ozone Managers (grpc-js servers speaking Ozone's OM gRPC service with
 * our proto subset): failover across addresses on not-leader / not-ready / unavailable answers,
 * the deadline, result codes, and, through the real gateway process, that every OM request
 * carries the S3 request's own SigV4 string-to-sign, signature and access key (what a secure
 * Ozone cluster re-verifies). Needs no Ozone cluster.
 */
import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { CreateBucketCommand, ListBucketsCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { OmClient, OmStatusError, OmUnavailableError, type OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { closedPort, fakeOm, type Answer, type FakeOm } from "../support/fake-om.js";
import { startGateway } from "../support/server.js";

const NOT_LEADER = {
  grpcError: grpc.status.INTERNAL,
  details: "org.apache.hadoop.ozone.om.exceptions.OMNotLeaderException: OM:om1 is not the leader. Suggested leader is OM:om2[127.0.0.1:9862].",
};
const NOT_READY = {
  grpcError: grpc.status.INTERNAL,
  details: "org.apache.hadoop.ozone.om.exceptions.OMLeaderNotReadyException: om2 is Leader but not ready to process request yet.",
};
const AUTH = { accessId: "AKIDTEST", stringToSign: "sts", signature: "sig" };
const listed = { listBucketsResponse: { bucketInfo: [] } };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(addresses: string[], timeoutMs = 5000): OmClient {
  const c = new OmClient({ addresses, timeoutMs, clientId: "test-client" });
  cleanups.push(() => c.close());
  return c;
}

async function om(answer: Answer): Promise<FakeOm> {
  const f = await fakeOm(answer);
  cleanups.push(() => f.close());
  return f;
}

const listBuckets = (c: OmClient) => c.submit("ListBuckets", "listBucketsRequest", { volumeName: "s3v", count: 10 }, AUTH);

describe("OM client failover", () => {
  it("sends the envelope Ozone 2.x needs: version 3, a client id, S3Authentication, the sub-request", async () => {
    const leader = await om(() => listed);
    await listBuckets(client([leader.address]));
    const [r] = leader.requests;
    expect(r.cmdType).toBe("ListBuckets");
    expect(r.version).toBe(3);
    expect(r.clientId).toBe("test-client");
    expect(r.s3Authentication).toEqual({ stringToSign: "sts", signature: "sig", accessId: "AKIDTEST" });
    expect(r.listBucketsRequest).toMatchObject({ volumeName: "s3v", count: 10 });
  });

  it("moves on from a follower that answers not-leader, and stays with the leader", async () => {
    const follower = await om(() => NOT_LEADER);
    const leader = await om(() => listed);
    const c = client([follower.address, leader.address]);
    await listBuckets(c);
    await listBuckets(c);
    await listBuckets(c);
    expect(follower.requests.length).toBe(1);
    expect(leader.requests.length).toBe(3);
  });

  it("moves on from an address that does not answer (UNAVAILABLE)", async () => {
    const leader = await om(() => listed);
    const c = client([await closedPort(), leader.address]);
    await listBuckets(c);
    expect(leader.requests.length).toBe(1);
  });

  it("waits for a leader that is not ready yet, then gets its answer", async () => {
    let calls = 0;
    const leader = await om(() => (++calls <= 2 ? NOT_READY : listed));
    await listBuckets(client([leader.address]));
    expect(leader.requests.length).toBe(3);
  });

  it("gives up at the deadline when no OM leads, naming the last problem", async () => {
    const a = await om(() => NOT_LEADER);
    const b = await om(() => NOT_LEADER);
    const started = Date.now();
    const err = await listBuckets(client([a.address, b.address], 600)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OmUnavailableError);
    expect(String((err as Error).message)).toMatch(/no leader answered within 600 ms.*OMNotLeaderException/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(a.requests.length + b.requests.length).toBeGreaterThan(2);
  });

  it("hands a result code other than OK to the caller, without retrying", async () => {
    const leader = await om(() => ({ status: "KEY_NOT_FOUND", message: "Key not found" }));
    const err = await listBuckets(client([leader.address])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OmStatusError);
    expect((err as OmStatusError).status).toBe("KEY_NOT_FOUND");
    expect(leader.requests.length).toBe(1);
  });
});

describe("the gateway forwards each request's SigV4 proof to the OM", () => {
  const secret = "test-secret-key-0001-abcdefghijklmnop";
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("as S3Authentication: the string to sign and signature the client made, and its access key", async () => {
    const buckets: OmMessage[] = [];
    const leader = await om((r) => {
      if (r.cmdType === "CreateBucket") {
        buckets.push({ ...r.createBucketRequest.bucketInfo, creationTime: String(Date.now()) });
        return {};
      }
      if (r.cmdType === "ListBuckets") return { listBucketsResponse: { bucketInfo: buckets } };
      return {};
    });
    const follower = await om(() => NOT_LEADER);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-fakeom-"));
    dirs.push(dataDir);
    const gw = await startGateway({ dataDir, args: ["--backend", "ozone", "--ozone-om-address", `${follower.address},${leader.address}`] });
    cleanups.push(() => gw.stop());
    const s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: "forwarded" }));
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toEqual(["forwarded"]);

    const fromRequests = leader.requests.filter((r) => r.cmdType === "CreateBucket" || r.cmdType === "ListBuckets");
    expect(fromRequests.map((r) => r.cmdType)).toEqual(["CreateBucket", "ListBuckets"]);
    for (const r of fromRequests) {
      const auth = r.s3Authentication as { stringToSign: string; signature: string; accessId: string };
      expect(auth.accessId).toBe(gw.accessKeyId);
      // the OM of a secure cluster recomputes exactly this: HMAC(signing key, string to sign)
      const [algorithm, amzDate, scope] = auth.stringToSign.split("\n");
      expect(algorithm).toBe("AWS4-HMAC-SHA256");
      expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
      const [date, region, service] = scope.split("/");
      const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
      const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
      expect(auth.signature).toBe(createHmac("sha256", signingKey).update(auth.stringToSign).digest("hex"));
    }
    // the two requests were signed separately
    expect(fromRequests[0].s3Authentication.signature).not.toBe(fromRequests[1].s3Authentication.signature);
    expect(fromRequests[0].createBucketRequest.bucketInfo).toMatchObject({
      bucketName: "forwarded",
      owner: gw.accessKeyId,
      bucketLayout: "OBJECT_STORE",
      isVersionEnabled: false,
      storageType: "DISK",
    });
  });

  it("answers 503 ServiceUnavailable (and /health 503) while no OM answers, without failing to start", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "s3gw-noom-"));
    dirs.push(dataDir);
    const config = path.join(dataDir, "config.json");
    await writeFile(config, JSON.stringify({ ozone: { requestTimeoutMs: 300 } }));
    const gw = await startGateway({ dataDir, args: ["--config", config, "--backend", "ozone", "--ozone-om-address", await closedPort()] });
    cleanups.push(() => gw.stop());
    const s3 = gw.client();
    // the SDK retries 503s; with its default 3 attempts it still ends with the 503
    const err = await s3.send(new ListBucketsCommand({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ServiceException);
    expect((err as S3ServiceException).name).toBe("ServiceUnavailable");
    expect((err as S3ServiceException).$metadata.httpStatusCode).toBe(503);
    const health = await fetch(`${gw.adminEndpoint}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { status: string }).status).toBe("unavailable");
  });
});
