/**
 * aws-chunked decoding: the AWS documentation's two chunked uploads byte for byte, random bodies in
 * random and byte-by-byte splits in the three modes, and every way a body can be wrong.
 */
import { describe, expect, it } from "vitest";
import { AwsChunkedDecoder, chunkStringToSign, type AwsChunkedOptions, type ChunkSigningContext } from "../../runtime/auth/chunked.js";
import { computeChecksum } from "../../runtime/auth/checksums.js";
import { deriveSigningKey, hmacHex, sha256Hex } from "../../runtime/auth/sigv4.js";
import { bytewise, chunksOf, drain, encodeAwsChunked, randomBuffer, randomSplit, seededRandom, sourceOf } from "./helpers.js";

const DOC_KEY = deriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
const DOC_CONTEXT = { signingKey: DOC_KEY, amzDate: "20130524T000000Z", scope: "20130524/us-east-1/s3/aws4_request" };
const DOC_DATA = Buffer.alloc(66560, "a");

/** "Transferring Payload in Multiple Chunks": 64 KiB + 1 KiB of 'a', signatures as published. */
const DOC_SIGNED = Buffer.concat([
  Buffer.from("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"),
  DOC_DATA.subarray(0, 65536),
  Buffer.from("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"),
  DOC_DATA.subarray(65536),
  Buffer.from("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"),
]);
const DOC_SIGNED_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

/** "Including Trailing Headers": the same data, a CRC32C trailer, signatures as published. */
const DOC_TRAILER = Buffer.concat([
  Buffer.from("10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n"),
  DOC_DATA.subarray(0, 65536),
  Buffer.from("\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n"),
  DOC_DATA.subarray(65536),
  Buffer.from(
    "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n" +
      "x-amz-checksum-crc32c:sOO8/Q==\r\n" +
      "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n" +
      "\r\n",
  ),
]);
const DOC_TRAILER_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";

async function decode(wire: Buffer[] | Buffer, options: AwsChunkedOptions) {
  const decoder = new AwsChunkedDecoder(options);
  const pieces = Array.isArray(wire) ? wire : [wire];
  const outcome = await drain(sourceOf(pieces).pipe(decoder));
  return { ...outcome, decoder };
}

function expectFailure(outcome: { ended: boolean; error?: { code?: string; message?: string } }, code: string) {
  expect(outcome.error?.code, outcome.error?.message).toBe(code);
  expect(outcome.ended).toBe(false);
}

