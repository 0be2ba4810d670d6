/**
 * CORS through the real server: Put/Get/DeleteBucketCors with the AWS SDK, preflight OPTIONS
 * requests (unsigned, as browsers send them) evaluated against the bucket's rules, and the CORS
 * headers on the answers of requests that carry an Origin header. Expected answers are AWS's (as
 * recorded by LocalStack's validated tests) and ceph/s3-tests' test_cors_* cases. On Ozone (which
 * keeps no CORS rules) PutBucketCors answers 501 NotImplemented, every bucket reads as one without
 * rules, and every preflight is refused.
 *
 * The gateway runs two workers, each caching a bucket's rules for up to CACHE_TTL_MS: a change made
 * through one worker reaches the other within that time (S3's bucket configuration is eventually
 * consistent too), so the checks after a change wait for it.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  type CORSRule,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_TTL_MS } from "../../runtime/filters/cors.js";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectErrorXml, expectS3Error, md5Base64, rawRequest, send, xmlElements, type RawResponse } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function newBucket(label: string, rules?: CORSRule[]): Promise<string> {
  const bucket = bucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (rules) await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }));
  return bucket;
}

/** An unsigned OPTIONS request, as a browser sends its preflight. */
function preflight(path: string, headers: Record<string, string>): Promise<RawResponse> {
  return send({ port: gw.port, method: "OPTIONS", path, headers: { host: `127.0.0.1:${gw.port}`, ...headers } });
}

/** The Access-Control-* and Vary headers of an answer. */
function corsHeaders(res: RawResponse): Record<string, string> {
  return Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.startsWith("access-control-") || k === "vary")) as Record<string, string>;
}

const VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/** Every worker has read the bucket's rules again since they changed. */
const settle = () => new Promise((r) => setTimeout(r, CACHE_TTL_MS + 100));

describe.runIf(ON_OZONE)("on Ozone", () => {
  it("answers PutBucketCors 501 NotImplemented naming the backend, reads every bucket as one without rules, and refuses preflights", async () => {
    const bucket = await newBucket("cors-ozone");
    const err = await expectS3Error(
      s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["*"] }] } })),
      "NotImplemented",
      501,
    );
    expect(err.message).toMatch(/Ozone/);
    // as S3 answers for a bucket that never had rules
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: bucket })), "NoSuchCORSConfiguration", 404);
    expect((await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: "cors-no-such-bucket" })), "NoSuchBucket", 404);
    const res = await preflight(`/${bucket}/k`, { origin: "https://a.example", "access-control-request-method": "GET" });
    expectErrorXml(res, "AccessForbidden", 403);
  });
});

