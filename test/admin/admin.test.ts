/** The admin server (health, Prometheus metrics) and the request-id filter, on the real process. */
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.stop();
});

describe("admin server", () => {
  it("answers /health on its own port, not on the S3 port", async () => {
    const res = await fetch(`${gw.adminEndpoint}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", storage: "embedded" });
    const s3 = await fetch(`${gw.endpoint}/health`);
    expect(s3.status).toBe(404); // an unsigned S3 request for bucket "health", which does not exist
    expect(await s3.text()).toContain("<Code>NoSuchBucket</Code>");
  });

  it("counts requests by operation, status and error code, with latency and bytes", async () => {
    const s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: "metrics-bucket" }));
    await s3.send(new ListBucketsCommand({}));
    await expect(s3.send(new GetObjectCommand({ Bucket: "metrics-bucket", Key: "missing" }))).rejects.toMatchObject({ name: "NoSuchKey" });
    const text = await (await fetch(`${gw.adminEndpoint}/metrics`)).text();
    expect(text).toMatch(/s3gw_requests_total\{operation="CreateBucket",status="200",code=""\} 1/);
    expect(text).toMatch(/s3gw_requests_total\{operation="ListBuckets",status="200",code=""\} 1/);
    expect(text).toMatch(/s3gw_requests_total\{operation="GetObject",status="404",code="NoSuchKey"\} 1/);
    expect(text).toMatch(/s3gw_request_duration_seconds_bucket\{le="[^"]+",operation="GetObject"\}/);
    expect(text).toMatch(/s3gw_process_cpu_seconds_total/);
  });
});

describe("request ids", () => {
  it("sets x-amz-request-id and x-amz-id-2 on successes, errors and HEAD answers", async () => {
    const s3 = gw.client();
    const ok = await s3.send(new ListBucketsCommand({}));
    expect(ok.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    expect(ok.$metadata.extendedRequestId).toBeTruthy();
    const err = await s3.send(new HeadBucketCommand({ Bucket: "no-such-bucket-here" })).catch((e: { $metadata: { requestId?: string; httpStatusCode?: number } }) => e);
    expect((err as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode).toBe(404);
    expect((err as { $metadata: { requestId?: string } }).$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await s3.send(new ListBucketsCommand({}))).$metadata.requestId!);
    expect(ids.size).toBe(5);
  });

  it("answers an unsigned request with AccessDenied XML carrying the request id", async () => {
    const res = await fetch(`${gw.endpoint}/`);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain("<Code>AccessDenied</Code>");
    expect(body).toContain(`<RequestId>${res.headers.get("x-amz-request-id")}</RequestId>`);
  });
});