describe("the AWS documentation's chunked uploads", () => {
  const signed: AwsChunkedOptions = { mode: "streaming-signed", signing: { ...DOC_CONTEXT, seedSignature: DOC_SIGNED_SEED } };
  const trailer: AwsChunkedOptions = {
    mode: "streaming-signed-trailer",
    signing: { ...DOC_CONTEXT, seedSignature: DOC_TRAILER_SEED },
    expectedTrailer: "x-amz-checksum-crc32c",
  };

  it("the first chunk's string to sign is the documented one", () => {
    expect(chunkStringToSign({ ...DOC_CONTEXT, seedSignature: DOC_SIGNED_SEED }, DOC_SIGNED_SEED, sha256Hex(DOC_DATA.subarray(0, 65536)))).toBe(
      "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\n" +
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
        "bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a",
    );
  });

  it("our encoder writes the documented bytes (both examples)", () => {
    const chunks = [DOC_DATA.subarray(0, 65536), DOC_DATA.subarray(65536)];
    expect(encodeAwsChunked(chunks, { signing: { ...DOC_CONTEXT, seedSignature: DOC_SIGNED_SEED } }).equals(DOC_SIGNED)).toBe(true);
    expect(
      encodeAwsChunked(chunks, {
        signing: { ...DOC_CONTEXT, seedSignature: DOC_TRAILER_SEED },
        trailers: { "x-amz-checksum-crc32c": "sOO8/Q==" },
      }).equals(DOC_TRAILER),
    ).toBe(true);
  });

  it.each([
    ["whole", (b: Buffer) => [b]],
    ["in 1000-byte pieces", (b: Buffer) => chunksOf(b, 1000)],
    ["in random pieces", (b: Buffer) => randomSplit(b, seededRandom(7), 300)],
    ["byte by byte", bytewise],
  ])("decodes the signed example %s", async (_how, split) => {
    const out = await decode(split(DOC_SIGNED), signed);
    expect(out.error).toBeUndefined();
    expect(out.ended).toBe(true);
    expect(out.data.equals(DOC_DATA)).toBe(true);
    expect(out.decoder.decodedLength).toBe(66560);
    expect(out.decoder.encodedLength).toBe(DOC_SIGNED.length);
    expect(DOC_SIGNED.length).toBe(66824); // the example's Content-Length
  });

  it.each([
    ["whole", (b: Buffer) => [b]],
    ["in random pieces", (b: Buffer) => randomSplit(b, seededRandom(8), 97)],
    ["byte by byte", bytewise],
  ])("decodes the trailer example %s and exposes the trailer", async (_how, split) => {
    const out = await decode(split(DOC_TRAILER), trailer);
    expect(out.error).toBeUndefined();
    expect(out.data.equals(DOC_DATA)).toBe(true);
    expect(out.decoder.trailers).toEqual({ "x-amz-checksum-crc32c": "sOO8/Q==" });
  });

  it("refuses the signed example with one data byte changed, in either chunk", async () => {
    for (const at of [100, 66000]) {
      const bent = Buffer.from(DOC_SIGNED);
      bent[at] = "b".charCodeAt(0);
      expectFailure(await decode(randomSplit(bent, seededRandom(at), 5000), signed), "SignatureDoesNotMatch");
    }
  });

  it("refuses the signed example under another seed (the chain starts at the request's signature)", async () => {
    expectFailure(await decode(DOC_SIGNED, { ...signed, signing: { ...DOC_CONTEXT, seedSignature: DOC_TRAILER_SEED } }), "SignatureDoesNotMatch");
  });

  it("refuses the trailer example with the trailer value or its signature changed", async () => {
    const value = Buffer.from(DOC_TRAILER.toString("latin1").replace("sOO8/Q==", "AAAAAA=="), "latin1");
    expectFailure(await decode(value, trailer), "SignatureDoesNotMatch");
    const sig = Buffer.from(DOC_TRAILER.toString("latin1").replace("trailer-signature:d81f", "trailer-signature:d81e"), "latin1");
    expectFailure(await decode(sig, trailer), "SignatureDoesNotMatch");
    const unsignedTrailer = Buffer.from(DOC_TRAILER.toString("latin1").replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ""), "latin1");
    expectFailure(await decode(unsignedTrailer, trailer), "SignatureDoesNotMatch");
  });

  it("refuses the final zero-length chunk with a wrong signature", async () => {
    const bent = Buffer.from(DOC_SIGNED.toString("latin1").replace("0;chunk-signature=b6c6", "0;chunk-signature=b6c7"), "latin1");
    expectFailure(await decode(bent, signed), "SignatureDoesNotMatch");
  });
});