describe.skipIf(ON_OZONE)("Put/Get/DeleteBucketCors", () => {
  it("keeps the rules as given, in order, until deleted; 404 NoSuchCORSConfiguration without them", async () => {
    const bucket = await newBucket("cors-crud");
    const missing = await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: bucket })), "NoSuchCORSConfiguration", 404);
    expect(missing.message).toBe("The CORS configuration does not exist");
    const rules: CORSRule[] = [
      {
        ID: "first",
        AllowedOrigins: ["https://test.com", "https://*.test.com", ""],
        AllowedMethods: ["GET", "PUT", "HEAD"],
        AllowedHeaders: ["x-amz-expected-bucket-owner", "x-AMZ-server-SIDE-*"],
        ExposeHeaders: ["ETag", "x-amz-request-id"],
        MaxAgeSeconds: 3000,
      },
      { AllowedOrigins: ["*"], AllowedMethods: ["GET"] },
    ];
    const put = await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toEqual(rules);
    const deleted = await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: bucket })), "NoSuchCORSConfiguration", 404);
    // deleting what is not there succeeds, as in S3
    expect((await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
  });

  it("names the bucket in NoSuchCORSConfiguration, and answers NoSuchBucket for a missing bucket", async () => {
    const bucket = await newBucket("cors-nosuch");
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { cors: null } });
    expectErrorXml(res, "NoSuchCORSConfiguration", 404);
    expect(xmlElements(res.text, "BucketName")).toEqual([bucket]);
    const gone = bucketName("cors-gone");
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: gone })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new PutBucketCorsCommand({ Bucket: gone, CORSConfiguration: { CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["*"] }] } })), "NoSuchBucket", 404);
    await expectS3Error(s3.send(new DeleteBucketCorsCommand({ Bucket: gone })), "NoSuchBucket", 404);
  });

  it("refuses a method S3 does not know, an origin or header with two wildcards, no rule, and over 100 rules", async () => {
    const bucket = await newBucket("cors-invalid");
    const put = (CORSRules: CORSRule[]) => s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules } }));
    const method = await expectS3Error(put([{ AllowedOrigins: ["*"], AllowedMethods: ["GET", "MYMETHOD"] }]), "InvalidRequest", 400);
    expect(method.message).toBe("Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD");
    const origin = await expectS3Error(put([{ AllowedOrigins: ["http://*.*.com"], AllowedMethods: ["GET"] }]), "InvalidRequest", 400);
    expect(origin.message).toBe('AllowedOrigin "http://*.*.com" can not have more than one wildcard.');
    await expectS3Error(put([{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], AllowedHeaders: ["x-*-*"] }]), "InvalidRequest", 400);
    // a header name is a token: no blank, ':', '(', '/', '[', '=' or '"'
    for (const header of ["invalid header", "X-Custom:Header", "X(Custom)", "Bad/Header", "X[Key]", "Bad=Name", 'X"Quote"']) {
      const allowed = await expectS3Error(put([{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], AllowedHeaders: ["x-amz-date", header] }]), "InvalidRequest", 400);
      expect(allowed.message).toBe(`AllowedHeader "${header}" contains invalid character.`);
      const exposed = await expectS3Error(put([{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], ExposeHeaders: ["ETag", header] }]), "InvalidRequest", 400);
      expect(exposed.message).toBe(`ExposeHeader "${header}" contains invalid character.`);
    }
    await expectS3Error(put([]), "MalformedXML", 400);
    const many = Array.from({ length: 101 }, (): CORSRule => ({ AllowedOrigins: ["*"], AllowedMethods: ["GET"] }));
    await expectS3Error(put(many), "MalformedXML", 400);
    await put(many.slice(0, 100));
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules).toHaveLength(100);
  });

  it("takes a negative MaxAgeSeconds, as S3 does, and answers it as given", async () => {
    const bucket = await newBucket("cors-negative-age");
    await s3.send(
      new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], MaxAgeSeconds: -100 }] } }),
    );
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules?.[0].MaxAgeSeconds).toBe(-100);
  });

  it("refuses a rule without AllowedMethod or AllowedOrigin as MalformedXML", async () => {
    const bucket = await newBucket("cors-malformed");
    for (const body of [
      "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
      "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
      "<CORSConfiguration></CORSConfiguration>",
      "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule></CORSConfiguration>",
    ]) {
      const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { cors: null }, body, headers: { "content-md5": md5Base64(Buffer.from(body)) } });
      expectErrorXml(res, "MalformedXML", 400);
    }
  });

  it("requires Content-MD5 or an x-amz-checksum-* on the body, as S3 does", async () => {
    const bucket = await newBucket("cors-md5");
    const body = "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>";
    const bare = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { cors: null }, body });
    expectErrorXml(bare, "InvalidRequest", 400);
    expect(xmlElements(bare.text, "Message")).toEqual(["Missing required header for this request: Content-MD5"]);
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: bucket })), "NoSuchCORSConfiguration", 404);
    const wrong = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { cors: null }, body, headers: { "content-md5": md5Base64(Buffer.from("other")) } });
    expectErrorXml(wrong, "BadDigest", 400);
    const withMd5 = await rawRequest(gw, { method: "PUT", path: `/${bucket}`, query: { cors: null }, body, headers: { "content-md5": md5Base64(Buffer.from(body)) } });
    expect(withMd5.status).toBe(200);
    // the SDK's default: a CRC32 of the body instead of Content-MD5 (as in every PutBucketCors above)
  });

  it("forgets the rules with the bucket", async () => {
    const bucket = await newBucket("cors-rebirth", [{ AllowedOrigins: ["*"], AllowedMethods: ["GET"] }]);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: bucket })), "NoSuchCORSConfiguration", 404);
  });
});

