/**
 * Object listings with the real AWS SDK: ListObjects (v1), ListObjectsV2 and ListObjectVersions
 * (unversioned buckets: every object is version "null").
 */
import {
  CreateBucketCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type ListObjectsCommandOutput,
  type ListObjectsV2CommandOutput,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, expectS3Error, md5Hex, rawRequest, xmlElements } from "./helpers.js";

let gw: RunningGateway;
let s3: S3Client;
let bucket: string;

/** Keys chosen to exercise ordering, prefixes, delimiters and URL encoding. */
const KEYS = [
  "a.txt",
  "dir1/a",
  "dir1/b",
  "dir1/sub/c",
  "dir1/sub/d",
  "dir2/x",
  "dir2/y/z",
  "space key.txt",
  "plus+sign",
  "percent%25literal",
  "amp&lt<gt>",
  "ünïcödé/日本",
  "z",
  "Z-upper",
  // U+FF01 sorts before U+1F600 in UTF-16 code units but after it in UTF-8 bytes (S3's order).
  "\uFF01fullwidth",
  "\u{1F600}emoji",
];

/** UTF-8 binary order, S3's listing order. */
function s3Order(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
}

/** Decodes a name from an encoding-type=url listing (S3 may write a space as "+" or "%20"). */
function urlDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, " "));
}

async function listAllV2(params: { Prefix?: string; Delimiter?: string; MaxKeys?: number; StartAfter?: string }) {
  const keys: string[] = [];
  const prefixes: string[] = [];
  const pages: ListObjectsV2CommandOutput[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...params, ContinuationToken: token }));
    pages.push(res);
    keys.push(...(res.Contents ?? []).map((o) => o.Key!));
    prefixes.push(...(res.CommonPrefixes ?? []).map((p) => p.Prefix!));
    token = res.NextContinuationToken;
    if (res.IsTruncated) expect(token).toBeDefined();
    else expect(token).toBeUndefined();
  } while (token !== undefined && pages.length < 100);
  return { keys, prefixes, pages };
}

beforeAll(async () => {
  gw = await startGateway();
  s3 = gw.client();
  bucket = bucketName("listing");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of KEYS) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
});

afterAll(async () => {
  s3?.destroy();
  await gw?.stop();
});

