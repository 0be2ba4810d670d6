/**
 * The verifying body: digests, every mismatch S3 reports (Content-MD5, x-amz-content-sha256,
 * x-amz-checksum-* in a header or a trailer, lengths), header validation, and the property the
 * storage layer relies on: a body that fails never emits 'end'.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { bodyPlanFromHeaders, verifyingBody, type BodyPlan } from "../../runtime/auth/body.js";
import { CHECKSUM_ALGORITHMS, checksumHeaderName, computeChecksum } from "../../runtime/auth/checksums.js";
import { type RequestHeaders } from "../../runtime/auth/canonical.js";
import { deriveSigningKey, verifyRequest, type VerifiedAuth } from "../../runtime/auth/sigv4.js";
import type { ChecksumAlgorithm } from "../../runtime/storage/types.js";
import { chunksOf, drain, encodeAwsChunked, randomBuffer, randomSplit, seededRandom, sourceOf, type StreamOutcome } from "./helpers.js";
import { ACCESS_KEY, SECRET, bodyBytes, capturingClient, toWire } from "./sdk-client.js";

const ANONYMOUS: VerifiedAuth = { kind: "anonymous" };
const md5 = (data: Buffer | string) => createHash("md5").update(data).digest();
const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

async function run(plan: BodyPlan, pieces: Buffer[]) {
  const body = verifyingBody(sourceOf(pieces), plan);
  const outcome = await drain(body.stream);
  return { ...outcome, body };
}

function expectRefused(outcome: StreamOutcome, code: string, message?: string) {
  expect(outcome.error?.code, outcome.error?.message).toBe(code);
  if (message !== undefined) expect(outcome.error?.message).toBe(message);
  // the property the store relies on: an 'error' is never preceded by an 'end'
  expect(outcome.ended).toBe(false);
}

function expectThrowsS3(fn: () => unknown, code: string, message?: string | RegExp) {
  let err: { code?: string; message?: string } | undefined;
  try {
    fn();
  } catch (e) {
    err = e as typeof err;
  }
  expect(err?.code, err?.message).toBe(code);
  if (typeof message === "string") expect(err?.message).toBe(message);
  else if (message) expect(err?.message).toMatch(message);
}

describe("plain bodies", () => {
  const data = randomBuffer(seededRandom(1), 100_000);

  it("passes the bytes through and reports size and MD5 after the end", async () => {
    const plan = bodyPlanFromHeaders({ "content-length": String(data.length) }, ANONYMOUS);
    const { body, data: out, ended, error } = await run(plan, randomSplit(data, seededRandom(2), 4000));
    expect(error).toBeUndefined();
    expect(ended).toBe(true);
    expect(out.equals(data)).toBe(true);
    expect(body.digests()).toEqual({ size: data.length, md5: md5(data) });
  });

  it("digests() before the end is a programming error", async () => {
    const body = verifyingBody(sourceOf([Buffer.from("x")]), { payload: { type: "unsigned" } });
    expect(() => body.digests()).toThrow(/before the body stream ended/);
    await drain(body.stream);
    expect(body.digests().size).toBe(1);
  });

  it("digests are available as soon as 'end' is seen", async () => {
    const body = verifyingBody(sourceOf([Buffer.from("abc")]), { payload: { type: "unsigned" }, defaultChecksum: "CRC32" });
    const seen = await new Promise((resolve) => {
      body.stream.on("data", () => undefined);
      body.stream.on("end", () => resolve(body.digests()));
    });
    expect(seen).toMatchObject({ size: 3, checksum: { algorithm: "CRC32", value: computeChecksum("CRC32", "abc") } });
  });

  describe("a part's checksums, chosen once its upload is known (chooseChecksums)", () => {
    /** the body with `pieces` all offered to it, then the choice after `ticks` turns of the loop */
    async function chosenLater(headers: RequestHeaders, pieces: Buffer[], choice: Parameters<NonNullable<ReturnType<typeof verifyingBody>["chooseChecksums"]>>[0], ticks = 5) {
      const plan = bodyPlanFromHeaders(headers, ANONYMOUS, { checksumsChosenLater: true });
      const body = verifyingBody(sourceOf(pieces), plan);
      for (let i = 0; i < ticks; i++) await new Promise((r) => setImmediate(r));
      body.chooseChecksums!(choice);
      const outcome = await drain(body.stream);
      return { ...outcome, body };
    }

    it("hashes the bytes that arrived before the choice: a small body all of it, a large one what backpressure let in", async () => {
      for (const piece of [Buffer.from("small part"), randomBuffer(seededRandom(7), 3 * 1024 * 1024)]) {
        const { body, ended } = await chosenLater({ "x-amz-checksum-crc32": computeChecksum("CRC32", piece) }, chunksOf(piece, 64 * 1024), { withDefault: true });
        expect(ended).toBe(true);
        expect(body.digests().checksum).toEqual({ algorithm: "CRC32", value: computeChecksum("CRC32", piece), type: "FULL_OBJECT" });
        expect(body.digests().defaultChecksum).toEqual({ algorithm: "CRC64NVME", value: computeChecksum("CRC64NVME", piece), type: "FULL_OBJECT" });
      }
    });

    it("computes the fallback when the client sent no checksum, and the client's own CRC64NVME serves as the default", async () => {
      const fallback = await chosenLater({}, [data], { fallback: "CRC32C" });
      expect(fallback.body.digests().checksum).toEqual({ algorithm: "CRC32C", value: computeChecksum("CRC32C", data), type: "FULL_OBJECT" });
      expect(fallback.body.digests().defaultChecksum).toBeUndefined();
      const own = await chosenLater({ "x-amz-checksum-crc64nvme": computeChecksum("CRC64NVME", data) }, [data], { withDefault: true });
      expect(own.body.digests().defaultChecksum).toEqual(own.body.digests().checksum);
      const none = await chosenLater({}, [data], {});
      expect([none.ended, none.body.digests().checksum, none.body.digests().defaultChecksum]).toEqual([true, undefined, undefined]);
    });

    it("still refuses a client's wrong checksum, and chooses once", async () => {
      const { error, ended, body } = await chosenLater({ "x-amz-checksum-crc32": computeChecksum("CRC32", "other") }, [data], { withDefault: true });
      expect([error?.code, ended]).toEqual(["BadDigest", false]);
      expect(() => body.chooseChecksums!({})).toThrow(/once/);
    });
  });

  it.each(CHECKSUM_ALGORITHMS.map((a) => [a]))("computes the default checksum %s when none was asked for", async (algorithm) => {
    const plan = bodyPlanFromHeaders({}, ANONYMOUS, { defaultChecksum: algorithm });
    const { body } = await run(plan, [data]);
    expect(body.digests().checksum).toEqual({ algorithm, value: computeChecksum(algorithm, data), type: "FULL_OBJECT" });
  });

  it("an empty body", async () => {
    const plan = bodyPlanFromHeaders({ "content-length": "0" }, ANONYMOUS, { defaultChecksum: "CRC64NVME" });
    const { body, ended } = await run(plan, []);
    expect(ended).toBe(true);
    expect(body.digests()).toEqual({ size: 0, md5: md5(""), checksum: { algorithm: "CRC64NVME", value: "AAAAAAAAAAA=", type: "FULL_OBJECT" } });
  });
});