describe.skipIf(ON_OZONE)("preflight (OPTIONS)", () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await newBucket("cors-preflight", [
      { AllowedMethods: ["GET"], AllowedOrigins: ["*suffix"] },
      { AllowedMethods: ["GET"], AllowedOrigins: ["start*end"] },
      { AllowedMethods: ["GET"], AllowedOrigins: ["prefix*"] },
      { AllowedMethods: ["PUT"], AllowedOrigins: ["*.put"] },
      {
        AllowedMethods: ["GET", "PUT"],
        AllowedOrigins: ["https://app.example"],
        AllowedHeaders: ["x-amz-meta-*", "Content-Type"],
        ExposeHeaders: ["ETag", "x-amz-meta-note"],
        MaxAgeSeconds: 600,
      },
      { AllowedMethods: ["HEAD"], AllowedOrigins: ["*"] },
    ]);
  });

  it("answers 400 BadRequest without Origin (or an empty one), unauthenticated", async () => {
    expectErrorXml(await preflight(`/${bucket}/k`, {}), "BadRequest", 400);
    expectErrorXml(await preflight(`/${bucket}/k`, { origin: "", "access-control-request-method": "GET" }), "BadRequest", 400);
    const res = await preflight(`/${bucket}/k`, { "access-control-request-method": "GET" });
    expectErrorXml(res, "BadRequest", 400);
    expect(xmlElements(res.text, "Message")).toEqual(["Insufficient information. Origin request header needed."]);
  });

  it("answers 400 BadRequest without Access-Control-Request-Method (ceph/s3-tests)", async () => {
    expectErrorXml(await preflight(`/${bucket}`, { origin: "foo.suffix" }), "BadRequest", 400);
  });

  it("matches origins with one wildcard, the first matching rule answering (ceph/s3-tests' test_cors_origin_response)", async () => {
    const cases: [string, string, string | undefined][] = [
      ["foo.suffix", "GET", "GET"],
      ["foo.bar", "GET", undefined],
      ["foo.suffix.get", "GET", undefined],
      ["startend", "GET", "GET"],
      ["start1end", "GET", "GET"],
      ["start12end", "GET", "GET"],
      ["0start12end", "GET", undefined],
      ["prefix", "GET", "GET"],
      ["prefix.suffix", "GET", "GET"],
      ["bla.prefix", "GET", undefined],
      ["foo.put", "GET", undefined],
      ["foo.put", "PUT", "PUT"],
    ];
    for (const [origin, method, allowed] of cases) {
      for (const path of [`/${bucket}`, `/${bucket}/some/key`]) {
        const res = await preflight(path, { origin, "access-control-request-method": method });
        if (allowed === undefined) {
          expectErrorXml(res, "AccessForbidden", 403);
          expect(xmlElements(res.text, "Message")[0]).toMatch(/^CORSResponse: This CORS request is not allowed/);
          expect(xmlElements(res.text, "Method")).toEqual([method]);
          expect(xmlElements(res.text, "ResourceType")).toEqual([path === `/${bucket}` ? "BUCKET" : "OBJECT"]);
          expect(corsHeaders(res)).toEqual({});
        } else {
          expect(res.status, `${origin} ${method} ${path}`).toBe(200);
          expect(res.body.length).toBe(0);
          expect(res.headers["x-amz-request-id"]).toMatch(/\S/);
          expect(corsHeaders(res)).toEqual({
            "access-control-allow-origin": origin,
            "access-control-allow-credentials": "true",
            "access-control-allow-methods": allowed,
            vary: VARY,
          });
        }
      }
    }
  });

  it("answers with the rule's methods, the requested headers (lower-case), exposed headers and max age", async () => {
    const res = await preflight(`/${bucket}/k`, {
      origin: "https://app.example",
      "access-control-request-method": "PUT",
      "access-control-request-headers": "X-Amz-Meta-Note,  content-type",
    });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({
      "access-control-allow-origin": "https://app.example",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET, PUT",
      "access-control-allow-headers": "x-amz-meta-note, content-type",
      "access-control-expose-headers": "ETag, x-amz-meta-note",
      "access-control-max-age": "600",
      vary: VARY,
    });
  });

  it("refuses a requested header no AllowedHeader matches (ceph/s3-tests' test_cors_header_option)", async () => {
    for (const requested of ["x-amz-meta-note, x-other", "authorization"]) {
      const res = await preflight(`/${bucket}/k`, { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": requested });
      expectErrorXml(res, "AccessForbidden", 403);
    }
    // a rule without AllowedHeader allows no requested header at all
    const res = await preflight(`/${bucket}/k`, { origin: "foo.suffix", "access-control-request-method": "GET", "access-control-request-headers": "x-amz-date" });
    expectErrorXml(res, "AccessForbidden", 403);
  });

  it("answers `*` without credentials when the rule allows any origin", async () => {
    const res = await preflight(`/${bucket}/k`, { origin: "http://random:1234", "access-control-request-method": "HEAD" });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({ "access-control-allow-origin": "*", "access-control-allow-methods": "HEAD", vary: VARY });
  });

  it("ignores a presigned URL's signature: the preflight is judged by the rules alone (ceph/s3-tests' test_cors_presigned_*)", async () => {
    const res = await preflight(`/${bucket}/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00`, { origin: "foo.put", "access-control-request-method": "PUT" });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe("foo.put");
  });

  it("refuses a bucket without rules, and a bucket that does not exist, with AWS's messages", async () => {
    const bare = await newBucket("cors-bare");
    const none = await preflight(`/${bare}/k`, { origin: "https://a.example", "access-control-request-method": "PUT" });
    expectErrorXml(none, "AccessForbidden", 403);
    expect(xmlElements(none.text, "Message")).toEqual(["CORSResponse: CORS is not enabled for this bucket."]);
    expect(xmlElements(none.text, "Method")).toEqual(["PUT"]);
    expect(xmlElements(none.text, "ResourceType")).toEqual(["BUCKET"]);
    // AWS names the method OPTIONS when none was requested
    expect(xmlElements((await preflight(`/${bare}/k`, { origin: "https://a.example" })).text, "Method")).toEqual(["OPTIONS"]);
    const gone = await preflight(`/${bucketName("cors-nobucket")}/k`, { origin: "https://a.example", "access-control-request-method": "GET" });
    expectErrorXml(gone, "AccessForbidden", 403);
    expect(xmlElements(gone.text, "Message")).toEqual(["CORSResponse: Bucket not found"]);
    expectErrorXml(await preflight("/", { origin: "https://a.example", "access-control-request-method": "GET" }), "AccessForbidden", 403);
  });
});