describe("ListObjectsV2", () => {
  it("lists every key once, in UTF-8 binary order, with size, ETag, date and storage class", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(res.Name).toBe(bucket);
    expect(res.IsTruncated).toBe(false);
    expect(res.MaxKeys).toBe(1000);
    expect(res.KeyCount).toBe(KEYS.length);
    expect(res.Contents!.map((o) => o.Key)).toEqual(s3Order(KEYS));
    for (const o of res.Contents!) {
      const body = Buffer.from(`body of ${o.Key}`);
      expect(o.Size).toBe(body.length);
      expect(o.ETag).toBe(`"${md5Hex(body)}"`);
      expect(o.LastModified).toBeInstanceOf(Date);
      expect(o.StorageClass).toBe("STANDARD");
      expect(o.Owner).toBeUndefined();
    }
  });

  it("groups keys under a delimiter into CommonPrefixes, counted in KeyCount", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    const expectedPrefixes = s3Order(["dir1/", "dir2/", "ünïcödé/"]);
    const expectedKeys = s3Order(KEYS.filter((k) => !k.includes("/")));
    expect(res.CommonPrefixes!.map((p) => p.Prefix)).toEqual(expectedPrefixes);
    expect(res.Contents!.map((o) => o.Key)).toEqual(expectedKeys);
    expect(res.KeyCount).toBe(expectedPrefixes.length + expectedKeys.length);
    expect(res.Delimiter).toBe("/");
  });

  it("combines prefix and delimiter", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir1/", Delimiter: "/" }));
    expect(res.Prefix).toBe("dir1/");
    expect(res.Contents!.map((o) => o.Key)).toEqual(["dir1/a", "dir1/b"]);
    expect(res.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["dir1/sub/"]);
    const none = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "no-such-prefix/" }));
    expect(none.Contents).toBeUndefined();
    expect(none.KeyCount).toBe(0);
    expect(none.IsTruncated).toBe(false);
  });

  it("pages with max-keys and continuation tokens, without losing or repeating a key", async () => {
    const { keys, pages } = await listAllV2({ MaxKeys: 3 });
    expect(keys).toEqual(s3Order(KEYS));
    expect(pages.length).toBe(Math.ceil(KEYS.length / 3));
    for (const page of pages) {
      expect(page.MaxKeys).toBe(3);
      expect(page.KeyCount).toBe(page.Contents!.length);
      expect(page.Contents!.length).toBeLessThanOrEqual(3);
    }
    // the request's token is echoed back
    expect(pages[1].ContinuationToken).toBe(pages[0].NextContinuationToken);
  });

  it("pages over common prefixes too (each prefix is one entry of max-keys)", async () => {
    const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    const { keys, prefixes, pages } = await listAllV2({ Delimiter: "/", MaxKeys: 2 });
    expect(keys).toEqual(all.Contents!.map((o) => o.Key));
    expect(prefixes).toEqual(all.CommonPrefixes!.map((p) => p.Prefix));
    for (const page of pages) expect(page.KeyCount).toBeLessThanOrEqual(2);
  });

  it("starts after start-after (exclusive), and echoes it", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: "dir1/sub/c" }));
    expect(res.StartAfter).toBe("dir1/sub/c");
    const sorted = s3Order(KEYS);
    expect(res.Contents!.map((o) => o.Key)).toEqual(sorted.slice(sorted.indexOf("dir1/sub/c") + 1));
    const between = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: "dir1/aa" }));
    expect(between.Contents![0].Key).toBe("dir1/b");
  });

  it("answers no keys for max-keys 0", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    expect(res.Contents).toBeUndefined();
    expect(res.KeyCount).toBe(0);
    expect(res.MaxKeys).toBe(0);
  });

  it("percent-encodes keys, prefixes and the delimiter with encoding-type=url", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: "url" }));
    expect(res.EncodingType).toBe("url");
    const raw = res.Contents!.map((o) => o.Key!);
    expect(raw.map(urlDecode)).toEqual(s3Order(KEYS));
    for (const k of raw) {
      expect(k).not.toMatch(/[ &<>\u0080-\u{10FFFF}]/u);
      expect(k).toMatch(/^[A-Za-z0-9%+._~!*'()/-]*$/);
    }
    expect(raw).toContain("plus%2Bsign");
    expect(raw).toContain("percent%2525literal");
    // "/" stays readable
    expect(raw).toContain("dir1/sub/c");

    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: "url", Prefix: "ünïcödé/", Delimiter: "日" }));
    expect(urlDecode(grouped.Prefix!)).toBe("ünïcödé/");
    expect(grouped.Prefix).not.toBe("ünïcödé/");
    expect(urlDecode(grouped.Delimiter!)).toBe("日");
    expect(grouped.CommonPrefixes!.map((p) => urlDecode(p.Prefix!))).toEqual(["ünïcödé/日"]);
  });

  it("names the owner only with fetch-owner=true, with the id ListBuckets shows", async () => {
    const owner = (await s3.send(new ListBucketsCommand({}))).Owner!;
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true, MaxKeys: 2 }));
    for (const o of res.Contents!) expect(o.Owner).toEqual({ ID: owner.ID, DisplayName: owner.DisplayName });
    const without = await s3.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: false, MaxKeys: 2 }));
    for (const o of without.Contents!) expect(o.Owner).toBeUndefined();
  });

  it("refuses a continuation token it did not issue", async () => {
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: "not a token!" })), "InvalidArgument", 400);
  });

  it("refuses a negative max-keys", async () => {
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: -1 })), "InvalidArgument", 400);
  });

  it("refuses an encoding-type other than url", async () => {
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: "base64" as "url" })), "InvalidArgument", 400);
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new ListObjectsV2Command({ Bucket: bucketName("missing") })), "NoSuchBucket", 404);
  });

  it("writes the documented XML (namespace, KeyCount, no NextContinuationToken when complete)", async () => {
    const raw = await rawRequest(gw, { method: "GET", path: `/${bucket}`, query: { "list-type": "2", prefix: "dir2/" } });
    expect(raw.status).toBe(200);
    expect(raw.headers["content-type"]).toMatch(/^application\/xml/);
    expect(raw.text).toMatch(/<ListBucketResult xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/">/);
    expect(xmlElements(raw.text, "Key")).toEqual(["dir2/x", "dir2/y/z"]);
    expect(xmlElements(raw.text, "KeyCount")).toEqual(["2"]);
    expect(xmlElements(raw.text, "IsTruncated")).toEqual(["false"]);
    expect(raw.text).not.toContain("NextContinuationToken");
  });
});

