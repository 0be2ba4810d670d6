/**
 * Signature Version 2 (runtime/auth/sigv2.ts) against the examples of the S3 developer guide,
 * "Signing and authenticating REST requests" > "Authentication examples" and "Query string request
 * authentication alternative" (access key AKIAIOSFODNN7EXAMPLE, secret
 * wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY): each request's string to sign and signature as the
 * guide prints them, verified through verifyRequest as the auth filter calls it; then every fault.
 */
import { describe, expect, it } from "vitest";
import { parseSigningDate } from "../../runtime/auth/amz-dates.js";
import { type RequestHeaders } from "../../runtime/auth/canonical.js";
import { verifyRequest, type SigV4Request, type VerifyOptions } from "../../runtime/auth/sigv4.js";
import {
  buildStringToSignV2,
  canonicalizedAmzHeaders,
  canonicalizedResource,
  signV2,
  verifySigV2,
} from "../../runtime/auth/sigv2.js";

const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const lookupSecret = (id: string) => (id === AKID ? SECRET : undefined);
const v2opts = (now: Date, extra: Partial<VerifyOptions> = {}): VerifyOptions => ({ lookupSecret, now, signatureV2: verifySigV2, ...extra });

function expectS3Error(fn: () => unknown, code: string, message?: string, fields?: Record<string, unknown>) {
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
  if (message !== undefined) expect(err.message).toBe(message);
  if (fields !== undefined) expect(err.fields).toMatchObject(fields);
  return err;
}

interface Example {
  name: string;
  req: SigV4Request;
  /** the Date the example was sent at (its clock) */
  now: string;
  stringToSign: string;
  signature: string;
}

const url = (u: string) => {
  const q = u.indexOf("?");
  return q < 0 ? { rawPath: u, rawQuery: "" } : { rawPath: u.slice(0, q), rawQuery: u.slice(q + 1) };
};
const request = (method: string, u: string, headers: RequestHeaders, virtualHostBucket?: string): SigV4Request => ({
  method,
  ...url(u),
  headers,
  ...(virtualHostBucket !== undefined ? { virtualHostBucket } : {}),
});

