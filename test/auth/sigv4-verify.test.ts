/**
 * verifyRequest end to end: requests signed by the real AWS SDK (S3Client's whole middleware stack,
 * and @smithy/signature-v4 for presigned URLs) are accepted, and every fault gets the error S3
 * answers with.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  buildCanonicalRequest,
  deriveSigningKey,
  hmacHex,
  stringToSign,
  verifyRequest,
  type SigV4Request,
  type VerifyOptions,
} from "../../runtime/auth/sigv4.js";
import { ACCESS_KEY, SECRET, capturingClient, s3Signer, sdkEscape, toWire, wireQuery } from "./sdk-client.js";

const lookupSecret = (id: string) => (id === ACCESS_KEY ? SECRET : undefined);
const opts = (now = new Date(), extra: Partial<VerifyOptions> = {}): VerifyOptions => ({ lookupSecret, now, ...extra });

function expectS3Error(fn: () => unknown, code: string, message?: string | RegExp, fields?: Record<string, unknown>) {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${code}`).toBeDefined();
  const err = thrown as { code: string; message: string; fields: Record<string, unknown>; name: string };
  expect(err.name).toBe("S3Error");
  expect(err.code).toBe(code);
  if (typeof message === "string") expect(err.message).toBe(message);
  else if (message instanceof RegExp) expect(err.message).toMatch(message);
  if (fields !== undefined) expect(err.fields).toMatchObject(fields);
  return err;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const TRICKY_KEYS = [
  "plain.txt",
  "dir/sub dir/file with spaces.txt",
  "plus+sign+key",
  "percent%20literal%",
  "tilde~and-dots..txt",
  "unicode/日本語/ファイル.txt",
  "café/naïve résumé",
  "emoji-😀.bin",
  "reserved !'()*$&,;=:@ chars",
  "question?mark#hash[brackets]",
  "double//slash/./dot/../dotdot",
  "trailing/",
  "back\\slash^caret`grave{curly}|pipe\"quote<lt>gt",
];

describe("requests signed by S3Client (header auth)", () => {
  const { capture } = capturingClient();

  it.each(TRICKY_KEYS)("PutObject key %j", async (key) => {
    const body = `body of ${key}`;
    const req = await capture(new PutObjectCommand({ Bucket: "bucket", Key: key, Body: body }));
    const auth = verifyRequest(toWire(req), opts());
    expect(auth).toMatchObject({
      kind: "signed",
      accessKeyId: ACCESS_KEY,
      presigned: false,
      payload: { type: "sha256", hex: sha256(body) },
      region: "us-east-1",
    });
  });

  it.each(TRICKY_KEYS)("GetObject with Range, key %j", async (key) => {
    const req = await capture(new GetObjectCommand({ Bucket: "bucket", Key: key, Range: "bytes=0-9" }));
    expect(verifyRequest(toWire(req), opts())).toMatchObject({ kind: "signed", payload: { type: "sha256" } });
  });

  it.each(["", "a b/ü", "x+y", "100%", "slash/and?query&amp=1", "日本/"])("ListObjectsV2 prefix %j", async (prefix) => {
    const req = await capture(
      new ListObjectsV2Command({ Bucket: "bucket", Prefix: prefix, Delimiter: "/", StartAfter: "a=b&c", MaxKeys: 7 }),
    );
    expect(verifyRequest(toWire(req), opts())).toMatchObject({ kind: "signed" });
  });

  it("streaming PutObject (STREAMING-UNSIGNED-PAYLOAD-TRAILER)", async () => {
    const req = await capture(
      new PutObjectCommand({ Bucket: "bucket", Key: "k", Body: Readable.from([Buffer.from("abc")]), ContentLength: 3 }),
    );
    expect(req.headers["x-amz-content-sha256"]).toBe("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    expect(verifyRequest(toWire(req), opts())).toMatchObject({ payload: { type: "streaming-unsigned-trailer" } });
  });

  it("accepts headers given as node's headersDistinct arrays", async () => {
    const req = toWire(await capture(new HeadObjectCommand({ Bucket: "bucket", Key: "k" })));
    const distinct = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, [v as string]]));
    expect(verifyRequest({ ...req, headers: distinct }, opts())).toMatchObject({ kind: "signed" });
  });

  it("refuses a request signed with another secret: SignatureDoesNotMatch, naming what it signed", async () => {
    const other = capturingClient({ credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: "not-the-secret" } });
    const req = toWire(await other.capture(new GetObjectCommand({ Bucket: "bucket", Key: "k" })));
    const err = expectS3Error(() => verifyRequest(req, opts()), "SignatureDoesNotMatch", "", { AWSAccessKeyId: ACCESS_KEY });
    expect(err.fields.CanonicalRequest).toMatch(/^GET\n\/bucket\/k\n/);
    expect(err.fields.StringToSign).toMatch(/^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/);
    expect(err.fields.StringToSignBytes).toMatch(/^41 57 53 34/);
  });

  it("refuses an unknown access key: InvalidAccessKeyId", async () => {
    const other = capturingClient({ credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: SECRET } });
    const req = toWire(await other.capture(new GetObjectCommand({ Bucket: "bucket", Key: "k" })));
    expectS3Error(() => verifyRequest(req, opts()), "InvalidAccessKeyId", "", { AWSAccessKeyId: "AKIDUNKNOWN" });
  });

  it("refuses tampering with the path, the query, a signed header or the payload hash", async () => {
    const req = toWire(await capture(new GetObjectCommand({ Bucket: "bucket", Key: "a/b", Range: "bytes=0-9" })));
    expect(verifyRequest(req, opts())).toMatchObject({ kind: "signed" });
    const tampered: SigV4Request[] = [
      { ...req, rawPath: "/bucket/a/c" },
      { ...req, rawPath: "/bucket/a%2Fb" },
      { ...req, method: "DELETE" },
      { ...req, rawQuery: req.rawQuery + "&versionId=1" },
      { ...req, headers: { ...req.headers, range: "bytes=0-99" } },
      { ...req, headers: { ...req.headers, "x-amz-content-sha256": sha256("x") } },
      { ...req, headers: { ...req.headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
    ];
    for (const t of tampered) expectS3Error(() => verifyRequest(t, opts()), "SignatureDoesNotMatch");
  });

  it("refuses an x-amz-* header added after signing: AccessDenied, HeadersNotSigned", async () => {
    const req = toWire(await capture(new GetObjectCommand({ Bucket: "bucket", Key: "k" })));
    const extra = { ...req, headers: { ...req.headers, "x-amz-meta-b": "1", "x-amz-acl": "public-read" } };
    expectS3Error(() => verifyRequest(extra, opts()), "AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: "x-amz-acl, x-amz-meta-b",
    });
    // headers S3 does not require signed may be added
    const fine = { ...req, headers: { ...req.headers, "user-agent": "x", accept: "*/*", "x-forwarded-for": "1.2.3.4" } };
    expect(verifyRequest(fine, opts())).toMatchObject({ kind: "signed" });
  });

  it("refuses a request more than 15 minutes off: RequestTimeTooSkewed", async () => {
    const req = toWire(await capture(new GetObjectCommand({ Bucket: "bucket", Key: "k" })));
    const signedAt = Date.now();
    expect(verifyRequest(req, opts(new Date(signedAt + 14 * 60_000)))).toMatchObject({ kind: "signed" });
    expect(verifyRequest(req, opts(new Date(signedAt - 14 * 60_000)))).toMatchObject({ kind: "signed" });
    const later = new Date(signedAt + 20 * 60_000);
    expectS3Error(() => verifyRequest(req, opts(later)), "RequestTimeTooSkewed", "", {
      RequestTime: req.headers["x-amz-date"],
      MaxAllowedSkewMilliseconds: 900000,
      ServerTime: later.toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
    expectS3Error(() => verifyRequest(req, opts(new Date(signedAt - 20 * 60_000))), "RequestTimeTooSkewed");
    expectS3Error(() => verifyRequest(req, opts(new Date(signedAt + 2 * 60_000), { maxSkewMs: 60_000 })), "RequestTimeTooSkewed");
  });

  it("refuses a credential scope naming another region when the gateway has one", async () => {
    const req = toWire(await capture(new GetObjectCommand({ Bucket: "bucket", Key: "k" })));
    expect(verifyRequest(req, opts(new Date(), { region: "us-east-1" }))).toMatchObject({ region: "us-east-1" });
    expectS3Error(
      () => verifyRequest(req, opts(new Date(), { region: "eu-west-1" })),
      "AuthorizationHeaderMalformed",
      "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
      { Region: "eu-west-1" },
    );
  });

  it("uses the signing key cache it is given", async () => {
    const { SigningKeyCache } = await import("../../runtime/auth/sigv4.js");
    const cache = new SigningKeyCache(4);
    const req = toWire(await capture(new GetObjectCommand({ Bucket: "bucket", Key: "k" })));
    const a = verifyRequest(req, opts(new Date(), { signingKeys: cache }));
    const b = verifyRequest(req, opts(new Date(), { signingKeys: cache }));
    expect(cache.size).toBe(1);
    expect(a.kind === "signed" && b.kind === "signed" && a.signingKey === b.signingKey).toBe(true);
  });
});