describe("an envelope (a PostObject form, whose file is verified on its own)", () => {
  const data = randomBuffer(seededRandom(5), 10_000);

  it("computes no MD5 of the whole, and still checks the length", async () => {
    const plan = bodyPlanFromHeaders({ "content-length": String(data.length) }, ANONYMOUS, { envelope: true });
    const { body, ended } = await run(plan, [data]);
    expect(ended).toBe(true);
    expect(body.digests()).toEqual({ size: data.length, md5: Buffer.alloc(0) });
    const short = bodyPlanFromHeaders({ "content-length": String(data.length + 1) }, ANONYMOUS, { envelope: true });
    expectRefused(await run(short, [data]), "IncompleteBody");
  });

  it("verifies a Content-MD5 all the same", async () => {
    const plan = bodyPlanFromHeaders({ "content-md5": md5("other").toString("base64") }, ANONYMOUS, { envelope: true });
    expectRefused(await run(plan, [data]), "BadDigest");
  });
});

describe("Content-MD5", () => {
  const data = Buffer.from("Welcome to Amazon S3.");

  it("a matching Content-MD5 passes", async () => {
    const plan = bodyPlanFromHeaders({ "content-md5": md5(data).toString("base64") }, ANONYMOUS);
    const { ended, error } = await run(plan, [data]);
    expect(error).toBeUndefined();
    expect(ended).toBe(true);
  });

  it("another body's MD5: BadDigest", async () => {
    const plan = bodyPlanFromHeaders({ "content-md5": md5("something else").toString("base64") }, ANONYMOUS);
    expectRefused(await run(plan, [data]), "BadDigest", "The Content-MD5 you specified did not match what we received.");
  });

  it.each(["", "not base64!", "1B2M2Y8AsgTpgAmY7PhCfg", "AAAA", md5("x").toString("hex"), Buffer.alloc(17).toString("base64")])(
    "%j is not an MD5: InvalidDigest",
    (value) => {
      expectThrowsS3(() => bodyPlanFromHeaders({ "content-md5": value }, ANONYMOUS), "InvalidDigest");
    },
  );
});