describe("random bodies, random splits", () => {
  const rand = seededRandom(2024);
  const context: ChunkSigningContext = {
    signingKey: deriveSigningKey("secret", "20260301", "us-east-1", "s3"),
    amzDate: "20260301T120000Z",
    scope: "20260301/us-east-1/s3/aws4_request",
    seedSignature: "a".repeat(64),
  };

  const cases = Array.from({ length: 24 }, (_, i) => {
    const size = i === 0 ? 0 : i < 4 ? i : Math.floor(rand() * 200_000);
    const chunkSize = 1 + Math.floor(rand() * (i % 3 === 0 ? 70_000 : 9000));
    return { i, size, chunkSize, maxPiece: 1 + Math.floor(rand() * 5000) };
  });

  describe.each(["streaming-signed", "streaming-signed-trailer", "streaming-unsigned-trailer"] as const)("%s", (mode) => {
    it.each(cases)("body #$i: $size bytes in $chunkSize-byte chunks, pieces up to $maxPiece", async ({ size, chunkSize, maxPiece, i }) => {
      const data = randomBuffer(rand, size);
      const trailers = mode === "streaming-signed" ? undefined : { "x-amz-checksum-crc32": computeChecksum("CRC32", data) };
      const wire = encodeAwsChunked(chunksOf(data, chunkSize), { signing: mode === "streaming-unsigned-trailer" ? undefined : context, trailers });
      const out = await decode(randomSplit(wire, seededRandom(i), maxPiece), {
        mode,
        signing: mode === "streaming-unsigned-trailer" ? undefined : context,
        expectedTrailer: trailers ? "x-amz-checksum-crc32" : undefined,
      });
      expect(out.error).toBeUndefined();
      expect(out.ended).toBe(true);
      expect(out.data.equals(data)).toBe(true);
      expect(out.decoder.trailers).toEqual(trailers ?? {});
    });

    it("a small body fed one byte at a time", async () => {
      const data = Buffer.from("hello, aws-chunked world\r\n0\r\n\r\n"); // data that looks like framing
      const trailers = mode === "streaming-signed" ? undefined : { "x-amz-checksum-sha256": computeChecksum("SHA256", data) };
      const signing = mode === "streaming-unsigned-trailer" ? undefined : context;
      const wire = encodeAwsChunked(chunksOf(data, 5), { signing, trailers });
      const out = await decode(bytewise(wire), { mode, signing, expectedTrailer: trailers && "x-amz-checksum-sha256" });
      expect(out.error).toBeUndefined();
      expect(out.data.equals(data)).toBe(true);
    });

    it("every truncation is IncompleteBody and never ends", async () => {
      const data = Buffer.from("0123456789abcdef");
      const trailers = mode === "streaming-signed" ? undefined : { "x-amz-checksum-crc32c": computeChecksum("CRC32C", data) };
      const signing = mode === "streaming-unsigned-trailer" ? undefined : context;
      const wire = encodeAwsChunked(chunksOf(data, 6), { signing, trailers });
      for (let cut = 0; cut < wire.length; cut++) {
        const out = await decode(randomSplit(wire.subarray(0, cut), seededRandom(cut), 7), {
          mode,
          signing,
          expectedTrailer: trailers && "x-amz-checksum-crc32c",
        });
        expect(out.error?.code, `cut at ${cut}`).toBe("IncompleteBody");
        expect(out.ended, `cut at ${cut}`).toBe(false);
      }
    });
  });
});