const EXAMPLES: Example[] = [
  {
    name: "Object GET (virtual-hosted)",
    req: request("GET", "/photos/puppy.jpg", { host: "johnsmith.s3.amazonaws.com", date: "Tue, 27 Mar 2007 19:36:42 +0000" }, "johnsmith"),
    now: "2007-03-27T19:36:42Z",
    stringToSign: "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
    signature: "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
  },
  {
    name: "Object GET (the guide's current awsexamplebucket1 edition)",
    req: request("GET", "/photos/puppy.jpg", { host: "awsexamplebucket1.us-west-1.s3.amazonaws.com", date: "Tue, 27 Mar 2007 19:36:42 +0000" }, "awsexamplebucket1"),
    now: "2007-03-27T19:40:00Z",
    stringToSign: "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg",
    signature: "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
  },
  {
    name: "Object PUT",
    req: request(
      "PUT",
      "/photos/puppy.jpg",
      { host: "johnsmith.s3.amazonaws.com", "content-type": "image/jpeg", "content-length": "94328", date: "Tue, 27 Mar 2007 21:15:45 +0000" },
      "johnsmith",
    ),
    now: "2007-03-27T21:15:45Z",
    stringToSign: "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
    signature: "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
  },
  {
    name: "List (query parameters that are not sub-resources are not signed)",
    req: request(
      "GET",
      "/?prefix=photos&max-keys=50&marker=puppy",
      { "user-agent": "Mozilla/5.0", host: "johnsmith.s3.amazonaws.com", date: "Tue, 27 Mar 2007 19:42:41 +0000" },
      "johnsmith",
    ),
    now: "2007-03-27T19:42:41Z",
    stringToSign: "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
    signature: "htDYFYduRNen8P9ZfE/s9SuKy0U=",
  },
  {
    name: "Fetch (?acl sub-resource)",
    req: request("GET", "/?acl", { host: "johnsmith.s3.amazonaws.com", date: "Tue, 27 Mar 2007 19:44:46 +0000" }, "johnsmith"),
    now: "2007-03-27T19:44:46Z",
    stringToSign: "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
    signature: "c2WLPFtWHVgbEmeEG93a4cG37dM=",
  },
  {
    name: "Delete (path-style, x-amz-date signed on the Date line as the guide's example does)",
    req: request("DELETE", "/johnsmith/photos/puppy.jpg", {
      "user-agent": "dotnet",
      host: "s3.amazonaws.com",
      date: "Tue, 27 Mar 2007 21:20:27 +0000",
      "x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000",
    }),
    now: "2007-03-27T21:20:27Z",
    stringToSign: "DELETE\n\n\nTue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg",
    signature: "lx3byBScXR6KzyMaifNkardMwNk=",
  },
  {
    name: "Upload (CNAME-style bucket, x-amz-* headers, repeated x-amz-meta header joined with ',')",
    req: request(
      "PUT",
      "/db-backup.dat.gz",
      {
        "user-agent": "curl/7.15.5",
        host: "static.johnsmith.net:8080",
        date: "Tue, 27 Mar 2007 21:06:08 +0000",
        "x-amz-acl": "public-read",
        "content-type": "application/x-download",
        "content-md5": "4gJE4saaMU4BqNR0kLY+lw==",
        "x-amz-meta-reviewedby": ["joe@johnsmith.net", "jane@johnsmith.net"],
        "x-amz-meta-filechecksum": "0x02661779",
        "x-amz-meta-checksumalgorithm": "crc32",
        "content-disposition": "attachment; filename=database.dat",
        "content-encoding": "gzip",
        "content-length": "5913339",
      },
      "static.johnsmith.net",
    ),
    now: "2007-03-27T21:06:08Z",
    stringToSign:
      "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n" +
      "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n" +
      "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz",
    signature: "ilyl83RwaSoYIEdixDQcA4OnAnc=",
  },
  {
    name: "List all my buckets",
    req: request("GET", "/", { host: "s3.amazonaws.com", date: "Wed, 28 Mar 2007 01:29:59 +0000" }),
    now: "2007-03-28T01:29:59Z",
    stringToSign: "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
    signature: "qGdzdERIC03wnaRNKh6OqZehG9s=",
  },
  {
    name: "Unicode keys (the path is signed as sent, escapes in either case)",
    req: request("GET", "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re", { host: "s3.amazonaws.com", date: "Wed, 28 Mar 2007 01:49:49 +0000" }),
    now: "2007-03-28T01:49:49Z",
    stringToSign: "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
    signature: "DNEZGsoieTZ92F3bUfSPQcbGmlM=",
  },
];