describe("presigned URLs signed by @smithy/signature-v4", () => {
  const signedAt = new Date("2026-03-01T10:00:00Z");
  const host = "gateway.example:9000";

  interface PresignOptions {
    expiresIn?: number;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    method?: string;
    unhoistableHeaders?: Set<string>;
  }

  /** Presigns as the S3 presigner does: x-amz-content-sha256 UNSIGNED-PAYLOAD unless the caller
   * names a payload hash (a raw SignatureV4.presign would otherwise sign the empty body's hash). */
  async function presign(path: string, options: PresignOptions = {}) {
    const signer = s3Signer(options.credentials);
    const signed = await signer.presign(
      {
        method: options.method ?? "GET",
        protocol: "http:",
        hostname: "gateway.example",
        port: 9000,
        path,
        query: options.query ?? {},
        headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...options.headers },
      },
      { signingDate: signedAt, expiresIn: options.expiresIn ?? 3600, unhoistableHeaders: options.unhoistableHeaders },
    );
    return toWire({ method: signed.method, path: signed.path, query: signed.query as Record<string, string>, headers: signed.headers });
  }

  it("a presign over the empty body's hash (no x-amz-content-sha256) does not match: S3 signs UNSIGNED-PAYLOAD", async () => {
    const signed = await s3Signer().presign(
      { method: "GET", protocol: "http:", hostname: "gateway.example", port: 9000, path: "/bucket/k", query: {}, headers: { host } },
      { signingDate: signedAt, expiresIn: 60 },
    );
    const req = toWire({ method: "GET", path: signed.path, query: signed.query as Record<string, string>, headers: signed.headers });
    expectS3Error(() => verifyRequest(req, opts(signedAt)), "SignatureDoesNotMatch", "", {
      CanonicalRequest: expect.stringMatching(/\nUNSIGNED-PAYLOAD$/),
    });
  });

  it("x-amz-content-sha256 kept as a signed header (not hoisted) and sent along", async () => {
    const req = await presign("/bucket/k", { unhoistableHeaders: new Set(["x-amz-content-sha256"]) });
    expect(req.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
    expect(req.rawQuery).toMatch(/X-Amz-SignedHeaders=host%3Bx-amz-content-sha256/);
    expect(verifyRequest(req, opts(signedAt))).toMatchObject({ presigned: true, payload: { type: "unsigned" } });
  });

  it.each(TRICKY_KEYS)("GET key %j", async (key) => {
    const path = "/bucket/" + key.split("/").map(sdkEscape).join("/");
    const req = await presign(path);
    const auth = verifyRequest(req, opts(new Date(signedAt.getTime() + 60_000)));
    expect(auth).toMatchObject({ kind: "signed", presigned: true, payload: { type: "unsigned" }, amzDate: "20260301T100000Z" });
  });

  it("PUT with the payload left unsigned (x-amz-content-sha256 hoisted into the query)", async () => {
    const req = await presign("/bucket/up.bin", { method: "PUT", headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    expect(req.rawQuery).toMatch(/x-amz-content-sha256=UNSIGNED-PAYLOAD/);
    expect(verifyRequest(req, opts(signedAt))).toMatchObject({ payload: { type: "unsigned" } });
  });

  it("PUT with a signed payload hash: the body will be checked against it", async () => {
    const hex = sha256("exact body");
    const req = await presign("/bucket/up.bin", { method: "PUT", headers: { "x-amz-content-sha256": hex } });
    expect(verifyRequest(req, opts(signedAt))).toMatchObject({ payload: { type: "sha256", hex } });
  });

  it("with hoisted x-amz-* headers and extra query parameters", async () => {
    const req = await presign("/bucket/k", {
      method: "PUT",
      headers: { "x-amz-meta-owner": "Zoë Ω", "x-amz-acl": "private" },
      query: { "response-content-type": "text/plain; charset=utf-8", partNumber: "3", uploadId: "a+b/c=" },
    });
    expect(verifyRequest(req, opts(signedAt))).toMatchObject({ kind: "signed", presigned: true });
  });

  it("returns the session token it was signed with", async () => {
    const req = await presign("/bucket/k", { credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, sessionToken: "tok/en+==" } });
    expect(verifyRequest(req, opts(signedAt))).toMatchObject({ securityToken: "tok/en+==" });
  });

  it("expires: AccessDenied 'Request has expired' after X-Amz-Expires seconds", async () => {
    const req = await presign("/bucket/k", { expiresIn: 600 });
    expect(verifyRequest(req, opts(new Date(signedAt.getTime() + 600_000)))).toMatchObject({ kind: "signed" });
    const now = new Date(signedAt.getTime() + 601_000);
    expectS3Error(() => verifyRequest(req, opts(now)), "AccessDenied", "Request has expired", {
      "X-Amz-Expires": "600",
      Expires: "2026-03-01T10:10:00Z",
      ServerTime: "2026-03-01T10:10:01Z",
    });
  });

  it("is not valid before its date (beyond the skew allowance)", async () => {
    const req = await presign("/bucket/k");
    expect(verifyRequest(req, opts(new Date(signedAt.getTime() - 10 * 60_000)))).toMatchObject({ kind: "signed" });
    expectS3Error(() => verifyRequest(req, opts(new Date(signedAt.getTime() - 16 * 60_000))), "AccessDenied", "Request is not yet valid");
  });

  it("refuses a URL whose expiry or path was changed", async () => {
    const req = await presign("/bucket/k", { expiresIn: 60 });
    expectS3Error(() => verifyRequest({ ...req, rawQuery: req.rawQuery.replace("X-Amz-Expires=60", "X-Amz-Expires=6000") }, opts(signedAt)), "SignatureDoesNotMatch");
    expectS3Error(() => verifyRequest({ ...req, rawPath: "/bucket/other" }, opts(signedAt)), "SignatureDoesNotMatch");
  });

  it("refuses an x-amz-* header sent beside the URL unsigned", async () => {
    const req = await presign("/bucket/k");
    expectS3Error(() => verifyRequest({ ...req, headers: { ...req.headers, "x-amz-meta-a": "1" } }, opts(signedAt)), "AccessDenied", undefined, {
      HeadersNotSigned: "x-amz-meta-a",
    });
  });

  it("X-Amz-Expires out of range or not a number: AuthorizationQueryParametersError", async () => {
    const req = await presign("/bucket/k", { expiresIn: 60 });
    const withExpires = (v: string) => ({ ...req, rawQuery: req.rawQuery.replace("X-Amz-Expires=60", `X-Amz-Expires=${v}`) });
    expectS3Error(() => verifyRequest(withExpires("604801"), opts(signedAt)), "AuthorizationQueryParametersError", /less than a week/);
    expectS3Error(() => verifyRequest(withExpires("-1"), opts(signedAt)), "AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative");
    expectS3Error(() => verifyRequest(withExpires("1e3"), opts(signedAt)), "AuthorizationQueryParametersError", "X-Amz-Expires should be a number");
    expectS3Error(() => verifyRequest(withExpires(""), opts(signedAt)), "AuthorizationQueryParametersError", "X-Amz-Expires should be a number");
    // 604800 itself is allowed (then only the signature is wrong, the value having changed)
    expectS3Error(() => verifyRequest(withExpires("604800"), opts(signedAt)), "SignatureDoesNotMatch");
  });

  it("missing or wrong parameters: AuthorizationQueryParametersError", async () => {
    const req = await presign("/bucket/k");
    const without = (name: string) => ({ ...req, rawQuery: req.rawQuery.split("&").filter((p) => !p.startsWith(name + "=")).join("&") });
    for (const name of ["X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"]) {
      expectS3Error(() => verifyRequest(without(name), opts(signedAt)), "AuthorizationQueryParametersError", /requires the X-Amz-Algorithm, X-Amz-Credential/);
    }
    // X-Amz-Credential alone still marks the request as presigned, not anonymous
    expectS3Error(() => verifyRequest(without("X-Amz-Algorithm"), opts(signedAt)), "AuthorizationQueryParametersError");
    const algo = { ...req, rawQuery: req.rawQuery.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA512") };
    expectS3Error(() => verifyRequest(algo, opts(signedAt)), "AuthorizationQueryParametersError", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    const date = { ...req, rawQuery: req.rawQuery.replace("X-Amz-Date=20260301T100000Z", "X-Amz-Date=2026-03-01T10:00:00Z") };
    expectS3Error(() => verifyRequest(date, opts(signedAt)), "AuthorizationQueryParametersError", /ISO8601 Long Format/);
  });

  it("credential faults are reported as query errors", async () => {
    const req = await presign("/bucket/k");
    const cred = (c: string) => ({ ...req, rawQuery: req.rawQuery.replace(/X-Amz-Credential=[^&]*/, `X-Amz-Credential=${encodeURIComponent(c)}`) });
    expectS3Error(() => verifyRequest(cred(`${ACCESS_KEY}/20260301/us-east-1/s3`), opts(signedAt)), "AuthorizationQueryParametersError", /^Error parsing the X-Amz-Credential parameter; the Credential is mal-formed/);
    expectS3Error(() => verifyRequest(cred(`${ACCESS_KEY}/20260301/us-east-1/sqs/aws4_request`), opts(signedAt)), "AuthorizationQueryParametersError", /incorrect service "sqs"/);
    expectS3Error(() => verifyRequest(cred(`${ACCESS_KEY}/20260302/us-east-1/s3/aws4_request`), opts(signedAt)), "AuthorizationQueryParametersError", 'Invalid credential date "20260302". This date is not the same as X-Amz-Date: "20260301".');
    expectS3Error(() => verifyRequest(cred(`AKIDOTHER/20260301/us-east-1/s3/aws4_request`), opts(signedAt)), "InvalidAccessKeyId");
  });
});

describe("Authorization header faults", () => {
  const now = new Date("2026-03-01T10:00:00Z");
  const amzDate = "20260301T100000Z";
  const EMPTY = sha256("");

  /** A correctly signed header-auth GET built with the pure steps, then bent by `edit`. */
  function request(edit: { authorization?: (a: string) => string; headers?: Record<string, string | undefined>; signedHeaders?: string[] } = {}): SigV4Request {
    const headers: Record<string, string | undefined> = { host: "gw.example", "x-amz-date": amzDate, "x-amz-content-sha256": EMPTY };
    const signedHeaders = edit.signedHeaders ?? ["host", "x-amz-content-sha256", "x-amz-date"];
    const base: SigV4Request = { method: "GET", rawPath: "/b/k", rawQuery: "", headers };
    const sts = stringToSign("AWS4-HMAC-SHA256", amzDate, "20260301/us-east-1/s3/aws4_request", buildCanonicalRequest(base, signedHeaders, EMPTY));
    const signature = hmacHex(deriveSigningKey(SECRET, "20260301", "us-east-1", "s3"), sts);
    let authorization = `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20260301/us-east-1/s3/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
    if (edit.authorization) authorization = edit.authorization(authorization);
    return { ...base, headers: { ...headers, authorization, ...edit.headers } };
  }

  it("the unbent request verifies", () => {
    expect(verifyRequest(request(), opts(now))).toMatchObject({ kind: "signed", payload: { type: "sha256", hex: EMPTY } });
  });

  it("tolerates component spacing and order as S3 does", () => {
    const variants = [
      (a: string) => a.replace(/, /g, ","),
      (a: string) => a.replace(/, /g, " ,  "),
      (a: string) => {
        const [scheme, rest] = [a.slice(0, a.indexOf(" ")), a.slice(a.indexOf(" ") + 1)];
        return `${scheme} ${rest.split(", ").reverse().join(", ")}`;
      },
      (a: string) => a.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256"),
    ];
    // a lowercase scheme is accepted, and (as S3) signed as sent: so it no longer matches
    for (const v of variants.slice(0, 3)) expect(verifyRequest(request({ authorization: v }), opts(now))).toMatchObject({ kind: "signed" });
    expectS3Error(() => verifyRequest(request({ authorization: variants[3] }), opts(now)), "SignatureDoesNotMatch");
  });

  it.each([
    ["a missing Signature", (a: string) => a.replace(/, Signature=.*$/, ""), /requires three components/],
    ["a missing SignedHeaders", (a: string) => a.replace(/ SignedHeaders=[^,]*,/, ""), /requires three components/],
    ["a duplicated component", (a: string) => a + ", Signature=00", /requires three components/],
    ["an unknown component", (a: string) => a + ", Foo=bar", /requires three components/],
    ["a 4-part credential", (a: string) => a.replace("/s3/aws4_request", "/aws4_request"), /the Credential is mal-formed; expecting "<YOUR-AKID>\/YYYYMMDD\/REGION\/SERVICE\/aws4_request"/],
    ["a wrong service", (a: string) => a.replace("/s3/", "/s4/"), 'The authorization header is malformed; incorrect service "s4". This endpoint belongs to "s3".'],
    ["a wrong terminator", (a: string) => a.replace("aws4_request", "aws4_reques"), 'The authorization header is malformed; incorrect terminal "aws4_reques". This endpoint uses "aws4_request".'],
    ["an unparseable date", (a: string) => a.replace("/20260301/", "/2026031/"), /incorrect date format "2026031"/],
    ["an impossible date", (a: string) => a.replace("/20260301/", "/20260230/"), /incorrect date format "20260230"/],
    ["an empty region", (a: string) => a.replace("/us-east-1/", "//"), "The authorization header is malformed; a non-empty region must be provided in the credential."],
    ["another day than x-amz-date", (a: string) => a.replace("/20260301/", "/20260302/"), "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."],
  ])("%s: AuthorizationHeaderMalformed", (_name, bend, message) => {
    expectS3Error(() => verifyRequest(request({ authorization: bend }), opts(now)), "AuthorizationHeaderMalformed", message);
  });

  it("no space after the scheme: InvalidArgument", () => {
    expectS3Error(() => verifyRequest(request({ authorization: (a) => a.replace(/ /g, "") }), opts(now)), "InvalidArgument", "Authorization header is invalid -- one and only one ' ' (space) required", {
      ArgumentName: "Authorization",
    });
  });

  it("Signature Version 2 (AWS AKID:sig) and SigV4a: InvalidRequest, SigV4 only", () => {
    const message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";
    expectS3Error(() => verifyRequest(request({ authorization: () => `AWS ${ACCESS_KEY}:frJIUN8DYpKDtOLCwo//yllqDzg=` }), opts(now)), "InvalidRequest", message);
    expectS3Error(() => verifyRequest(request({ authorization: (a) => a.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256") }), opts(now)), "InvalidRequest", message);
    const v2Query: SigV4Request = { method: "GET", rawPath: "/b/k", rawQuery: `AWSAccessKeyId=${ACCESS_KEY}&Expires=1700000000&Signature=abc%3D`, headers: { host: "gw" } };
    expectS3Error(() => verifyRequest(v2Query, opts(now)), "InvalidRequest", message);
  });

  it("another scheme: InvalidArgument 'Unsupported Authorization Type'", () => {
    // a scheme run into its first component is read, as S3 reads it, as an unknown scheme
    expectS3Error(() => verifyRequest(request({ authorization: (a) => a.replace(" ", "") }), opts(now)), "InvalidArgument", "Unsupported Authorization Type");
    expectS3Error(() => verifyRequest(request({ authorization: () => "Bearer abc.def" }), opts(now)), "InvalidArgument", "Unsupported Authorization Type", {
      ArgumentName: "Authorization",
      ArgumentValue: "Bearer abc.def",
    });
  });

  it("x-amz-content-sha256 missing: InvalidRequest; not a keyword nor a hash: InvalidArgument", () => {
    expectS3Error(() => verifyRequest(request({ headers: { "x-amz-content-sha256": undefined } }), opts(now)), "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
    for (const bad of ["unsigned-payload", "e3b0c442", "g".repeat(64), EMPTY + "0"]) {
      expectS3Error(() => verifyRequest(request({ headers: { "x-amz-content-sha256": bad } }), opts(now)), "InvalidArgument", /^x-amz-content-sha256 must be UNSIGNED-PAYLOAD/, {
        ArgumentName: "x-amz-content-sha256",
        ArgumentValue: bad,
      });
    }
    expectS3Error(() => verifyRequest(request({ headers: { "x-amz-content-sha256": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD" } }), opts(now)), "NotImplemented");
  });

  it("an uppercase hex payload hash is read in either case (and signed as sent)", () => {
    const upper = EMPTY.toUpperCase();
    // the signature covered the lowercase value, so it no longer matches; but it is not refused as invalid
    expectS3Error(() => verifyRequest(request({ headers: { "x-amz-content-sha256": upper } }), opts(now)), "SignatureDoesNotMatch");
  });

  it("no usable date: AccessDenied", () => {
    const message = "AWS authentication requires a valid Date or x-amz-date header";
    expectS3Error(() => verifyRequest(request({ headers: { "x-amz-date": undefined } }), opts(now)), "AccessDenied", message);
    // an unreadable x-amz-date is not rescued by a good Date header
    expectS3Error(() => verifyRequest(request({ headers: { "x-amz-date": "yesterday", date: "Sun, 01 Mar 2026 10:00:00 GMT" } }), opts(now)), "AccessDenied", message);
  });

  it("a request dated by the Date header alone: its time is signed in ISO 8601 basic form, as AWS's test suite and botocore sign it", () => {
    const signedBy = (date: string, timeInStringToSign: string) => {
      const headers = { host: "gw.example", date, "x-amz-content-sha256": EMPTY };
      const base: SigV4Request = { method: "GET", rawPath: "/b/k", rawQuery: "", headers };
      const signed = ["date", "host", "x-amz-content-sha256"];
      const sts = stringToSign("AWS4-HMAC-SHA256", timeInStringToSign, "20260301/us-east-1/s3/aws4_request", buildCanonicalRequest(base, signed, EMPTY));
      const signature = hmacHex(deriveSigningKey(SECRET, "20260301", "us-east-1", "s3"), sts);
      const authorization = `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20260301/us-east-1/s3/aws4_request, SignedHeaders=${signed.join(";")}, Signature=${signature}`;
      return { ...base, headers: { ...headers, authorization } };
    };
    // IMF-fixdate, and Python's email.utils.formatdate() (what botocore's SigV4 signer puts in a Date header)
    for (const date of ["Sun, 01 Mar 2026 10:00:00 GMT", "Sun, 01 Mar 2026 10:00:00 -0000", "Sun, 01 Mar 2026 11:00:00 +0100"]) {
      expect(verifyRequest(signedBy(date, "20260301T100000Z"), opts(now))).toMatchObject({ kind: "signed", amzDate: "20260301T100000Z" });
    }
    // the header's text is not what is signed
    const date = "Sun, 01 Mar 2026 10:00:00 GMT";
    expectS3Error(() => verifyRequest(signedBy(date, date), opts(now)), "SignatureDoesNotMatch", undefined, {
      StringToSign: expect.stringContaining("\n20260301T100000Z\n"),
    });
  });

  it("host or Content-MD5 left out of the signed headers: AccessDenied", () => {
    expectS3Error(() => verifyRequest(request({ signedHeaders: ["x-amz-content-sha256", "x-amz-date"] }), opts(now)), "AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: "host",
    });
    expectS3Error(() => verifyRequest(request({ headers: { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" } }), opts(now)), "AccessDenied", undefined, {
      HeadersNotSigned: "content-md5",
    });
  });

  it("both a header and a query credential: InvalidArgument, one mechanism only", () => {
    const req = request();
    const both = { ...req, rawQuery: `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${ACCESS_KEY}%2F20260301%2Fus-east-1%2Fs3%2Faws4_request` };
    expectS3Error(() => verifyRequest(both, opts(now)), "InvalidArgument", /^Only one auth mechanism allowed/, { ArgumentName: "Authorization" });
    // S3 refuses an empty Authorization header beside a query credential too
    expectS3Error(() => verifyRequest({ ...both, headers: { ...both.headers, authorization: "" } }, opts(now)), "InvalidArgument", /^Only one auth mechanism allowed/);
  });

  it("no credential at all is anonymous (an empty Authorization header too)", () => {
    const plain: SigV4Request = { method: "GET", rawPath: "/b/k", rawQuery: "prefix=a&X-Amz-Signature=ignored", headers: { host: "gw" } };
    expect(verifyRequest(plain, opts(now))).toEqual({ kind: "anonymous" });
    expect(verifyRequest({ ...plain, headers: { host: "gw", authorization: "" } }, opts(now))).toEqual({ kind: "anonymous" });
  });

  it("a wrong signature of the wrong length is a mismatch, not a crash", () => {
    expectS3Error(() => verifyRequest(request({ authorization: (a) => a.replace(/Signature=[0-9a-f]+/, "Signature=abc") }), opts(now)), "SignatureDoesNotMatch", "", {
      SignatureProvided: "abc",
    });
  });
});

describe("header values as wire bytes", () => {
  const now = new Date();

  it("a UTF-8 metadata value arrives latin1-decoded from node and still verifies", async () => {
    const { capture } = capturingClient();
    // Sign over raw bytes the way a SigV4 client does: the SDK signs the UTF-8 of "日本"; node's
    // parser hands the gateway those bytes as latin1 characters.
    const req = toWire(await capture(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x", Metadata: { city: "東京" } })));
    const asNodeSees = Buffer.from("東京", "utf8").toString("latin1");
    expect(verifyRequest({ ...req, headers: { ...req.headers, "x-amz-meta-city": asNodeSees } }, opts(now))).toMatchObject({ kind: "signed" });
    // characters beyond U+00FF can only be Unicode: they are taken as UTF-8 too
    expect(verifyRequest(req, opts(now))).toMatchObject({ kind: "signed" });
  });

  it("the wire query string is what the SDK sends", () => {
    expect(wireQuery({ a: "x y", b: ["1", "2"], c: null })).toBe("a=x%20y&b=1&b=2&c");
  });
});
