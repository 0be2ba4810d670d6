/**
 * Request bodies as clients in other languages write them. Go's encoding/xml (the AWS SDK for Go,
 * minio-go, rclone, s5cmd) writes `"` as &#34;, `'` as &#39; and tab/LF/CR as &#x9;/&#xA;/&#xD;; the
 * JavaScript SDK writes CR/LF in keys as &#x0D;/&#x0A;. XML says these are the characters they name:
 * a CompleteMultipartUpload must find its parts, a DeleteObjects must delete the keys it names (and
 * not keys spelled with the literal reference). Also: InvalidPart names the part and ETag that did
 * not match, in the answer (as AWS does) and in the log.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { ON_OZONE } from "../support/ozone.js";
import { bucketName, bytes, expectErrorXml, md5Base64, md5Hex, rawRequest, xmlElements } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

/** Text escaped exactly as Go's encoding/xml writes it (and smithy-go, the AWS SDK for Go v2's encoder). */
function goEscape(s: string): string {
  const esc: Record<string, string> = { '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;" };
  return s.replace(/["'&<>\t\n\r]/g, (c) => esc[c]);
}

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

beforeAll(async () => {
  gw = await startGateway({ env: { S3G_LOG_LEVEL: "info" } });
  s3 = gw.client();
  bucket = bucketName("xml-escapes");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

async function listed(prefix: string): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((c) => c.Key!).sort();
}

async function startUpload(key: string, data: Buffer): Promise<{ uploadId: string; etag: string }> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: data }));
  expect(part.ETag).toBe(`"${md5Hex(data)}"`);
  return { uploadId: UploadId!, etag: part.ETag! };
}

function completeBody(parts: { etag: string; partNumber: number }[]): string {
  // aws-sdk-go-v2's CompleteMultipartUpload body: ETag before PartNumber, the ETag's quotes as &#34;
  return `<CompleteMultipartUpload xmlns="${NS}">${parts.map((p) => `<Part><ETag>${goEscape(p.etag)}</ETag><PartNumber>${p.partNumber}</PartNumber></Part>`).join("")}</CompleteMultipartUpload>`;
}

describe("bodies written by Go's XML encoder (signed raw HTTP, byte for byte)", () => {
  it("completes a multipart upload whose ETags are quoted with &#34;", async () => {
    const key = "gocomplete/object";
    const data = bytes(70_000, 7);
    const { uploadId, etag } = await startUpload(key, data);
    const body = completeBody([{ etag, partNumber: 1 }]);
    expect(body).toContain(`<ETag>&#34;${md5Hex(data)}&#34;</ETag>`);
    const res = await rawRequest(gw, { method: "POST", path: `/${bucket}/gocomplete/object`, query: { uploadId }, headers: { "content-type": "application/xml" }, body });
    expect(res.status, res.text).toBe(200);
    expect(xmlElements(res.text, "Key")).toEqual([key]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it("deletes exactly the keys it names: quotes, apostrophes, markup, tab, CR, LF, whitespace, non-ASCII", async () => {
    const keys = ['go/q"uote', "go/apo's", "go/a&b", "go/lt<gt>", "go/tab\tkey", "go/cr\rkey", "go/lf\nkey", "go/crlf\r\nkey", "go/ünï©ødé ✓", "go/  spaced  ", "go/ "];
    // keys spelled with the literal reference: a reader that does not decode references deletes these instead
    const decoys = ["go/q&#34;uote", "go/apo&#39;s", "go/tab&#x9;key", "go/cr&#xD;key", "go/lf&#xA;key"];
    for (const key of [...keys, ...decoys]) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));

    const body = `<Delete xmlns="${NS}">${keys.map((k) => `<Object><Key>${goEscape(k)}</Key></Object>`).join("")}<Quiet>false</Quiet></Delete>`;
    expect(body).toContain("<Key>go/q&#34;uote</Key>");
    expect(body).toContain("<Key>go/crlf&#xD;&#xA;key</Key>");
    const res = await rawRequest(gw, {
      method: "POST",
      path: `/${bucket}`,
      query: { delete: null },
      headers: { "content-type": "application/xml", "content-md5": md5Base64(Buffer.from(body)) },
      body,
    });
    expect(res.status, res.text).toBe(200);
    expect(xmlElements(res.text, "Key").sort()).toEqual([...keys].sort());
    expect(res.text).not.toContain("<Error>");

    for (const key of keys) expect(await exists(key), JSON.stringify(key)).toBe(false);
    for (const key of decoys) expect(await exists(key), JSON.stringify(key)).toBe(true);
    expect(await listed("go/")).toEqual([...decoys].sort());
  });

  it("answers MalformedXML for an HTML entity or a reference to a character XML forbids, deleting nothing", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "bad/nbsp", Body: "x" }));
    for (const key of ["bad/&nbsp;", "bad/&#0;", "bad/&#xD800;", "bad/&#x110000;"]) {
      const body = `<Delete xmlns="${NS}"><Object><Key>bad/nbsp</Key></Object><Object><Key>${key}</Key></Object></Delete>`;
      const res = await rawRequest(gw, {
        method: "POST",
        path: `/${bucket}`,
        query: { delete: null },
        headers: { "content-type": "application/xml", "content-md5": md5Base64(Buffer.from(body)) },
        body,
      });
      expectErrorXml(res, "MalformedXML", 400);
    }
    expect(await exists("bad/nbsp")).toBe(true);
  });
});