describe("ListObjects (v1)", () => {
  it("lists every key in order with owners", async () => {
    const res = await s3.send(new ListObjectsCommand({ Bucket: bucket }));
    expect(res.Name).toBe(bucket);
    expect(res.IsTruncated).toBe(false);
    expect(res.Contents!.map((o) => o.Key)).toEqual(s3Order(KEYS));
    expect(res.Contents![0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });

  it("pages with marker; NextMarker comes only with a delimiter", async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 100; i++) {
      const res: ListObjectsCommandOutput = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 4, Marker: marker }));
      expect(res.NextMarker).toBeUndefined();
      expect(res.Marker ?? "").toBe(marker ?? "");
      seen.push(...res.Contents!.map((o) => o.Key!));
      if (!res.IsTruncated) break;
      marker = res.Contents![res.Contents!.length - 1].Key;
    }
    expect(seen).toEqual(s3Order(KEYS));

    const keys: string[] = [];
    const prefixes: string[] = [];
    marker = undefined;
    for (let i = 0; i < 100; i++) {
      const res: ListObjectsCommandOutput = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: "/", MaxKeys: 2, Marker: marker }));
      keys.push(...(res.Contents ?? []).map((o) => o.Key!));
      prefixes.push(...(res.CommonPrefixes ?? []).map((p) => p.Prefix!));
      if (!res.IsTruncated) {
        expect(res.NextMarker).toBeUndefined();
        break;
      }
      expect(res.NextMarker).toBeDefined();
      marker = res.NextMarker;
    }
    expect(prefixes).toEqual(s3Order(["dir1/", "dir2/", "ünïcödé/"]));
    expect(keys).toEqual(s3Order(KEYS.filter((k) => !k.includes("/"))));
  });

  it("percent-encodes with encoding-type=url", async () => {
    const res = await s3.send(new ListObjectsCommand({ Bucket: bucket, EncodingType: "url", Prefix: "space" }));
    expect(res.Contents!.map((o) => urlDecode(o.Key!))).toEqual(["space key.txt"]);
    expect(res.Contents![0].Key).not.toContain(" ");
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new ListObjectsCommand({ Bucket: bucketName("missing") })), "NoSuchBucket", 404);
  });
});

describe("ListObjectVersions (unversioned bucket)", () => {
  it("lists each object as its one version, null, the latest, with no delete markers", async () => {
    const res = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(res.Name).toBe(bucket);
    expect(res.IsTruncated).toBe(false);
    expect(res.Versions!.map((v) => v.Key)).toEqual(s3Order(KEYS));
    for (const v of res.Versions!) {
      expect(v.VersionId).toBe("null");
      expect(v.IsLatest).toBe(true);
      expect(v.ETag).toBe(`"${md5Hex(Buffer.from(`body of ${v.Key}`))}"`);
      expect(v.Size).toBe(Buffer.byteLength(`body of ${v.Key}`));
      expect(v.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(res.DeleteMarkers).toBeUndefined();
  });

  it("pages with key-marker / version-id-marker as s3-tests' cleanup does", async () => {
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let i = 0; i < 100; i++) {
      const res: ListObjectVersionsCommandOutput = await s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 5, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
      seen.push(...(res.Versions ?? []).map((v) => v.Key!));
      if (!res.IsTruncated) break;
      expect(res.NextVersionIdMarker).toBe("null");
      keyMarker = res.NextKeyMarker;
      versionIdMarker = res.NextVersionIdMarker;
    }
    expect(seen).toEqual(s3Order(KEYS));
  });

  it("refuses a version-id-marker without a key-marker (InvalidArgument)", async () => {
    await expectS3Error(s3.send(new ListObjectVersionsCommand({ Bucket: bucket, VersionIdMarker: "null" })), "InvalidArgument", 400);
  });

  it("groups by prefix and delimiter", async () => {
    const res = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "dir", Delimiter: "/" }));
    expect(res.Versions).toBeUndefined();
    expect(res.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["dir1/", "dir2/"]);
  });

  it("answers NoSuchBucket for a missing bucket", async () => {
    await expectS3Error(s3.send(new ListObjectVersionsCommand({ Bucket: bucketName("missing") })), "NoSuchBucket", 404);
  });
});