describe("x-amz-content-sha256", () => {
  const data = Buffer.from("payload covered by the signature");

  it("a matching hash passes", async () => {
    const plan = bodyPlanFromHeaders({ "x-amz-content-sha256": sha256Hex(data) }, ANONYMOUS);
    expect(plan.payload).toEqual({ type: "sha256", hex: sha256Hex(data) });
    const { ended, error } = await run(plan, chunksOf(data, 3));
    expect(error).toBeUndefined();
    expect(ended).toBe(true);
  });

  it("a hash of other bytes: XAmzContentSHA256Mismatch, naming both", async () => {
    const plan: BodyPlan = { payload: { type: "sha256", hex: sha256Hex("other") } };
    const out = await run(plan, [data]);
    expectRefused(out, "XAmzContentSHA256Mismatch");
    expect(out.error?.fields).toEqual({ ClientComputedContentSHA256: sha256Hex("other"), S3ComputedContentSHA256: sha256Hex(data) });
  });

  it("with an x-amz-checksum-sha256 too (one SHA-256 serves both): the checksum is kept when it matches, BadDigest when not", async () => {
    const digest = createHash("sha256").update(data).digest();
    const good = bodyPlanFromHeaders({ "x-amz-content-sha256": sha256Hex(data), "x-amz-checksum-sha256": digest.toString("base64") }, ANONYMOUS);
    const ok = await run(good, chunksOf(data, 5));
    expect(ok.error).toBeUndefined();
    expect(ok.body.digests().checksum).toEqual({ algorithm: "SHA256", value: digest.toString("base64"), type: "FULL_OBJECT" });

    const other = createHash("sha256").update("other").digest("base64");
    const bad = bodyPlanFromHeaders({ "x-amz-content-sha256": sha256Hex(data), "x-amz-checksum-sha256": other }, ANONYMOUS);
    expectRefused(await run(bad, [data]), "BadDigest", "The SHA256 you specified did not match the calculated checksum.");
    // the payload hash is checked first, as before
    const both = bodyPlanFromHeaders({ "x-amz-content-sha256": sha256Hex("other"), "x-amz-checksum-sha256": other }, ANONYMOUS);
    expectRefused(await run(both, [data]), "XAmzContentSHA256Mismatch");
  });

  it("is not computed for an unsigned payload", async () => {
    const plan = bodyPlanFromHeaders({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }, ANONYMOUS);
    expect(plan.payload).toEqual({ type: "unsigned" });
    expect((await run(plan, [data])).ended).toBe(true);
  });

  it("an anonymous request cannot send signed chunks", () => {
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-decoded-content-length": "1" }, ANONYMOUS), "InvalidRequest");
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-content-sha256": "nonsense" }, ANONYMOUS), "InvalidArgument");
  });
});