describe("malformed bodies", () => {
  const unsigned: AwsChunkedOptions = { mode: "streaming-unsigned-trailer" };
  const context: ChunkSigningContext = {
    signingKey: deriveSigningKey("secret", "20260301", "us-east-1", "s3"),
    amzDate: "20260301T120000Z",
    scope: "20260301/us-east-1/s3/aws4_request",
    seedSignature: "b".repeat(64),
  };
  const text = (s: string) => Buffer.from(s, "latin1");

  it.each([
    ["a size that is not hex", "zz\r\nhello\r\n0\r\n\r\n"],
    ["a size with a space", " 5\r\nhello\r\n0\r\n\r\n"],
    ["a negative size", "-5\r\nhello\r\n0\r\n\r\n"],
    ["an empty size line", "\r\nhello\r\n0\r\n\r\n"],
    ["a size line without CR", "5\nhello\r\n0\r\n\r\n"],
    ["data longer than its size", "4\r\nhello\r\n0\r\n\r\n"],
    ["data shorter than its size", "6\r\nhello\r\n0\r\n\r\n"],
    ["data without its CRLF", "5\r\nhello0\r\n\r\n"],
    ["bytes after the end", "5\r\nhello\r\n0\r\n\r\nX"],
    ["a header line past 4 KiB", "5" + "0".repeat(5000) + "\r\n"],
    ["an absurd size", "ffffffffffffffffff\r\n"],
  ])("%s: IncompleteBody", async (_name, wire) => {
    expectFailure(await decode(text(wire), unsigned), "IncompleteBody");
  });

  it("a chunk larger than the limit: InvalidRequest, before reading its data", async () => {
    const out = await decode(text("1001\r\n"), { ...unsigned, maxChunkSize: 4096 });
    expectFailure(out, "InvalidRequest");
    expect(out.error?.message).toMatch(/chunk size exceeds the maximum of 4096 bytes/);
    // the default limit is 16 MiB
    expectFailure(await decode(text("1000001\r\n"), unsigned), "InvalidRequest");
  });

  it("ignores chunk extensions in the unsigned mode", async () => {
    const out = await decode(text("5;foo=bar\r\nhello\r\n0;x\r\n\r\n"), unsigned);
    expect(out.error).toBeUndefined();
    expect(out.data.toString()).toBe("hello");
  });

  it("takes a header line of up to 4 KiB with its CRLF, whole or in pieces, and refuses one byte more", async () => {
    // "5;" + extension + CRLF: exactly 4,096 bytes
    const longest = `5;${"e".repeat(4096 - 4)}\r\n`;
    expect(longest.length).toBe(4096);
    const wire = text(`${longest}hello\r\n0;${"f".repeat(300)}\r\n\r\n`);
    for (const pieces of [[wire], randomSplit(wire, seededRandom(11), 100), randomSplit(wire, seededRandom(12), 3)]) {
      const out = await decode(pieces, unsigned);
      expect(out.error).toBeUndefined();
      expect(out.data.toString()).toBe("hello");
    }
    const tooLong = text(`5;${"e".repeat(4096 - 3)}\r\nhello\r\n0\r\n\r\n`);
    expectFailure(await decode(randomSplit(tooLong, seededRandom(13), 100), unsigned), "IncompleteBody");
  });

  it("takes an unsigned body ending right after its last chunk when no trailer was announced (as the JS SDK sends)", async () => {
    const out = await decode(text("5\r\nhello\r\n0\r\n"), unsigned);
    expect(out.error).toBeUndefined();
    expect(out.ended).toBe(true);
    // but not when a trailer was announced
    expectFailure(await decode(text("5\r\nhello\r\n0\r\n"), { ...unsigned, expectedTrailer: "x-amz-checksum-crc32" }), "IncompleteBody");
  });

  it.each([
    ["a trailer that was not announced", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", undefined],
    ["another trailer than announced", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32c:NhCmhg==\r\n\r\n", "x-amz-checksum-crc32"],
    ["the announced trailer missing", "5\r\nhello\r\n0\r\n\r\n", "x-amz-checksum-crc32"],
    ["a trailer with an empty name", "5\r\nhello\r\n0\r\n:NhCmhg==\r\n\r\n", "x-amz-checksum-crc32"],
    ["a trailer line without a colon", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32\r\n\r\n", "x-amz-checksum-crc32"],
    ["the trailer twice", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", "x-amz-checksum-crc32"],
    ["a trailer signature in the unsigned mode", "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\nx-amz-trailer-signature:00\r\n\r\n", "x-amz-checksum-crc32"],
    ["a lone LF as a trailer line", "5\r\nhello\r\n0\r\n\n\r\n\r\n", "x-amz-checksum-crc32"],
    ["trailers past 16 KiB", "5\r\nhello\r\n0\r\n" + `x-amz-checksum-crc32:${"A".repeat(3000)}\r\n`.repeat(6), "x-amz-checksum-crc32"],
  ])("%s: refused as a malformed trailer", async (_name, wire, expectedTrailer) => {
    const out = await decode(text(wire), { ...unsigned, expectedTrailer });
    expectFailure(out, "MalformedTrailerError");
  });

  it("takes minio-go's trailers: the canonical lines (LF only), then CRLF, signed or not", async () => {
    const unsignedWire = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\n\r\n\r\n";
    for (const pieces of [[text(unsignedWire)], randomSplit(text(unsignedWire), seededRandom(21), 3)]) {
      const out = await decode(pieces, { ...unsigned, expectedTrailer: "x-amz-checksum-crc32" });
      expect(out.error).toBeUndefined();
      expect(out.decoder.trailers).toEqual({ "x-amz-checksum-crc32": "NhCmhg==" });
    }
    // the CRLF after the LF lines closes them, not the trailers: a body ending there is cut short
    const cut = await decode(text(unsignedWire.slice(0, -2)), { ...unsigned, expectedTrailer: "x-amz-checksum-crc32" });
    expectFailure(cut, "IncompleteBody");
    // signed: the trailer signature covers the same canonical trailers
    const aws = encodeAwsChunked([Buffer.from("hello")], { signing: context, trailers: { "x-amz-checksum-crc32": "NhCmhg==" } }).toString("latin1");
    const minioGo = aws.replace("x-amz-checksum-crc32:NhCmhg==\r\nx-amz-trailer-signature", "x-amz-checksum-crc32:NhCmhg==\n\r\nx-amz-trailer-signature");
    expect(minioGo).not.toBe(aws);
    const options: AwsChunkedOptions = { mode: "streaming-signed-trailer", signing: context, expectedTrailer: "x-amz-checksum-crc32" };
    const out = await decode(randomSplit(text(minioGo), seededRandom(22), 7), options);
    expect(out.error).toBeUndefined();
    expect(out.data.toString()).toBe("hello");
    // and a changed value still fails its signature
    expectFailure(await decode(text(minioGo.replace("NhCmhg==", "AAAAAA==")), options), "SignatureDoesNotMatch");
  });

  it("reads trailer names without case and values trimmed", async () => {
    const out = await decode(text("5\r\nhello\r\n0\r\nX-Amz-Checksum-CRC32 :  NhCmhg== \r\n\r\n"), { ...unsigned, expectedTrailer: "x-amz-checksum-crc32" });
    expect(out.error).toBeUndefined();
    expect(out.decoder.trailers).toEqual({ "x-amz-checksum-crc32": "NhCmhg==" });
  });

  it("signed modes: a chunk without a signature, or with a malformed one, does not match", async () => {
    const signed: AwsChunkedOptions = { mode: "streaming-signed", signing: context };
    expectFailure(await decode(text("5\r\nhello\r\n0\r\n\r\n"), signed), "SignatureDoesNotMatch");
    expectFailure(await decode(text(`5;chunk-signature=${"A".repeat(64)}\r\nhello\r\n`), signed), "SignatureDoesNotMatch");
    expectFailure(await decode(text(`5;chunk-signature=abc\r\nhello\r\n`), signed), "SignatureDoesNotMatch");
    expectFailure(await decode(text(`5;chunk-signatur=${"a".repeat(64)}\r\nhello\r\n`), signed), "SignatureDoesNotMatch");
  });

  it("signed modes: chunks reordered or replayed do not match", async () => {
    const signing = context;
    const one = encodeAwsChunked([Buffer.from("first"), Buffer.from("second")], { signing });
    const s = one.toString("latin1");
    const [h1, h2] = s.match(/[0-9a-f]+;chunk-signature=[0-9a-f]{64}\r\n/g) as string[];
    const swapped = s.replace(h1 + "first", "#").replace(h2 + "second", h1 + "first").replace("#", h2 + "second");
    expectFailure(await decode(text(swapped), { mode: "streaming-signed", signing }), "SignatureDoesNotMatch");
    const replayed = s.replace(h2 + "second\r\n", h1 + "first\r\n" + h2 + "second\r\n");
    expectFailure(await decode(text(replayed), { mode: "streaming-signed", signing }), "SignatureDoesNotMatch");
  });

  it("the signed mode takes no trailer", async () => {
    const wire = encodeAwsChunked([Buffer.from("hello")], { signing: context }).toString("latin1").replace(/\r\n\r\n$/, "\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n");
    expectFailure(await decode(text(wire), { mode: "streaming-signed", signing: context }), "IncompleteBody");
  });

  it("the signed-trailer mode: trailers may be absent altogether", async () => {
    const wire = encodeAwsChunked([Buffer.from("hello")], { signing: context });
    const out = await decode(wire, { mode: "streaming-signed-trailer", signing: context });
    expect(out.error).toBeUndefined();
    expect(out.data.toString()).toBe("hello");
  });

  it("a signed mode without a signing context is a programming error", () => {
    expect(() => new AwsChunkedDecoder({ mode: "streaming-signed" })).toThrow(TypeError);
  });

  it("chunk signatures are lowercase hex HMACs of the documented string", () => {
    const wire = encodeAwsChunked([Buffer.from("x")], { signing: context }).toString("latin1");
    const expected = hmacHex(context.signingKey, chunkStringToSign(context, context.seedSignature, sha256Hex("x")));
    expect(wire.startsWith(`1;chunk-signature=${expected}\r\n`)).toBe(true);
  });
});
