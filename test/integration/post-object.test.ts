/**
 * PostObject: browser form uploads over real HTTP (node's fetch builds the multipart/form-data
 * bodies, as a browser does), SigV4 and SigV2 POST policies, every condition type, the success
 * answers (204, 200, 201 with PostResponse, 303 redirect), `${filename}`, the stored metadata, tags
 * and checksum, and S3's errors for what a form can get wrong.
 */
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { Crc64NvmeJs } from "@aws-sdk/checksums/crc";
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes, md5Hex, rawRequest, REGION, signer } from "./helpers.js";
import { policyOf, sigV4Conditions, sigV4Fields } from "./post-forms.js";

/** virtual-hosted-style: `<bucket>.s3.post.test`, reached on 127.0.0.1 with that Host header */
const DOMAIN = "s3.post.test";

describe("PostObject (browser form uploads)", () => {
  let gw: RunningGateway;
  let s3: S3Client;
  const bucket = bucketName("post");
  let url: string;

  beforeAll(async () => {
    gw = await startGateway({ args: ["--domain", DOMAIN], env: { S3G_LOG_LEVEL: "info" } });
    s3 = gw.client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    url = `${gw.endpoint}/${bucket}`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** Posts the fields in order, then the file (and `after` fields after it). */
  async function post(fields: Record<string, string>, file: Uint8Array | string = "hello", opts: { filename?: string; after?: Record<string, string>; to?: string } = {}) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", new Blob([file]), opts.filename ?? "upload.txt");
    for (const [k, v] of Object.entries(opts.after ?? {})) form.append(k, v);
    const res = await fetch(opts.to ?? url, { method: "POST", body: form, redirect: "manual" });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  function sigV2(policy: string): Record<string, string> {
    return { AWSAccessKeyId: gw.accessKeyId, policy, signature: createHmac("sha1", gw.secretAccessKey).update(policy).digest("base64") };
  }

  function sigV4(conditions: unknown[], inSeconds = 3600): Record<string, string> {
    // one time for the fields the policy names and those of the signature
    const now = new Date();
    const probe = sigV4Fields("", gw.accessKeyId, gw.secretAccessKey, REGION, now);
    const policy = policyOf([...conditions, ...sigV4Conditions(probe)], inSeconds);
    return { ...sigV4Fields(policy, gw.accessKeyId, gw.secretAccessKey, REGION, now), policy };
  }

  async function getText(key: string): Promise<string> {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return r.Body!.transformToString();
  }

  function errorCode(text: string): { code?: string; message?: string } {
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.replace(/&quot;/g, '"').replace(/&amp;/g, "&");
    return { code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message };
  }

  it("stores the file of a SigV4-signed form and answers 204 with the ETag and Location", async () => {
    const data = bytes(300_000, 3);
    const auth = sigV4([{ bucket }, ["starts-with", "$key", "v4/"], ["content-length-range", 1, 1_000_000]]);
    const r = await post({ key: "v4/a.bin", ...auth }, data);
    expect(r.status).toBe(204);
    expect(r.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
    expect(r.headers.get("location")).toBe(`${gw.endpoint}/${bucket}/v4/a.bin`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "v4/a.bin", ChecksumMode: "ENABLED" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    // a form without a checksum field: S3's default checksum, as for a PutObject without one
    const crc = new Crc64NvmeJs();
    crc.update(data);
    expect([got.ChecksumCRC64NVME, got.ChecksumType]).toEqual([Buffer.from(await crc.digest()).toString("base64"), "FULL_OBJECT"]);
    // the audit line names the signer of the form
    const requestId = r.headers.get("x-amz-request-id")!;
    const find = () => gw.output().split("\n").find((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"audit":true'));
    // the line is written after the response, by another process than the one answering
    for (let i = 0; i < 50 && find() === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    const line = find();
    expect(line, gw.output().slice(-2000)).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ operation: "PostObject", accessKeyId: gw.accessKeyId, status: 204, bucket });
  });

  it("stores the file of a SigV2-signed form; field names are case-insensitive", async () => {
    const policy = policyOf([{ bUcKeT: bucket }, ["StArTs-WiTh", "$KeY", "v2"], { acl: "private" }, ["starts-with", "$Content-Type", "text/"]]);
    const r = await post({ kEy: "v2.txt", acl: "private", "Content-Type": "text/plain", ...sigV2(policy) }, "bar");
    expect(r.status).toBe(204);
    expect(await getText("v2.txt")).toBe("bar");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "v2.txt" }));
    expect(head.ContentType).toBe("text/plain");
  });

  it("replaces ${filename} in the key with the file's name", async () => {
    const auth = sigV4([{ bucket }, ["starts-with", "$key", "uploads/"]]);
    const r = await post({ key: "uploads/${filename}", ...auth }, "named", { filename: "photo.jpg" });
    expect(r.status).toBe(204);
    expect(await getText("uploads/photo.jpg")).toBe("named");
  });

  it("stores metadata, system headers, tags and a verified checksum given as fields", async () => {
    const data = "with metadata";
    const sha256 = createHash("sha256").update(data).digest("base64");
    const tagging = "<Tagging><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag></TagSet></Tagging>";
    const fields = {
      key: "meta.txt",
      "Content-Type": "text/plain",
      "Cache-Control": "max-age=60",
      "Content-Disposition": "attachment",
      "x-amz-meta-color": "blue",
      "x-amz-website-redirect-location": "/landing.html",
      tagging,
      "x-amz-checksum-sha256": sha256,
    };
    const auth = sigV4([
      { bucket },
      { key: "meta.txt" },
      { "Content-Type": "text/plain" },
      { "Cache-Control": "max-age=60" },
      ["eq", "$Content-Disposition", "attachment"],
      ["starts-with", "$x-amz-meta-color", "bl"],
      { "x-amz-website-redirect-location": "/landing.html" },
      { tagging },
    ]);
    const r = await post({ ...fields, ...auth }, data);
    expect(r.status).toBe(204);
    expect(r.headers.get("x-amz-checksum-sha256")).toBe(sha256);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta.txt", ChecksumMode: "ENABLED" }));
    expect(head).toMatchObject({ ContentType: "text/plain", CacheControl: "max-age=60", ContentDisposition: "attachment", Metadata: { color: "blue" }, ChecksumSHA256: sha256, WebsiteRedirectLocation: "/landing.html" });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "meta.txt" }));
    expect(tags.TagSet).toEqual([{ Key: "k1", Value: "v1" }]);

    const bad = await post({ ...fields, "x-amz-checksum-sha256": createHash("sha256").update("other").digest("base64"), ...auth }, data);
    expect(bad.status).toBe(400);
    expect(errorCode(bad.text).code).toBe("BadDigest");
  });

  it("keeps non-ASCII fields as the UTF-8 bytes a header carries them in: answered as when PutObject sent them", async () => {
    const title = "Grüße 中文";
    const disposition = 'attachment; filename="résumé.pdf"';
    const auth = sigV4([{ bucket }, { key: "utf8-form.txt" }, ["starts-with", "$Content-Disposition", "attachment"], ["eq", "$x-amz-meta-title", title]]);
    const r = await post({ key: "utf8-form.txt", "Content-Disposition": disposition, "x-amz-meta-title": title, ...auth }, "f");
    expect(r.status).toBe(204);
    // the same values sent by a client as UTF-8 header bytes, signed over those bytes (botocore's
    // way; the signer hashes its strings as UTF-8), written byte for byte on a socket
    const host = `127.0.0.1:${gw.port}`;
    const signed = await signer(gw).sign({
      method: "PUT", protocol: "http:", hostname: "127.0.0.1", port: gw.port, path: `/${bucket}/utf8-put.txt`, query: {},
      headers: { host, "content-disposition": disposition, "x-amz-meta-title": title, "content-length": "1", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    });
    const head = Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    const socket = net.connect(gw.port, "127.0.0.1");
    const answer = new Promise<string>((resolve, reject) => {
      let text = "";
      socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
      socket.once("end", () => resolve(text));
      socket.once("error", reject);
    });
    socket.end(Buffer.concat([Buffer.from(`PUT /${bucket}/utf8-put.txt HTTP/1.1\r\nconnection: close\r\n${head}\r\n`, "utf8"), Buffer.from("p")]));
    expect((await answer).slice(0, 12)).toBe("HTTP/1.1 200");
    for (const key of ["utf8-form.txt", "utf8-put.txt"]) {
      const got = await rawRequest(gw, { method: "GET", path: `/${bucket}/${key}` });
      expect(got.status).toBe(200);
      // node reads header bytes as ISO-8859-1: back to bytes, they are the UTF-8 of what was sent
      expect(Buffer.from(String(got.headers["x-amz-meta-title"]), "latin1").toString("utf8")).toBe(title);
      expect(Buffer.from(String(got.headers["content-disposition"]), "latin1").toString("utf8")).toBe(disposition);
      expect(got.headers["x-amz-missing-meta"]).toBeUndefined();
    }
  });

  it("answers success_action_status 200 and 201 (PostResponse XML); others as 204", async () => {
    const auth = sigV4([{ bucket }, ["starts-with", "$key", "s"], ["starts-with", "$success_action_status", ""]]);
    const r200 = await post({ key: "s200", success_action_status: "200", ...auth });
    expect([r200.status, r200.text]).toEqual([200, ""]);
    const r201 = await post({ key: "s201", success_action_status: "201", ...auth }, "x");
    expect(r201.status).toBe(201);
    // without S3's XML namespace, as S3 writes it (spec/post-object.tsp)
    expect(r201.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<PostResponse><Location>/);
    expect(r201.text).toContain(`<Bucket>${bucket}</Bucket>`);
    expect(r201.text).toContain("<Key>s201</Key>");
    expect(r201.text).toContain(`<ETag>&quot;${md5Hex(Buffer.from("x"))}&quot;</ETag>`);
    expect(r201.text).toContain(`<Location>${gw.endpoint}/${bucket}/s201</Location>`);
    const r404 = await post({ key: "s404", success_action_status: "404", ...auth });
    expect([r404.status, r404.text]).toEqual([204, ""]);
  });

  it("redirects (303) to success_action_redirect with bucket, key and etag", async () => {
    const target = "http://example.com/done?x=1";
    const auth = sigV4([{ bucket }, ["starts-with", "$key", ""], ["eq", "$success_action_redirect", target]]);
    const r = await post({ key: "a b.txt", success_action_redirect: target, ...auth }, "r");
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe(`${target}&bucket=${bucket}&key=a%20b.txt&etag=%22${md5Hex(Buffer.from("r"))}%22`);
  });

  it("ignores fields after the file, and x-ignore-* fields", async () => {
    const auth = sigV4([{ bucket }, { key: "after.txt" }]);
    const r = await post({ key: "after.txt", "x-ignore-note": "anything", ...auth }, "a", { after: { "x-amz-meta-late": "1", key: "other" } });
    expect(r.status).toBe(204);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "after.txt" }));
    expect(head.Metadata).toEqual({});
  });

  it("refuses what the policy does not allow (403 AccessDenied, S3's messages)", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ key: "nope/x", ...sigV4([{ bucket }, ["starts-with", "$key", "yes/"]]) }, 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "yes/"]'],
      [{ key: "k", ...sigV4([{ bucket }, ["eq", "$key", "other"]]) }, 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "other"]'],
      [{ key: "k", "x-amz-meta-a": "1", ...sigV4([{ bucket }, { key: "k" }]) }, "Invalid according to Policy: Extra input fields: x-amz-meta-a"],
      [{ key: "k", ...sigV4([{ bucket: "another-bucket" }, { key: "k" }]) }, 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "another-bucket"]'],
      [{ key: "k", ...sigV4([{ key: "k" }]) }, "Invalid according to Policy: Extra input fields: bucket"],
      [{ key: "k", ...sigV4([{ bucket }, { key: "k" }], -10) }, "Invalid according to Policy: Policy expired."],
    ];
    for (const [fields, message] of cases) {
      const r = await post(fields);
      expect({ status: r.status, ...errorCode(r.text) }).toEqual({ status: 403, code: "AccessDenied", message });
    }
  });

  it("refuses a file outside content-length-range (EntityTooSmall, EntityTooLarge) and stores nothing", async () => {
    const auth = sigV4([{ bucket }, ["starts-with", "$key", "range"], ["content-length-range", 10, 20]]);
    const small = await post({ key: "range-small", ...auth }, "123456789");
    expect([small.status, errorCode(small.text).code]).toEqual([400, "EntityTooSmall"]);
    const large = await post({ key: "range-large", ...auth }, bytes(500_000, 1));
    expect([large.status, errorCode(large.text).code]).toEqual([400, "EntityTooLarge"]);
    const fits = await post({ key: "range-ok", ...auth }, "0123456789ab");
    expect(fits.status).toBe(204);
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "range-small" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "range-large" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("refuses bad signatures, unknown keys and forms without a signature", async () => {
    const auth = sigV4([{ bucket }, { key: "sig" }]);
    const tampered = { ...auth, policy: policyOf([{ bucket }, ["starts-with", "$key", ""]]) };
    const cases: [Record<string, string>, number, string][] = [
      [{ key: "sig", ...tampered }, 403, "SignatureDoesNotMatch"],
      [{ key: "sig", ...auth, "x-amz-credential": auth["x-amz-credential"].replace(gw.accessKeyId, "AKIDUNKNOWN") }, 403, "InvalidAccessKeyId"],
      [{ key: "sig", ...sigV2(policyOf([{ bucket }, { key: "sig" }])), signature: "AAAA" }, 403, "SignatureDoesNotMatch"],
      [{ key: "sig", policy: auth.policy, AWSAccessKeyId: gw.accessKeyId }, 400, "InvalidArgument"],
      [{ key: "sig" }, 403, "AccessDenied"],
    ];
    for (const [fields, status, code] of cases) {
      const r = await post(fields);
      expect({ status: r.status, code: errorCode(r.text).code }).toEqual({ status, code });
      expect(r.headers.get("x-amz-request-id")).toMatch(/\S/);
    }
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "sig" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("refuses malformed policies (400 InvalidPolicyDocument)", async () => {
    const signed = (doc: unknown) => {
      const policy = Buffer.from(JSON.stringify(doc)).toString("base64");
      return { key: "p", ...sigV2(policy) };
    };
    const future = new Date(Date.now() + 3600_000).toISOString();
    for (const doc of [
      { conditions: [{ bucket }] },
      { expiration: future },
      { EXPIRATION: future, conditions: [{ bucket }] },
      { expiration: "2030-01-01 10:00:00+00:00", conditions: [{ bucket }] },
      { expiration: future, conditions: [{}] },
      { expiration: future, conditions: [["content-length-range", 0]] },
      { expiration: future, conditions: [["content-length-range", -1, 0]] },
      { expiration: future, conditions: [["matches", "$key", "x"]] },
    ]) {
      const r = await post(signed(doc));
      expect({ doc, status: r.status, code: errorCode(r.text).code }).toEqual({ doc, status: 400, code: "InvalidPolicyDocument" });
    }
  });

  it("answers S3's errors for malformed forms", async () => {
    const auth = sigV4([{ bucket }, ["starts-with", "$key", ""]]);
    const noKey = await post({ ...auth });
    expect({ status: noKey.status, ...errorCode(noKey.text) }).toEqual({
      status: 400,
      code: "InvalidArgument",
      message: "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
    });
    const noFile = await fetch(url, { method: "POST", body: (() => { const f = new FormData(); f.append("key", "x"); return f; })() });
    expect([noFile.status, errorCode(await noFile.text()).code]).toEqual([400, "IncorrectNumberOfFilesInPostRequest"]);
    const notForm = await fetch(url, { method: "POST", body: "key=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    const notFormText = await notForm.text();
    expect([notForm.status, errorCode(notFormText).code]).toEqual([412, "PreconditionFailed"]);
    expect(notFormText).toContain("<Condition>Bucket POST must be of the enclosure-type multipart/form-data</Condition>");
    // form data, but no boundary to read it by: not well-formed (versitygw's suite)
    for (const contentType of ["multipart/form-data", `multipart/form-data; boundary=${"b".repeat(71)}`]) {
      const noBoundary = await fetch(url, { method: "POST", body: "irrelevant body", headers: { "content-type": contentType } });
      expect([noBoundary.status, errorCode(await noBoundary.text()).code]).toEqual([400, "MalformedPOSTRequest"]);
    }
    const truncated = await fetch(url, {
      method: "POST",
      body: `--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nno closing delimiter`,
      headers: { "content-type": "multipart/form-data; boundary=b" },
    });
    // the signature is checked before the file is read: an unsigned form is refused first
    expect(truncated.status).toBe(403);
    const huge = await post({ key: "k", "x-ignore-pad": "x".repeat(30_000), ...auth });
    expect([huge.status, errorCode(huge.text).code]).toEqual([400, "MaxPostPreDataLengthExceededError"]);
  });

  it("stores nothing from a signed form whose file part never ends (MalformedPOSTRequest)", async () => {
    const auth = sigV2(policyOf([{ bucket }, { key: "cut" }]));
    const parts = Object.entries({ key: "cut", ...auth }).map(([k, v]) => `--b\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
    const r = await fetch(url, {
      method: "POST",
      body: `${parts.join("")}--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nno closing delimiter`,
      headers: { "content-type": "multipart/form-data; boundary=b" },
    });
    expect([r.status, errorCode(await r.text()).code]).toEqual([400, "MalformedPOSTRequest"]);
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cut" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("takes a form posted virtual-hosted-style (POST / on <bucket>.<domain>); Location names it so", async () => {
    const auth = sigV2(policyOf([{ bucket }, { key: "vhost.txt" }]));
    const form = new FormData();
    for (const [k, v] of Object.entries({ key: "vhost.txt", ...auth })) form.append(k, v);
    form.append("file", new Blob(["virtual"]), "f");
    // fetch will not send a Host of our choosing: the encoded form goes through node:http
    const encoded = new Response(form);
    const body = Buffer.from(await encoded.arrayBuffer());
    const host = `${bucket}.${DOMAIN}:${gw.port}`;
    const answer = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: gw.port, path: "/", method: "POST", headers: { host, "content-type": encoded.headers.get("content-type")!, "content-length": body.length } }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode!, location: res.headers.location }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(answer).toEqual({ status: 204, location: `http://${host}/vhost.txt` });
    expect(await getText("vhost.txt")).toBe("virtual");
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    const other = bucketName("post-missing");
    const policy = policyOf([{ bucket: other }, { key: "k" }]);
    const r = await post({ key: "k", ...sigV2(policy) }, "x", { to: `${gw.endpoint}/${other}` });
    expect([r.status, errorCode(r.text).code]).toEqual([404, "NoSuchBucket"]);
  });
});