describe.skipIf(ON_OZONE)("actual requests with Origin", () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await newBucket("cors-actual", [
      { AllowedMethods: ["GET"], AllowedOrigins: ["*suffix"] },
      { AllowedMethods: ["PUT"], AllowedOrigins: ["*.put"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 10 },
      { AllowedMethods: ["GET", "HEAD"], AllowedOrigins: ["*"], ExposeHeaders: ["x-amz-meta-note"] },
      { AllowedMethods: ["POST"], AllowedOrigins: ["https://poster.example"] },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "hello", Metadata: { note: "n" } }));
  });

  it("adds nothing without Origin", async () => {
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/k` });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
  });

  it("adds the matching rule's headers to a success", async () => {
    const res = await rawRequest(gw, { method: "GET", path: `/${bucket}/k`, headers: { origin: "foo.suffix" } });
    expect(res.status).toBe(200);
    expect(res.text).toBe("hello");
    expect(corsHeaders(res)).toEqual({
      "access-control-allow-origin": "foo.suffix",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET",
      vary: VARY,
    });
    const any = await rawRequest(gw, { method: "HEAD", path: `/${bucket}/k`, headers: { origin: "https://elsewhere.example" } });
    expect(any.status).toBe(200);
    expect(corsHeaders(any)).toEqual({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, HEAD",
      "access-control-expose-headers": "x-amz-meta-note",
      vary: VARY,
    });
  });

  it("adds them to errors too: 404 NoSuchKey, 403 of an unsigned request, 405", async () => {
    const missing = await rawRequest(gw, { method: "GET", path: `/${bucket}/missing`, headers: { origin: "foo.suffix" } });
    expectErrorXml(missing, "NoSuchKey", 404);
    expect(missing.headers["access-control-allow-origin"]).toBe("foo.suffix");
    const anonymous = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k2`, unsigned: true, body: "", headers: { origin: "foo.put" } });
    expectErrorXml(anonymous, "AccessDenied", 403);
    expect(corsHeaders(anonymous)).toEqual({
      "access-control-allow-origin": "foo.put",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "PUT",
      "access-control-expose-headers": "ETag",
      "access-control-max-age": "10",
      vary: VARY,
    });
    // refused by routing, before the hook that starts the lookup early
    const notAllowed = await rawRequest(gw, { method: "POST", path: `/${bucket}/k`, headers: { origin: "https://poster.example" } });
    expectErrorXml(notAllowed, "MethodNotAllowed", 405);
    expect(notAllowed.headers["access-control-allow-origin"]).toBe("https://poster.example");
    const unmatched = await rawRequest(gw, { method: "POST", path: `/${bucket}/k`, headers: { origin: "x" } });
    expectErrorXml(unmatched, "MethodNotAllowed", 405);
    expect(corsHeaders(unmatched)).toEqual({});
  });

  it("compares Access-Control-Request-Method and -Headers when a request carries them, as S3 does", async () => {
    // ceph/s3-tests: a PUT naming GET is judged as a GET
    const asGet = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k3`, unsigned: true, body: "", headers: { origin: "foo.suffix", "access-control-request-method": "GET" } });
    expect(asGet.status).toBe(403);
    expect(asGet.headers["access-control-allow-origin"]).toBe("foo.suffix");
    const asPut = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k3`, unsigned: true, body: "", headers: { origin: "foo.suffix", "access-control-request-method": "PUT" } });
    expect(corsHeaders(asPut)).toEqual({});
    // AWS: a GET listing a header no rule allows gets no CORS headers
    const withHeaders = await rawRequest(gw, { method: "GET", path: `/${bucket}/k`, headers: { origin: "foo.suffix", "access-control-request-headers": "x-amz-request-payer" } });
    expect(withHeaders.status).toBe(200);
    expect(corsHeaders(withHeaders)).toEqual({});
  });

  it("adds nothing when no rule matches, or the bucket has no rules", async () => {
    const res = await rawRequest(gw, { method: "PUT", path: `/${bucket}/k4`, body: "x", headers: { origin: "foo.bar" } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
    const bare = await newBucket("cors-actual-bare");
    const none = await rawRequest(gw, { method: "GET", path: `/${bare}`, headers: { origin: "foo.suffix" } });
    expect(none.status).toBe(200);
    expect(corsHeaders(none)).toEqual({});
  });

  it("follows a change of the rules (within the cache's time in other workers)", async () => {
    const b = await newBucket("cors-change", [{ AllowedMethods: ["GET"], AllowedOrigins: ["https://one.example"] }]);
    const get = (origin: string) => rawRequest(gw, { method: "GET", path: `/${b}`, headers: { origin } });
    expect((await get("https://one.example")).headers["access-control-allow-origin"]).toBe("https://one.example");
    await s3.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["https://two.example"] }] } }));
    await settle();
    for (let i = 0; i < 4; i++) {
      expect((await get("https://one.example")).headers["access-control-allow-origin"]).toBeUndefined();
      expect((await get("https://two.example")).headers["access-control-allow-origin"]).toBe("https://two.example");
    }
    await s3.send(new DeleteBucketCorsCommand({ Bucket: b }));
    await settle();
    for (let i = 0; i < 4; i++) expect(corsHeaders(await get("https://two.example"))).toEqual({});
  });

  it("follows a change at once in the process that made it (one process: no waiting)", async () => {
    const one = await startGateway({ workers: 1 });
    const client = one.client();
    try {
      const b = bucketName("cors-one");
      await client.send(new CreateBucketCommand({ Bucket: b }));
      const get = (origin: string) => rawRequest(one, { method: "GET", path: `/${b}`, headers: { origin } });
      expect(corsHeaders(await get("https://one.example"))).toEqual({});
      await client.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["https://one.example"] }] } }));
      expect((await get("https://one.example")).headers["access-control-allow-origin"]).toBe("https://one.example");
      await client.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["https://two.example"] }] } }));
      expect(corsHeaders(await get("https://one.example"))).toEqual({});
      await client.send(new DeleteBucketCorsCommand({ Bucket: b }));
      expect(corsHeaders(await get("https://two.example"))).toEqual({});
      await client.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: [{ AllowedMethods: ["GET"], AllowedOrigins: ["*"] }] } }));
      expect((await get("https://two.example")).headers["access-control-allow-origin"]).toBe("*");
      await client.send(new DeleteBucketCommand({ Bucket: b }));
      await client.send(new CreateBucketCommand({ Bucket: b }));
      expect(corsHeaders(await get("https://two.example"))).toEqual({});
    } finally {
      client.destroy();
      await one.stop();
    }
  });
});