describe("x-amz-checksum-* headers", () => {
  const data = randomBuffer(seededRandom(3), 33_333);

  describe.each(CHECKSUM_ALGORITHMS.map((a) => [a]))("%s", (algorithm) => {
    const name = checksumHeaderName(algorithm);

    it("the right value passes and is reported", async () => {
      const value = computeChecksum(algorithm, data);
      const plan = bodyPlanFromHeaders({ [name]: value, "x-amz-sdk-checksum-algorithm": algorithm.toLowerCase() }, ANONYMOUS, { defaultChecksum: "CRC64NVME" });
      const { body, ended } = await run(plan, randomSplit(data, seededRandom(4), 1000));
      expect(ended).toBe(true);
      expect(body.digests().checksum).toEqual({ algorithm, value, type: "FULL_OBJECT" });
    });

    it("another body's value: BadDigest", async () => {
      const plan = bodyPlanFromHeaders({ [name]: computeChecksum(algorithm, "other") }, ANONYMOUS);
      expectRefused(await run(plan, [data]), "BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`);
    });

    it("a value that is not base64 of the digest's length: InvalidRequest", () => {
      const wrongLength = algorithm === "CRC32" || algorithm === "CRC32C" ? "AAAAAAAAAAA=" : "AAAAAA==";
      for (const bad of ["invalid_checksum", wrongLength, ""]) {
        expectThrowsS3(() => bodyPlanFromHeaders({ [name]: bad }, ANONYMOUS), "InvalidRequest", `Value for ${name} header is invalid.`);
      }
    });
  });

  it("more than one checksum: InvalidRequest", () => {
    expectThrowsS3(
      () => bodyPlanFromHeaders({ "x-amz-checksum-crc32": computeChecksum("CRC32", data), "x-amz-checksum-sha1": computeChecksum("SHA1", data) }, ANONYMOUS),
      "InvalidRequest",
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
  });

  it("an unknown algorithm in the header name: InvalidRequest", () => {
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-checksum-sha384": "1B2M2Y8AsgTpgAmY7PhCfg==" }, ANONYMOUS), "InvalidRequest", "The algorithm type you specified in x-amz-checksum- header is invalid.");
  });

  it("x-amz-checksum-type / -algorithm / -mode are not body checksums", () => {
    const plan = bodyPlanFromHeaders({ "x-amz-checksum-type": "FULL_OBJECT", "x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-mode": "ENABLED" }, ANONYMOUS);
    expect(plan.checksum).toBeUndefined();
  });

  it("x-amz-sdk-checksum-algorithm: unknown, mismatching, or alone: InvalidRequest", () => {
    const crc = computeChecksum("CRC32", data);
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-checksum-crc32": crc, "x-amz-sdk-checksum-algorithm": "MD5" }, ANONYMOUS), "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.");
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-checksum-crc32": crc, "x-amz-sdk-checksum-algorithm": "SHA256" }, ANONYMOUS), "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.");
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-sdk-checksum-algorithm": "CRC32" }, ANONYMOUS), "InvalidRequest", /^x-amz-sdk-checksum-algorithm specified, but no corresponding/);
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-sdk-checksum-algorithm": "MD5" }, ANONYMOUS), "InvalidRequest", /^x-amz-sdk-checksum-algorithm specified, but no corresponding/);
  });

  it("x-amz-sdk-checksum-algorithm MD5 with Content-MD5 (the JS SDK's way to send an MD5 checksum): that value is the checksum", () => {
    const md5 = createHash("md5").update(data).digest("base64");
    const plan = bodyPlanFromHeaders({ "content-md5": md5, "x-amz-sdk-checksum-algorithm": "md5" }, ANONYMOUS);
    expect(plan.checksum).toEqual({ algorithm: "MD5", location: "header", value: md5 });
    expect(plan.contentMd5).toBe(md5);
    // an x-amz-checksum-md5 of its own wins, and is checked against the body like any other
    const own = bodyPlanFromHeaders({ "content-md5": md5, "x-amz-checksum-md5": md5, "x-amz-sdk-checksum-algorithm": "MD5" }, ANONYMOUS);
    expect(own.checksum).toEqual({ algorithm: "MD5", location: "header", value: md5 });
  });
});

describe("aws-chunked bodies", () => {
  const data = randomBuffer(seededRandom(5), 150_000);
  const unsignedTrailer = (trailer: string | undefined, extra: RequestHeaders = {}): RequestHeaders => ({
    "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": String(data.length),
    ...(trailer ? { "x-amz-trailer": trailer } : {}),
    ...extra,
  });

  describe.each(["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"] as ChecksumAlgorithm[])("unsigned trailer %s", (algorithm) => {
    const name = checksumHeaderName(algorithm);

    it("the right trailer passes; the checksum is the trailer's", async () => {
      const value = computeChecksum(algorithm, data);
      const wire = encodeAwsChunked(chunksOf(data, 65536), { trailers: { [name]: value } });
      const plan = bodyPlanFromHeaders(unsignedTrailer(name, { "content-length": String(wire.length) }), ANONYMOUS);
      expect(plan.checksum).toEqual({ algorithm, location: "trailer" });
      const { body, data: out, ended, error } = await run(plan, randomSplit(wire, seededRandom(6), 9000));
      expect(error).toBeUndefined();
      expect(ended).toBe(true);
      expect(out.equals(data)).toBe(true);
      expect(body.digests()).toEqual({ size: data.length, md5: md5(data), checksum: { algorithm, value, type: "FULL_OBJECT" } });
    });

    it("a wrong trailer: BadDigest", async () => {
      const wire = encodeAwsChunked(chunksOf(data, 65536), { trailers: { [name]: computeChecksum(algorithm, "not the data") } });
      expectRefused(await run(bodyPlanFromHeaders(unsignedTrailer(name), ANONYMOUS), [wire]), "BadDigest", `The ${algorithm} you specified did not match the calculated checksum.`);
    });

    it("a trailer value that is not a checksum: InvalidRequest", async () => {
      const wire = encodeAwsChunked(chunksOf(data, 65536), { trailers: { [name]: "invalid_checksum" } });
      expectRefused(await run(bodyPlanFromHeaders(unsignedTrailer(name), ANONYMOUS), [wire]), "InvalidRequest", `Value for ${name} trailing header is invalid.`);
    });
  });

  it("no trailer: the default checksum is computed", async () => {
    const wire = encodeAwsChunked(chunksOf(data, 10_000), {});
    const plan = bodyPlanFromHeaders(unsignedTrailer(undefined), ANONYMOUS, { defaultChecksum: "CRC64NVME" });
    const { body, ended } = await run(plan, [wire]);
    expect(ended).toBe(true);
    expect(body.digests().checksum).toEqual({ algorithm: "CRC64NVME", value: computeChecksum("CRC64NVME", data), type: "FULL_OBJECT" });
  });

  it("x-amz-decoded-content-length that disagrees with the body: IncompleteBody", async () => {
    const wire = encodeAwsChunked(chunksOf(data, 10_000), {});
    expectRefused(await run(bodyPlanFromHeaders(unsignedTrailer(undefined, { "x-amz-decoded-content-length": String(data.length + 1) }), ANONYMOUS), [wire]), "IncompleteBody");
    expectRefused(await run(bodyPlanFromHeaders(unsignedTrailer(undefined, { "x-amz-decoded-content-length": String(data.length - 1) }), ANONYMOUS), [wire]), "IncompleteBody");
  });

  it("a Content-Length that disagrees with the encoded body: IncompleteBody", async () => {
    const wire = encodeAwsChunked(chunksOf(data, 10_000), {});
    expectRefused(await run(bodyPlanFromHeaders(unsignedTrailer(undefined, { "content-length": String(wire.length + 5) }), ANONYMOUS), [wire]), "IncompleteBody");
  });

  it("missing or unreadable x-amz-decoded-content-length: MissingContentLength", () => {
    for (const v of [undefined, "", "abc", "12x", "-1"]) {
      expectThrowsS3(() => bodyPlanFromHeaders(unsignedTrailer(undefined, { "x-amz-decoded-content-length": v }), ANONYMOUS), "MissingContentLength");
    }
  });

  it("x-amz-trailer: only one x-amz-checksum-*, only with a trailer mode, not beside a checksum header", () => {
    expectThrowsS3(() => bodyPlanFromHeaders(unsignedTrailer("x-amz-meta-foo"), ANONYMOUS), "InvalidRequest", "The value specified in the x-amz-trailer header is not supported");
    expectThrowsS3(() => bodyPlanFromHeaders(unsignedTrailer("x-amz-checksum-crc32,x-amz-checksum-sha1"), ANONYMOUS), "InvalidRequest", "The value specified in the x-amz-trailer header is not supported");
    expectThrowsS3(() => bodyPlanFromHeaders({ "x-amz-trailer": "x-amz-checksum-crc32" }, ANONYMOUS), "InvalidRequest", /^x-amz-trailer requires/);
    expectThrowsS3(
      () => bodyPlanFromHeaders(unsignedTrailer("x-amz-checksum-crc64nvme", { "x-amz-checksum-crc32": "NhCmhg==" }), ANONYMOUS),
      "InvalidRequest",
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
    expectThrowsS3(() => bodyPlanFromHeaders(unsignedTrailer("x-amz-checksum-crc64nvme", { "x-amz-sdk-checksum-algorithm": "sha1" }), ANONYMOUS), "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.");
    expect(bodyPlanFromHeaders(unsignedTrailer("x-amz-checksum-crc64nvme", { "x-amz-sdk-checksum-algorithm": "CRC64NVME" }), ANONYMOUS).checksum).toEqual({ algorithm: "CRC64NVME", location: "trailer" });
  });

  it("a trailer that was not announced is refused", async () => {
    const wire = encodeAwsChunked([data], { trailers: { "x-amz-checksum-crc32": computeChecksum("CRC32", data) } });
    expectRefused(await run(bodyPlanFromHeaders(unsignedTrailer(undefined), ANONYMOUS), [wire]), "MalformedTrailerError");
  });
});

describe("with the real SDK and the AWS documentation, end to end", () => {
  const lookupSecret = (id: string) => (id === ACCESS_KEY ? SECRET : undefined);

  it("S3Client PutObject from a stream: aws-chunked, CRC32 trailer, verified", async () => {
    const { capture } = capturingClient();
    const data = randomBuffer(seededRandom(9), 200_000);
    const req = await capture(new PutObjectCommand({ Bucket: "b", Key: "big.bin", Body: Readable.from(chunksOf(data, 16_384)), ContentLength: data.length }));
    const wire = toWire(req);
    const auth = verifyRequest(wire, { lookupSecret, now: new Date() });
    const plan = bodyPlanFromHeaders(wire.headers, auth, { defaultChecksum: "CRC64NVME" });
    expect(plan.checksum).toEqual({ algorithm: "CRC32", location: "trailer" });
    const encoded = await bodyBytes(req.body);
    const { body, data: out, ended, error } = await run(plan, randomSplit(encoded, seededRandom(10), 3000));
    expect(error).toBeUndefined();
    expect(ended).toBe(true);
    expect(out.equals(data)).toBe(true);
    expect(body.digests().checksum).toEqual({ algorithm: "CRC32", value: computeChecksum("CRC32", data), type: "FULL_OBJECT" });

    // a byte changed in flight: the SDK's own trailer catches it
    const bent = Buffer.from(encoded);
    bent[5000] ^= 0xff;
    expectRefused(await run(plan, [bent]), "BadDigest", "The CRC32 you specified did not match the calculated checksum.");
  });

  it.each(["CRC32C", "SHA256", "CRC64NVME"] as const)("S3Client UploadPart with ChecksumAlgorithm %s, header checksum", async (algorithm) => {
    const { capture } = capturingClient();
    const data = randomBuffer(seededRandom(11), 5000);
    const req = await capture(new UploadPartCommand({ Bucket: "b", Key: "k", UploadId: "u/1+2", PartNumber: 2, Body: data, ChecksumAlgorithm: algorithm }));
    const wire = toWire(req);
    const auth = verifyRequest(wire, { lookupSecret, now: new Date() });
    const plan = bodyPlanFromHeaders(wire.headers, auth);
    expect(plan.payload).toEqual({ type: "sha256", hex: sha256Hex(data) });
    const { body, ended } = await run(plan, [await bodyBytes(req.body)]);
    expect(ended).toBe(true);
    expect(body.digests().checksum?.value).toBe(computeChecksum(algorithm, data));
  });

  it("the documentation's signed upload with a signed CRC32C trailer", async () => {
    const headers = {
      host: "s3.amazonaws.com",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": "66560",
      "x-amz-trailer": "x-amz-checksum-crc32c",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
    };
    const auth = verifyRequest(
      { method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", headers },
      { lookupSecret: (id) => (id === "AKIAIOSFODNN7EXAMPLE" ? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" : undefined), now: new Date("2013-05-24T00:05:00Z") },
    );
    const plan = bodyPlanFromHeaders(headers, auth);
    expect(plan.signing?.signingKey.equals(deriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3"))).toBe(true);
    const data = Buffer.alloc(66560, "a");
    const wire = Buffer.concat([
      Buffer.from("10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n"),
      data.subarray(0, 65536),
      Buffer.from("\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n"),
      data.subarray(65536),
      Buffer.from(
        "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n" +
          "x-amz-checksum-crc32c:sOO8/Q==\r\n" +
          "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
      ),
    ]);
    const { body, ended, error } = await run(plan, randomSplit(wire, seededRandom(12), 2000));
    expect(error).toBeUndefined();
    expect(ended).toBe(true);
    expect(body.digests()).toEqual({ size: 66560, md5: md5(data), checksum: { algorithm: "CRC32C", value: "sOO8/Q==", type: "FULL_OBJECT" } });

    const tampered = Buffer.from(wire);
    tampered[70] = "b".charCodeAt(0);
    expectRefused(await run(plan, [tampered]), "SignatureDoesNotMatch");
  });
});

describe("a failing body never emits 'end'", () => {
  const data = Buffer.from("0123456789".repeat(1000));

  it.each<[string, BodyPlan, () => Buffer[], string]>([
    ["short of Content-Length", { payload: { type: "unsigned" }, contentLength: data.length + 1 }, () => [data], "IncompleteBody"],
    ["past Content-Length", { payload: { type: "unsigned" }, contentLength: data.length - 1 }, () => chunksOf(data, 100), "IncompleteBody"],
    ["bad Content-MD5", { payload: { type: "unsigned" }, contentMd5: md5("x").toString("base64") }, () => [data], "BadDigest"],
    ["bad payload hash", { payload: { type: "sha256", hex: sha256Hex("x") } }, () => chunksOf(data, 7), "XAmzContentSHA256Mismatch"],
    ["bad checksum", { payload: { type: "unsigned" }, checksum: { algorithm: "CRC32C", location: "header", value: computeChecksum("CRC32C", "x") } }, () => [data], "BadDigest"],
    [
      "truncated aws-chunked",
      { payload: { type: "streaming-unsigned-trailer" }, decodedContentLength: data.length },
      () => [encodeAwsChunked(chunksOf(data, 1000), {}).subarray(0, 5000)],
      "IncompleteBody",
    ],
  ])("%s", async (_name, plan, pieces, code) => {
    const out = await run(plan, pieces());
    expectRefused(out, code);
    expect(() => out.body.digests()).toThrow();
  });

  it("a source that errors (client gone) makes the body fail with IncompleteBody", async () => {
    const source = new Readable({ read() {} });
    const body = verifyingBody(source, { payload: { type: "unsigned" }, contentLength: 100 });
    const outcome = drain(body.stream);
    source.push(Buffer.alloc(10));
    setImmediate(() => source.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
    expectRefused(await outcome, "IncompleteBody");
  });

  it("a source closed without ending makes the body fail with IncompleteBody", async () => {
    const source = new Readable({ read() {} });
    const body = verifyingBody(source, { payload: { type: "unsigned" } });
    const outcome = drain(body.stream);
    source.push(Buffer.alloc(10));
    setImmediate(() => source.destroy());
    expectRefused(await outcome, "IncompleteBody");
  });

  it("leaves the source to its owner: unpiped, not destroyed, after a failure", async () => {
    const wire = Buffer.from("zz\r\n" + "x".repeat(100));
    const source = sourceOf([wire.subarray(0, 4), wire.subarray(4)]);
    const body = verifyingBody(source, { payload: { type: "streaming-unsigned-trailer" }, decodedContentLength: 1 });
    expectRefused(await drain(body.stream), "IncompleteBody");
    expect(source.destroyed).toBe(false);
  });
});