describe("SigV2: the S3 developer guide's authentication examples", () => {
  it.each(EXAMPLES)("$name", (ex) => {
    const amzDateForm = ex.name.startsWith("Delete");
    expect(buildStringToSignV2(ex.req, undefined, amzDateForm)).toBe(ex.stringToSign);
    expect(signV2(SECRET, ex.stringToSign)).toBe(ex.signature);
    const signed = { ...ex.req, headers: { ...ex.req.headers, authorization: `AWS ${AKID}:${ex.signature}` } };
    const auth = verifyRequest(signed, v2opts(new Date(ex.now)));
    expect(auth).toMatchObject({ kind: "signed", accessKeyId: AKID, presigned: false, payload: { type: "unsigned" } });
  });

  it("Query string authentication (presigned URL)", () => {
    const req = request(
      "GET",
      `/photos/puppy.jpg?AWSAccessKeyId=${AKID}&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620`,
      { host: "johnsmith.s3.amazonaws.com" },
      "johnsmith",
    );
    expect(buildStringToSignV2(req, "1175139620")).toBe("GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
    const auth = verifyRequest(req, v2opts(new Date("2007-03-29T03:00:00Z")));
    expect(auth).toMatchObject({ kind: "signed", accessKeyId: AKID, presigned: true, payload: { type: "unsigned" } });
    // The SigV2 signature and an empty string to sign are what the Ozone backend forwards.
    expect(auth).toMatchObject({ stringToSign: "", seedSignature: "NpgCjnDzrM+WFzoENXmpNDUsSn8=" });
  });
});

describe("SigV2 canonicalisation", () => {
  it("signs the sub-resources sorted, with their decoded values, and nothing else of the query", () => {
    expect(canonicalizedResource("/b/k", "versionId=3%2F4&uploadId=u1&partNumber=2&x-id=GetObject&max-keys=5")).toBe(
      "/b/k?partNumber=2&uploadId=u1&versionId=3/4",
    );
    expect(canonicalizedResource("/b/k", "response-content-disposition=attachment%3B%20filename%3D%22a%20b%22&response-content-type=text%2Fplain")).toBe(
      '/b/k?response-content-disposition=attachment; filename="a b"&response-content-type=text/plain',
    );
    expect(canonicalizedResource("/b", "delete")).toBe("/b/?delete");
    expect(canonicalizedResource("/b/", "tagging=")).toBe("/b/?tagging=");
    // a path-style bucket is signed as "/bucket/", as botocore signs it (and S3 checks it)
    expect(canonicalizedResource("/bkt", "")).toBe("/bkt/");
    expect(canonicalizedResource("/", "")).toBe("/");
    expect(canonicalizedResource("/", "", "bkt")).toBe("/bkt/");
    expect(canonicalizedResource("/k+1", "uploads&prefix=p", "bkt")).toBe("/bkt/k+1?uploads");
  });

  it("takes a sub-resource sent with an empty value (\"?uploads=\") signed as sent or bare, as minio-go signs it; a value is never dropped", () => {
    expect(canonicalizedResource("/b/", "uploads=&prefix=p", undefined, true)).toBe("/b/?uploads");
    expect(canonicalizedResource("/b/k", "uploadId=u1&partNumber=2", undefined, true)).toBe("/b/k?partNumber=2&uploadId=u1");
    const req = request("GET", "/b/?delimiter=&encoding-type=url&prefix=pre&uploads=", { host: "h", date: "Tue, 27 Mar 2007 21:20:27 +0000" });
    const now = v2opts(new Date("2007-03-27T21:20:27Z"));
    const signedWith = (resource: string) => ({
      ...req,
      headers: { ...req.headers, authorization: `AWS ${AKID}:${signV2(SECRET, `GET\n\n\nTue, 27 Mar 2007 21:20:27 +0000\n${resource}`)}` },
    });
    expect(verifyRequest(signedWith("/b/?uploads"), now)).toMatchObject({ kind: "signed" });
    expect(verifyRequest(signedWith("/b/?uploads="), now)).toMatchObject({ kind: "signed" });
    expectS3Error(() => verifyRequest(signedWith("/b/?uploads=x"), now), "SignatureDoesNotMatch");
    // a value given is signed: "?versionId=" cannot stand for "?versionId=3"
    const versioned = request("GET", "/b/k?versionId=3", { host: "h", date: "Tue, 27 Mar 2007 21:20:27 +0000" });
    const bare = `AWS ${AKID}:${signV2(SECRET, "GET\n\n\nTue, 27 Mar 2007 21:20:27 +0000\n/b/k?versionId")}`;
    expectS3Error(() => verifyRequest({ ...versioned, headers: { ...versioned.headers, authorization: bare } }, now), "SignatureDoesNotMatch");
  });

  it("signs x-amz-* headers lowercased and sorted, values trimmed and unfolded, inner spaces kept", () => {
    expect(
      canonicalizedAmzHeaders({ "x-amz-meta-b": "  two  spaces  ", "x-amz-acl": "private", "content-type": "x", "x-amz-meta-a": ["1", " 2 "] }),
    ).toBe("x-amz-acl:private\nx-amz-meta-a:1,2\nx-amz-meta-b:two  spaces\n");
  });

  it("leaves the Date line empty when x-amz-date is sent, and signs x-amz-date among the x-amz-* headers", () => {
    const req = request("GET", "/b/k", { host: "h", date: "Tue, 27 Mar 2007 21:20:27 +0000", "x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000" });
    const toSign = buildStringToSignV2(req);
    expect(toSign).toBe("GET\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/b/k");
    const signed = { ...req, headers: { ...req.headers, authorization: `AWS ${AKID}:${signV2(SECRET, toSign)}` } };
    expect(verifyRequest(signed, v2opts(new Date("2007-03-27T21:20:27Z")))).toMatchObject({ kind: "signed" });
  });

  it("reads the dates SigV2 clients send", () => {
    expect(parseSigningDate("Tue, 27 Mar 2007 19:36:42 +0000")?.toISOString()).toBe("2007-03-27T19:36:42.000Z");
    expect(parseSigningDate("Tue, 27 Mar 2007 21:36:42 +0200")?.toISOString()).toBe("2007-03-27T19:36:42.000Z");
    expect(parseSigningDate("Tue, 27 Mar 2007 19:36:42 GMT")?.toISOString()).toBe("2007-03-27T19:36:42.000Z");
    expect(parseSigningDate("Tue, 31 Feb 2007 19:36:42 +0000")).toBeUndefined();
    expect(parseSigningDate("yesterday")).toBeUndefined();
  });
});

describe("SigV2 faults", () => {
  const NOW = new Date("2007-03-27T19:36:42Z");
  const base = () => request("GET", "/photos/puppy.jpg", { host: "johnsmith.s3.amazonaws.com", date: "Tue, 27 Mar 2007 19:36:42 +0000" }, "johnsmith");
  const withAuth = (value: string, extra: RequestHeaders = {}) => {
    const r = base();
    return { ...r, headers: { ...r.headers, ...extra, authorization: value } };
  };
  const GOOD = `AWS ${AKID}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=`;

  it("is refused as a SigV4-only S3 region refuses it when SigV2 is off", () => {
    const message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";
    expectS3Error(() => verifyRequest(withAuth(GOOD), { lookupSecret, now: NOW }), "InvalidRequest", message);
    const q = request("GET", `/photos/puppy.jpg?AWSAccessKeyId=${AKID}&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620`, { host: "h" }, "johnsmith");
    expectS3Error(() => verifyRequest(q, { lookupSecret, now: NOW }), "InvalidRequest", message);
  });

  it("SignatureDoesNotMatch names the string to sign as S3 does", () => {
    const err = expectS3Error(() => verifyRequest(withAuth(`AWS ${AKID}:AAAAs1WEIj+Ydj0vQ697zp+IXMU=`), v2opts(NOW)), "SignatureDoesNotMatch", "", {
      AWSAccessKeyId: AKID,
      StringToSign: "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
      SignatureProvided: "AAAAs1WEIj+Ydj0vQ697zp+IXMU=",
    });
    expect(String(err.fields.StringToSignBytes)).toMatch(/^47 45 54 0a 0a 0a 54 75 65 2c/);
  });

  it("a signed element changed after signing fails (method, header, path, sub-resource)", () => {
    const changed: SigV4Request[] = [
      { ...withAuth(GOOD), method: "DELETE" },
      withAuth(GOOD, { "x-amz-acl": "public-read" }),
      withAuth(GOOD, { "content-type": "text/html" }),
      { ...withAuth(GOOD), rawPath: "/photos/kitten.jpg" },
      { ...withAuth(GOOD), rawQuery: "acl" },
      { ...withAuth(GOOD), virtualHostBucket: "janedoe" },
    ];
    for (const req of changed) expectS3Error(() => verifyRequest(req, v2opts(NOW)), "SignatureDoesNotMatch");
    // a query parameter that is not a sub-resource is not signed
    expect(verifyRequest({ ...withAuth(GOOD), rawQuery: "x-id=GetObject" }, v2opts(NOW))).toMatchObject({ kind: "signed" });
  });

  it("an unknown access key is InvalidAccessKeyId", () => {
    expectS3Error(() => verifyRequest(withAuth("AWS AKIDUNKNOWN:bWq2s1WEIj+Ydj0vQ697zp+IXMU="), v2opts(NOW)), "InvalidAccessKeyId", "", { AWSAccessKeyId: "AKIDUNKNOWN" });
  });

  it.each(["AWS", "AWS AKIAIOSFODNN7EXAMPLE", "AWS :sig", "AWS AKIAIOSFODNN7EXAMPLE:", "AWS  "])("a malformed header %j is InvalidArgument", (value) => {
    const err = expectS3Error(() => verifyRequest(withAuth(value), v2opts(NOW)), value === "AWS" ? "InvalidArgument" : "InvalidArgument");
    expect(err.fields).toMatchObject({ ArgumentName: "Authorization" });
  });

  it("without a date: AccessDenied; 15 minutes away: RequestTimeTooSkewed", () => {
    const r = withAuth(GOOD);
    const noDate = { ...r, headers: { ...r.headers, date: undefined } };
    expectS3Error(() => verifyRequest(noDate, v2opts(NOW)), "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    const badDate = { ...r, headers: { ...r.headers, date: "not a date" } };
    expectS3Error(() => verifyRequest(badDate, v2opts(NOW)), "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    const later = new Date(NOW.getTime() + 15 * 60_000 + 1000);
    expectS3Error(() => verifyRequest(r, v2opts(later)), "RequestTimeTooSkewed", undefined, {
      RequestTime: "Tue, 27 Mar 2007 19:36:42 +0000",
      ServerTime: "2007-03-27T19:51:43Z",
      MaxAllowedSkewMilliseconds: 900000,
    });
    expect(verifyRequest(r, v2opts(new Date(NOW.getTime() + 14 * 60_000)))).toMatchObject({ kind: "signed" });
  });

  it("repeated signed headers are refused", () => {
    const r = withAuth(GOOD, { "content-type": ["a", "b"] });
    expectS3Error(() => verifyRequest(r, v2opts(NOW)), "InvalidArgument", undefined, { ArgumentName: "content-type" });
  });

  describe("query form", () => {
    const Q = `AWSAccessKeyId=${AKID}&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620`;
    const q = (query: string) => request("GET", `/photos/puppy.jpg?${query}`, { host: "johnsmith.s3.amazonaws.com" }, "johnsmith");
    const BEFORE = new Date("2007-03-29T03:00:00Z");

    it("an expired URL is AccessDenied 'Request has expired', naming both times", () => {
      expectS3Error(() => verifyRequest(q(Q), v2opts(new Date("2007-03-29T03:40:21Z"))), "AccessDenied", "Request has expired", {
        Expires: "2007-03-29T03:40:20Z",
        ServerTime: "2007-03-29T03:40:21Z",
      });
      // exactly at Expires it is still valid; no 15-minute skew applies to a URL
      expect(verifyRequest(q(Q), v2opts(new Date("2007-03-29T03:40:20Z")))).toMatchObject({ kind: "signed" });
      expect(verifyRequest(q(Q), v2opts(new Date("2007-01-01T00:00:00Z")))).toMatchObject({ kind: "signed" });
    });

    it("a changed Expires or signature is SignatureDoesNotMatch", () => {
      expectS3Error(() => verifyRequest(q(Q.replace("1175139620", "1175139621")), v2opts(BEFORE)), "SignatureDoesNotMatch", "", {
        StringToSign: "GET\n\n\n1175139621\n/johnsmith/photos/puppy.jpg",
        SignatureProvided: "NpgCjnDzrM+WFzoENXmpNDUsSn8=",
      });
      expectS3Error(() => verifyRequest(q(Q.replace("NpgC", "NpgD")), v2opts(BEFORE)), "SignatureDoesNotMatch");
    });

    it("missing or unreadable parameters are AccessDenied", () => {
      const message = "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters";
      expectS3Error(() => verifyRequest(q(`Signature=abc&Expires=1175139620`), v2opts(BEFORE)), "AccessDenied", message);
      expectS3Error(() => verifyRequest(q(`Signature=abc&AWSAccessKeyId=${AKID}`), v2opts(BEFORE)), "AccessDenied", message);
      expectS3Error(() => verifyRequest(q(Q.replace("1175139620", "soon")), v2opts(BEFORE)), "AccessDenied", "Invalid date (should be seconds since epoch): soon");
    });

    it("a repeated auth parameter is refused, as for SigV4", () => {
      for (const extra of ["Signature=AAAA", `AWSAccessKeyId=${AKID}`, "Expires=1"]) {
        expectS3Error(() => verifyRequest(q(`${Q}&${extra}`), v2opts(BEFORE)), "AuthorizationQueryParametersError");
      }
    });

    it("an Authorization header beside a query signature is refused, as for SigV4", () => {
      const r = q(Q);
      expectS3Error(() => verifyRequest({ ...r, headers: { ...r.headers, authorization: GOOD } }, v2opts(BEFORE)), "InvalidArgument");
    });
  });

  it("a signed aws-chunked payload cannot come with SigV2; a hash in x-amz-content-sha256 is kept for the body check", () => {
    const sign = (extra: RequestHeaders) => {
      const r = request("PUT", "/b/k", { host: "h", date: "Tue, 27 Mar 2007 19:36:42 +0000", ...extra });
      return { ...r, headers: { ...r.headers, authorization: `AWS ${AKID}:${signV2(SECRET, buildStringToSignV2(r))}` } };
    };
    expectS3Error(() => verifyRequest(sign({ "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" }), v2opts(NOW)), "InvalidRequest");
    const hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    expect(verifyRequest(sign({ "x-amz-content-sha256": hex }), v2opts(NOW))).toMatchObject({ payload: { type: "sha256", hex } });
  });
});
