/**
 * Bucket features the gateway does not have, read as S3 reads them on a bucket where they were never
 * configured (spec/unconfigured.tsp): transfer acceleration without a Status, the bucket owner
 * paying, no access logging, no notifications, no website (404), no replication (404), empty lists
 * of analytics, metrics, inventory and Intelligent-Tiering configurations and 404 for any id. Before,
 * each answered 501, which tools that read every setting of a bucket (Terraform's AWS provider,
 * s3cmd info) reported as errors. The bucket is checked first; setting any of them is still 501.
 */
import {
  CreateBucketCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketAnalyticsConfigurationCommand,
  GetBucketIntelligentTieringConfigurationCommand,
  GetBucketInventoryConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketMetricsConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketWebsiteCommand,
  ListBucketAnalyticsConfigurationsCommand,
  ListBucketIntelligentTieringConfigurationsCommand,
  ListBucketInventoryConfigurationsCommand,
  ListBucketMetricsConfigurationsCommand,
  PutBucketLoggingCommand,
  PutBucketRequestPaymentCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, expectS3Error, rawRequest } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
const bucket = bucketName("unconfigured");
const B = () => ({ Bucket: bucket });

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

describe("bucket features never configured", () => {
  it("answer S3's 'none' through the AWS SDK", async () => {
    const accelerate = await s3.send(new GetBucketAccelerateConfigurationCommand(B()));
    expect(accelerate.Status).toBeUndefined();
    expect((await s3.send(new GetBucketRequestPaymentCommand(B()))).Payer).toBe("BucketOwner");
    expect((await s3.send(new GetBucketLoggingCommand(B()))).LoggingEnabled).toBeUndefined();
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand(B()));
    expect([notification.TopicConfigurations, notification.QueueConfigurations, notification.LambdaFunctionConfigurations]).toEqual([undefined, undefined, undefined]);
    await expectS3Error(s3.send(new GetBucketWebsiteCommand(B())), "NoSuchWebsiteConfiguration", 404);
    await expectS3Error(s3.send(new GetBucketReplicationCommand(B())), "ReplicationConfigurationNotFoundError", 404);

    const analytics = await s3.send(new ListBucketAnalyticsConfigurationsCommand(B()));
    expect([analytics.IsTruncated, analytics.AnalyticsConfigurationList]).toEqual([false, undefined]);
    const metrics = await s3.send(new ListBucketMetricsConfigurationsCommand({ ...B(), ContinuationToken: "t1" }));
    expect([metrics.IsTruncated, metrics.ContinuationToken, metrics.MetricsConfigurationList]).toEqual([false, "t1", undefined]);
    const inventory = await s3.send(new ListBucketInventoryConfigurationsCommand(B()));
    expect([inventory.IsTruncated, inventory.InventoryConfigurationList]).toEqual([false, undefined]);
    const tiering = await s3.send(new ListBucketIntelligentTieringConfigurationsCommand(B()));
    expect([tiering.IsTruncated, tiering.IntelligentTieringConfigurationList]).toEqual([false, undefined]);

    for (const call of [
      () => s3.send(new GetBucketAnalyticsConfigurationCommand({ ...B(), Id: "a" })),
      () => s3.send(new GetBucketMetricsConfigurationCommand({ ...B(), Id: "m" })),
      () => s3.send(new GetBucketInventoryConfigurationCommand({ ...B(), Id: "i" })),
      () => s3.send(new GetBucketIntelligentTieringConfigurationCommand({ ...B(), Id: "t" })),
    ]) {
      await expectS3Error(call(), "NoSuchConfiguration", 404);
    }
  });

  it("are S3's XML documents", async () => {
    const get = async (query: Record<string, string | null>) => {
      const res = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query });
      expect(res.status).toBe(200);
      return res.text;
    };
    const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
    expect(await get({ accelerate: null })).toMatch(new RegExp(`<AccelerateConfiguration ${NS}\\s*/>|<AccelerateConfiguration ${NS}></AccelerateConfiguration>`));
    expect(await get({ requestPayment: null })).toContain(`<RequestPaymentConfiguration ${NS}><Payer>BucketOwner</Payer></RequestPaymentConfiguration>`);
    expect(await get({ logging: null })).toMatch(/<BucketLoggingStatus xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"\s*(\/>|><\/BucketLoggingStatus>)/);
    expect(await get({ analytics: null })).toContain("<ListBucketAnalyticsConfigurationResult");
    expect(await get({ inventory: null })).toContain("<IsTruncated>false</IsTruncated>");
    const website = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { website: null } });
    expectErrorXml(website, "NoSuchWebsiteConfiguration", 404);
    expect(website.text).toContain(`<BucketName>${bucket}</BucketName>`);
  });

  it("check the bucket and the caller first; setting them is still 501", async () => {
    await expectS3Error(s3.send(new GetBucketRequestPaymentCommand({ Bucket: bucketName("missing") })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: bucketName("missing") })), "NoSuchBucket", 404);
    expectErrorXml(await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { logging: null }, unsigned: true }), "AccessDenied", 403);
    await expectS3Error(s3.send(new PutBucketLoggingCommand({ ...B(), BucketLoggingStatus: {} })), "NotImplemented", 501);
    await expectS3Error(s3.send(new PutBucketRequestPaymentCommand({ ...B(), RequestPaymentConfiguration: { Payer: "Requester" } })), "NotImplemented", 501);
  });
});