describe("the JavaScript SDK", () => {
  it("deletes keys with CR, LF, CR LF, NEL and LINE SEPARATOR (sent as &#x0D; &#x0A; &#x85; &#x2028;)", async () => {
    const keys = ["js/cr\rkey", "js/lf\nkey", "js/crlf\r\nkey", "js/trailing\n", "js/\r", "js/nel\u0085key", "js/ls\u2028key", "js/q\"uote'"];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    expect(await listed("js/")).toEqual([...keys].sort());
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect(r.Errors ?? []).toEqual([]);
    expect((r.Deleted ?? []).map((d) => d.Key).sort()).toEqual([...keys].sort());
    for (const key of keys) expect(await exists(key), JSON.stringify(key)).toBe(false);
    expect(await listed("js/")).toEqual([]);
  });
});

describe("InvalidPart names the part and the ETag that did not match", () => {
  it("in the answer (UploadId, PartNumber, ETag, as AWS) and in the log", async () => {
    const key = "invalid/part";
    const data = bytes(1000, 9);
    const { uploadId } = await startUpload(key, data);
    const wrong = md5Hex(Buffer.from("not the part"));
    const res = await rawRequest(gw, {
      method: "POST",
      path: `/${bucket}/invalid/part`,
      query: { uploadId },
      headers: { "content-type": "application/xml" },
      body: completeBody([{ etag: `"${wrong}"`, partNumber: 1 }]),
    });
    expectErrorXml(res, "InvalidPart", 400);
    expect(xmlElements(res.text, "UploadId")).toEqual([uploadId]);
    expect(xmlElements(res.text, "PartNumber")).toEqual(["1"]);
    expect(xmlElements(res.text, "ETag")).toEqual([wrong]);

    const unknown = await rawRequest(gw, {
      method: "POST",
      path: `/${bucket}/invalid/part`,
      query: { uploadId },
      headers: { "content-type": "application/xml" },
      body: completeBody([{ etag: `"${md5Hex(data)}"`, partNumber: 1 }, { etag: `"${wrong}"`, partNumber: 2 }]),
    });
    expectErrorXml(unknown, "InvalidPart", 400);
    expect(xmlElements(unknown.text, "PartNumber")).toEqual(["2"]);

    // a part checksum that is not the part's is InvalidPart too, naming the part (Ozone keeps no part
    // checksums, so there the completion does not compare them: README, "Running on Apache Ozone")
    if (!ON_OZONE) {
      const badChecksum = await rawRequest(gw, {
        method: "POST",
        path: `/${bucket}/invalid/part`,
        query: { uploadId },
        headers: { "content-type": "application/xml" },
        body: `<CompleteMultipartUpload xmlns="${NS}"><Part><ChecksumCRC32>AAAAAA==</ChecksumCRC32><ETag>&#34;${md5Hex(data)}&#34;</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`,
      });
      expectErrorXml(badChecksum, "InvalidPart", 400);
      expect(xmlElements(badChecksum.text, "PartNumber")).toEqual(["1"]);
      expect(xmlElements(badChecksum.text, "ETag")).toEqual([md5Hex(data)]);
    }

    // the log reaches the output asynchronously
    const logged = () => gw.output().split("\n").filter((l) => l.includes('"InvalidPart: '));
    const expected = ON_OZONE ? 2 : 3;
    for (let i = 0; i < 100 && logged().length < expected; i++) await new Promise((r) => setTimeout(r, 20));
    // in any order: with several workers, each writes its own lines, and they interleave as they come
    const lines = logged().map((l) => JSON.parse(l) as { partNumber?: number; etag?: string; uploadId?: string; msg: string });
    expect(lines).toHaveLength(expected);
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ uploadId, partNumber: 1, etag: wrong, msg: `InvalidPart: part 1 was uploaded with ETag ${md5Hex(data)}, not with ETag ${wrong}` }),
      expect.objectContaining({ uploadId, partNumber: 2, etag: wrong, msg: `InvalidPart: part 2 was not uploaded, not with ETag ${wrong}` }),
      ...(ON_OZONE ? [] : [expect.objectContaining({ uploadId, partNumber: 1, etag: md5Hex(data), msg: expect.stringMatching(/^InvalidPart: part 1 has (no checksum|CRC32 \S+), not CRC32 AAAAAA==$/) })]),
    ]));
  });
});
