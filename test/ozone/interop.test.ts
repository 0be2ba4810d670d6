/**
 * Interoperability with Ozone's own Java S3 gateway (2.2.0) on the same cluster and the same S3
 * volume (s3v): objects written through this gateway read back through the Java one and the other
 * way round (bytes, ETags, user metadata, ranges, parts, listings, tags, tag sets replaced through
 * either with Put/DeleteObjectTagging), and a delete through
 * either is seen by both. Both sides use the AWS SDK with the same access key (security is off on
 * the test cluster, so the Java gateway takes any key; the same key makes the buckets' owners line
 * up, which this gateway checks).
 *
 * What Ozone 2.2.0's gateway does differently, as observed here (and asserted, so a change shows):
 * - it stores only user metadata and the ETag: a Content-Type sent to it is dropped (HEAD answers
 *   binary/octet-stream, GET application/octet-stream);
 * - its HeadObject returns every non-ETag entry of the key's metadata as x-amz-meta-*, so the
 *   system metadata this gateway stores (Content-Type, and the S3 checksum of a single PUT under
 *   ozone-s3-internal-x-checksum) shows through it as user metadata;
 * - its GetObject returns no x-amz-meta-* at all (only HeadObject does).
 * Not asserted, only noted: in listings the Java gateway names the cluster's STAND_ALONE/ONE keys
 * REDUCED_REDUNDANCY where this gateway says STANDARD, and its HeadObject also sends
 * x-amz-tagging-count and x-amz-mp-parts-count (this gateway's HEAD sends neither; its GET sends
 * x-amz-tagging-count).
 *
 * The Java gateway takes the SDK's defaults (flexible checksums: an x-amz-checksum-crc32 header
 * for a Buffer body, aws-chunked with a trailer, STREAMING-UNSIGNED-PAYLOAD-TRAILER, for a stream),
 * so neither client changes requestChecksumCalculation / responseChecksumValidation.
 */
import { randomBytes } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
  type GetObjectCommandOutput,
  type Tag,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ozoneMultipartEtag } from "../../runtime/storage/ozone/store.js";
import { bucketName, checksumOf, expectBodilessError, md5Hex, REGION, streamOf } from "../integration/helpers.js";
import { keyInfoReplication, ozoneEndpoints, settled } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";

const ozone = ozoneEndpoints();

const MiB = 1024 * 1024;

/**
 * Puts a non-ASCII header value on the wire as its UTF-8 bytes, which is what SigV4 signs (the
 * SDK hashes the UTF-8 of the canonical request). Left alone, node refuses characters beyond
 * U+00FF in a header and sends U+0080..U+00FF as single latin1 bytes, so the signature would not
 * cover the bytes sent (this gateway then answers SignatureDoesNotMatch; the Java gateway, which
 * checks no signature with security off, would store the latin1 bytes). ASCII headers are not
 * touched. (Node also UTF-8-encodes the header block once more when the first body chunk is a
 * string; every body here is a Buffer or a stream of Buffers.)
 */
class Utf8HeaderHandler extends NodeHttpHandler {
  override handle(...[request, options]: Parameters<NodeHttpHandler["handle"]>): ReturnType<NodeHttpHandler["handle"]> {
    for (const [name, value] of Object.entries(request.headers)) {
      // eslint-disable-next-line no-control-regex
      if (/[^\x00-\x7f]/.test(value)) request.headers[name] = Buffer.from(value, "utf8").toString("latin1");
    }
    return super.handle(request, options);
  }
}

/** A tag set as a map: neither gateway promises an order (the OM keeps a map). */
function tagMap(tagSet: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tagSet ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}

function tagSet(map: Record<string, string>): Tag[] {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}

/** node hands response header values over as latin1 (one char per byte): the UTF-8 they carry. */
function metadataOf(output: { Metadata?: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(Object.entries(output.Metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, "latin1").toString("utf8")]));
}

async function bodyOf(output: GetObjectCommandOutput): Promise<Buffer> {
  return Buffer.from(await output.Body!.transformToByteArray());
}

function client(endpoint: string, gw: RunningGateway): S3Client {
  return new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    maxAttempts: 1,
    requestHandler: new Utf8HeaderHandler(),
  });
}

interface Multipart {
  key: string;
  parts: Buffer[];
  whole: Buffer;
  etag: string;
}

async function uploadMultipart(
  s3: S3Client,
  bucket: string,
  key: string,
  opts: { metadata: Record<string, string>; contentType?: string; tagging?: string },
): Promise<Multipart> {
  const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Metadata: opts.metadata, ContentType: opts.contentType, Tagging: opts.tagging }),
  );
  const listed: { PartNumber: number; ETag: string }[] = [];
  for (const [i, body] of parts.entries()) {
    const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }));
    expect(r.ETag).toBe(`"${md5Hex(body)}"`);
    listed.push({ PartNumber: i + 1, ETag: r.ETag! });
  }
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: listed } }));
  return { key, parts, whole: Buffer.concat(parts), etag: done.ETag! };
}

/** Deletes every object and upload of `bucket`, then the bucket; a bucket already gone is fine. */
async function removeBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as { name?: string }).name !== "NoSuchBucket") throw err;
  }
}

if (ozone === undefined) {
  describe.skip("interop with Ozone's Java S3 gateway (S3G_TEST_OZONE=0)", () => it("needs the Ozone test cluster", () => {}));
} else {
  describe("interop with Ozone's Java S3 gateway, same cluster, volume s3v", () => {
    let gw: RunningGateway;
    let ours: S3Client;
    let java: S3Client;
    const oursBucket = bucketName("interop-ours");
    const javaBucket = bucketName("interop-java");
    // user metadata: two keys, one with a non-ASCII value (Latin-1 range, beyond it, and CJK)
    const userMetadata = { color: "blue", note: "héllo ✓ 東京" };

    beforeAll(async () => {
      // --backend given here: startGateway creates no private volume, the gateway uses s3v
      gw = await startGateway({ args: ["--backend", "ozone", "--ozone-om-address", ozone.omGrpc] });
      ours = client(gw.endpoint, gw);
      java = client(ozone.s3g, gw);
    });

    afterAll(async () => {
      try {
        if (ours) {
          await removeBucket(ours, oursBucket);
          await removeBucket(ours, javaBucket);
        }
      } finally {
        ours?.destroy();
        java?.destroy();
        await gw?.stop();
      }
    });

    describe("written through ours, read through Java", () => {
      const single = { key: "ours/single.bin", body: randomBytes(MiB + 17), contentType: "application/x-interop-single" };
      const empty = { key: "ours/empty", body: Buffer.alloc(0), contentType: "text/plain" };
      const put: Record<string, { etag: string; crc32: string }> = {};
      let multi: Multipart;

      beforeAll(async () => {
        await ours.send(new CreateBucketCommand({ Bucket: oursBucket }));
        for (const o of [single, empty]) {
          const r = await ours.send(new PutObjectCommand({ Bucket: oursBucket, Key: o.key, Body: o.body, Metadata: userMetadata, ContentType: o.contentType }));
          put[o.key] = { etag: r.ETag!, crc32: r.ChecksumCRC32! };
        }
        multi = await uploadMultipart(ours, oursBucket, "ours/multi.bin", { metadata: userMetadata, contentType: "application/x-interop-multi" });
      });

      it("a single PUT: same bytes, ETag and user metadata through Java (plus our system metadata as x-amz-meta-*)", async () => {
        expect(put[single.key].etag).toBe(`"${md5Hex(single.body)}"`);
        // the SDK's default checksum, which this gateway keeps with the key
        expect(put[single.key].crc32).toBe(checksumOf("CRC32", single.body));

        const got = await java.send(new GetObjectCommand({ Bucket: oursBucket, Key: single.key }));
        const body = await bodyOf(got);
        expect(md5Hex(body)).toBe(md5Hex(single.body));
        expect(body.equals(single.body)).toBe(true);
        expect(got.ETag).toBe(put[single.key].etag);
        expect(got.ContentLength).toBe(single.body.length);
        // Ozone 2.2.0: GetObject sends no x-amz-meta-* (HeadObject does)
        expect(metadataOf(got)).toEqual({});

        const head = await java.send(new HeadObjectCommand({ Bucket: oursBucket, Key: single.key }));
        expect(head.ETag).toBe(put[single.key].etag);
        expect(head.ContentLength).toBe(single.body.length);
        const meta = metadataOf(head);
        expect({ color: meta.color, note: meta.note }).toEqual(userMetadata);
        // Observed extras: Ozone 2.2.0 returns every non-ETag entry as x-amz-meta-*, so this
        // gateway's Content-Type and stored S3 checksum show up as "content-type" and
        // "ozone-s3-internal-x-checksum"; the Content-Type header itself is Java's default.
        expect(meta).toEqual({
          ...userMetadata,
          "content-type": single.contentType,
          "ozone-s3-internal-x-checksum": `CRC32:FULL_OBJECT:${checksumOf("CRC32", single.body)}`,
        });
        expect(head.ContentType).toBe("binary/octet-stream");
      });

      it("an empty object: empty body, the empty MD5 as ETag, user metadata through Java", async () => {
        expect(put[empty.key].etag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
        const got = await java.send(new GetObjectCommand({ Bucket: oursBucket, Key: empty.key }));
        expect((await bodyOf(got)).length).toBe(0);
        expect(got.ETag).toBe(put[empty.key].etag);

        const head = await java.send(new HeadObjectCommand({ Bucket: oursBucket, Key: empty.key }));
        expect(head.ContentLength).toBe(0);
        expect(head.ETag).toBe(put[empty.key].etag);
        // same extras as above (the CRC32 of nothing is AAAAAA==)
        expect(metadataOf(head)).toEqual({
          ...userMetadata,
          "content-type": empty.contentType,
          "ozone-s3-internal-x-checksum": "CRC32:FULL_OBJECT:AAAAAA==",
        });
      });

      it("a multipart upload: same bytes, ETag, user metadata, ranges across a part boundary and parts through Java", async () => {
        // the OM makes the ETag, its own way (MD5 of the parts' hex ETags), for either gateway
        expect(multi.etag).toBe(`"${ozoneMultipartEtag(multi.parts.map(md5Hex))}"`);

        const got = await java.send(new GetObjectCommand({ Bucket: oursBucket, Key: multi.key }));
        const body = await bodyOf(got);
        expect(body.length).toBe(multi.whole.length);
        expect(md5Hex(body)).toBe(md5Hex(multi.whole));
        expect(got.ETag).toBe(multi.etag);

        const head = await java.send(new HeadObjectCommand({ Bucket: oursBucket, Key: multi.key }));
        expect(head.ETag).toBe(multi.etag);
        expect(head.ContentLength).toBe(multi.whole.length);
        expect(head.PartsCount).toBe(3);
        // Observed extra: only "content-type" (a completed upload keeps no S3 checksum here)
        expect(metadataOf(head)).toEqual({ ...userMetadata, "content-type": "application/x-interop-multi" });

        // 100 bytes either side of the part 1 / part 2 boundary
        const [start, end] = [5 * MiB - 100, 5 * MiB + 99];
        const range = await java.send(new GetObjectCommand({ Bucket: oursBucket, Key: multi.key, Range: `bytes=${start}-${end}` }));
        expect(range.$metadata.httpStatusCode).toBe(206);
        expect(range.ContentRange).toBe(`bytes ${start}-${end}/${multi.whole.length}`);
        const slice = await bodyOf(range);
        expect(slice.equals(multi.whole.subarray(start, end + 1))).toBe(true);
        expect(slice.subarray(100).equals(multi.parts[1].subarray(0, 100))).toBe(true);

        const part2 = await java.send(new GetObjectCommand({ Bucket: oursBucket, Key: multi.key, PartNumber: 2 }));
        expect((await bodyOf(part2)).equals(multi.parts[1])).toBe(true);
        expect(part2.PartsCount).toBe(3);
      });

      it("ListObjectsV2 through Java shows the keys with their sizes and ETags", async () => {
        const list = await java.send(new ListObjectsV2Command({ Bucket: oursBucket }));
        expect((list.Contents ?? []).map((o) => ({ Key: o.Key, Size: o.Size, ETag: o.ETag }))).toEqual([
          { Key: empty.key, Size: 0, ETag: put[empty.key].etag },
          { Key: multi.key, Size: multi.whole.length, ETag: multi.etag },
          { Key: single.key, Size: single.body.length, ETag: put[single.key].etag },
        ]);
        expect(list.KeyCount).toBe(3);
        expect(list.IsTruncated).toBe(false);
      });
    });

    describe("RATIS/ONE keys through both gateways", () => {
      it("reads a RATIS/ONE key Java wrote (several blocks) byte for byte, shown with the storage class it was written with", async () => {
        // Java maps REDUCED_REDUNDANCY to RATIS/ONE, which a single datanode can hold
        const bucket = `${javaBucket}-ratis`;
        const data = randomBytes(9 * MiB + 5);
        await java.send(new CreateBucketCommand({ Bucket: bucket }));
        try {
          const r = await java.send(new PutObjectCommand({ Bucket: bucket, Key: "ratis.bin", Body: data, StorageClass: "REDUCED_REDUNDANCY" }));
          const head = await ours.send(new HeadObjectCommand({ Bucket: bucket, Key: "ratis.bin" }));
          // the key's replication read back from the OM: RATIS/ONE maps back to REDUCED_REDUNDANCY
          expect(head.StorageClass).toBe("REDUCED_REDUNDANCY");
          expect(head.ETag).toBe(r.ETag);
          const got = await ours.send(new GetObjectCommand({ Bucket: bucket, Key: "ratis.bin" }));
          expect((await bodyOf(got)).equals(data)).toBe(true);
          const start = 4 * MiB - 10;
          const ranged = await ours.send(new GetObjectCommand({ Bucket: bucket, Key: "ratis.bin", Range: `bytes=${start}-${start + 19}` }));
          expect((await bodyOf(ranged)).equals(data.subarray(start, start + 20))).toBe(true);
        } finally {
          await ours.send(new DeleteObjectCommand({ Bucket: bucket, Key: "ratis.bin" }));
          await ours.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
      });

      it("writes RATIS/ONE keys (several blocks, and multipart) that Java reads byte for byte as REDUCED_REDUNDANCY", async () => {
        // Java's reader checks every chunk's checksums, and asks the datanode for the block at the
        // commit sequence id this gateway recorded (the PutBlock's Raft log index)
        const bucket = `${oursBucket}-ratis`;
        const data = randomBytes(9 * MiB + 7);
        await ours.send(new CreateBucketCommand({ Bucket: bucket }));
        try {
          const r = await ours.send(new PutObjectCommand({ Bucket: bucket, Key: "ours-ratis.bin", Body: data, StorageClass: "REDUCED_REDUNDANCY" }));
          const head = await java.send(new HeadObjectCommand({ Bucket: bucket, Key: "ours-ratis.bin" }));
          expect(head.StorageClass).toBe("REDUCED_REDUNDANCY");
          expect(head.ETag).toBe(r.ETag);
          const got = await java.send(new GetObjectCommand({ Bucket: bucket, Key: "ours-ratis.bin" }));
          expect((await bodyOf(got)).equals(data)).toBe(true);

          const parts = [randomBytes(5 * MiB + 3), randomBytes(MiB + 1)];
          const upload = await ours.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "ours-ratis-mp.bin", StorageClass: "REDUCED_REDUNDANCY" }));
          const etags: string[] = [];
          for (const [i, body] of parts.entries()) {
            const part = await ours.send(new UploadPartCommand({ Bucket: bucket, Key: "ours-ratis-mp.bin", UploadId: upload.UploadId, PartNumber: i + 1, Body: body }));
            etags.push(part.ETag!);
          }
          await ours.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: "ours-ratis-mp.bin",
              UploadId: upload.UploadId,
              MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
            }),
          );
          const mpHead = await java.send(new HeadObjectCommand({ Bucket: bucket, Key: "ours-ratis-mp.bin" }));
          expect(mpHead.StorageClass).toBe("REDUCED_REDUNDANCY");
          const mp = await java.send(new GetObjectCommand({ Bucket: bucket, Key: "ours-ratis-mp.bin" }));
          expect((await bodyOf(mp)).equals(Buffer.concat(parts))).toBe(true);
        } finally {
          await ours.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "ours-ratis.bin" }, { Key: "ours-ratis-mp.bin" }] } }));
          await ours.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
      });
    });

    describe("written through Java, read through ours", () => {
      const single = { key: "java/single.bin", body: randomBytes(MiB + 29) };
      const empty = { key: "java/empty", body: Buffer.alloc(0) };
      // a stream body: the SDK sends it aws-chunked with a CRC32 trailer, which Ozone 2.2.0 decodes
      const streamed = { key: "java/streamed.bin", body: randomBytes(200_000) };
      const put: Record<string, string> = {};
      let multi: Multipart;

      beforeAll(async () => {
        await java.send(new CreateBucketCommand({ Bucket: javaBucket }));
        for (const o of [single, empty]) {
          const r = await java.send(
            new PutObjectCommand({
              Bucket: javaBucket,
              Key: o.key,
              Body: o.body,
              Metadata: userMetadata,
              // dropped by Ozone 2.2.0 (it stores only user metadata and the ETag)
              ContentType: "application/x-interop-java",
              Tagging: "team=storage&stage=test",
            }),
          );
          put[o.key] = r.ETag!;
        }
        const r = await java.send(
          new PutObjectCommand({ Bucket: javaBucket, Key: streamed.key, Body: streamOf(streamed.body), ContentLength: streamed.body.length }),
        );
        put[streamed.key] = r.ETag!;
        // no Content-MD5 needed: Ozone 2.2.0 takes the SDK's default part uploads
        multi = await uploadMultipart(java, javaBucket, "java/multi.bin", { metadata: userMetadata, tagging: "team=storage&stage=test&x=1" });
      });

      it("Java took the tags (its own GetObjectTagging)", async () => {
        const tags = await java.send(new GetObjectTaggingCommand({ Bucket: javaBucket, Key: single.key }));
        expect([...(tags.TagSet ?? [])].sort((a, b) => a.Key!.localeCompare(b.Key!))).toEqual([
          { Key: "stage", Value: "test" },
          { Key: "team", Value: "storage" },
        ]);
      });

      it("a single PUT: same bytes, ETag, user metadata, length and tag count through ours", async () => {
        expect(put[single.key]).toBe(`"${md5Hex(single.body)}"`);

        const got = await ours.send(new GetObjectCommand({ Bucket: javaBucket, Key: single.key }));
        const body = await bodyOf(got);
        expect(md5Hex(body)).toBe(md5Hex(single.body));
        expect(body.equals(single.body)).toBe(true);
        expect(got.ETag).toBe(put[single.key]);
        expect(metadataOf(got)).toEqual(userMetadata);
        expect(got.TagCount).toBe(2);
        expect(tagMap((await ours.send(new GetObjectTaggingCommand({ Bucket: javaBucket, Key: single.key }))).TagSet)).toEqual({ team: "storage", stage: "test" });

        const head = await ours.send(new HeadObjectCommand({ Bucket: javaBucket, Key: single.key }));
        expect(head.ContentLength).toBe(single.body.length);
        expect(head.ETag).toBe(put[single.key]);
        expect(metadataOf(head)).toEqual(userMetadata);
        // Java did not store the Content-Type it was sent: the S3 default
        expect(head.ContentType).toBe("binary/octet-stream");
      });

      it("an empty object and an aws-chunked one through ours", async () => {
        const e = await ours.send(new GetObjectCommand({ Bucket: javaBucket, Key: empty.key }));
        expect((await bodyOf(e)).length).toBe(0);
        expect(e.ETag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
        expect(put[empty.key]).toBe(e.ETag);
        expect(metadataOf(e)).toEqual(userMetadata);
        const eh = await ours.send(new HeadObjectCommand({ Bucket: javaBucket, Key: empty.key }));
        expect(eh.ContentLength).toBe(0);

        const s = await ours.send(new GetObjectCommand({ Bucket: javaBucket, Key: streamed.key }));
        expect((await bodyOf(s)).equals(streamed.body)).toBe(true);
        expect(s.ETag).toBe(`"${md5Hex(streamed.body)}"`);
        expect(put[streamed.key]).toBe(s.ETag);
        expect(metadataOf(s)).toEqual({});
      });

      it("a multipart upload: same bytes, ETag and user metadata through ours; partNumber=2 is exactly part 2", async () => {
        expect(multi.etag).toBe(`"${ozoneMultipartEtag(multi.parts.map(md5Hex))}"`);

        const got = await ours.send(new GetObjectCommand({ Bucket: javaBucket, Key: multi.key }));
        const body = await bodyOf(got);
        expect(body.length).toBe(multi.whole.length);
        expect(md5Hex(body)).toBe(md5Hex(multi.whole));
        expect(got.ETag).toBe(multi.etag);
        expect(metadataOf(got)).toEqual(userMetadata);
        expect(got.TagCount).toBe(3);

        const head = await ours.send(new HeadObjectCommand({ Bucket: javaBucket, Key: multi.key }));
        expect(head.ContentLength).toBe(multi.whole.length);
        expect(head.ETag).toBe(multi.etag);
        expect(metadataOf(head)).toEqual(userMetadata);

        const part2 = await ours.send(new GetObjectCommand({ Bucket: javaBucket, Key: multi.key, PartNumber: 2 }));
        expect(part2.$metadata.httpStatusCode).toBe(206);
        expect(part2.ContentLength).toBe(5 * MiB);
        expect(part2.ContentRange).toBe(`bytes ${5 * MiB}-${10 * MiB - 1}/${multi.whole.length}`);
        expect(part2.PartsCount).toBe(3);
        expect(part2.ETag).toBe(multi.etag);
        const bytes2 = await bodyOf(part2);
        expect(md5Hex(bytes2)).toBe(md5Hex(multi.parts[1]));
        expect(bytes2.equals(multi.parts[1])).toBe(true);
      });

      it("ListObjectsV2 through ours shows the keys with their sizes and ETags", async () => {
        const list = await ours.send(new ListObjectsV2Command({ Bucket: javaBucket }));
        expect((list.Contents ?? []).map((o) => ({ Key: o.Key, Size: o.Size, ETag: o.ETag }))).toEqual([
          { Key: empty.key, Size: 0, ETag: put[empty.key] },
          { Key: multi.key, Size: multi.whole.length, ETag: multi.etag },
          { Key: single.key, Size: single.body.length, ETag: put[single.key] },
          { Key: streamed.key, Size: streamed.body.length, ETag: put[streamed.key] },
        ]);
        expect(list.KeyCount).toBe(4);
      });
    });

    // CI's cluster has three datanodes and Ozone's defaults: what both gateways wrote above as
    // STANDARD is RATIS/THREE, and Ozone's own CLI says so
    it.runIf(ozone.datanodes >= 3)("`ozone sh key info` shows RATIS/THREE for STANDARD keys written through ours (single and multipart) and through Java", async () => {
      expect(await keyInfoReplication("s3v", oursBucket, "ours/single.bin")).toBe("RATIS/THREE");
      expect(await keyInfoReplication("s3v", oursBucket, "ours/multi.bin")).toBe("RATIS/THREE");
      expect(await keyInfoReplication("s3v", javaBucket, "java/single.bin")).toBe("RATIS/THREE");
    });

    describe("tags set through one are the tags of the other (the OM's S3 tagging requests)", () => {
      const tagsBucket = bucketName("interop-tags");

      beforeAll(async () => {
        await ours.send(new CreateBucketCommand({ Bucket: tagsBucket }));
        await ours.send(new PutObjectCommand({ Bucket: tagsBucket, Key: "by-ours", Body: "written through ours", Tagging: "first=ours" }));
        await java.send(new PutObjectCommand({ Bucket: tagsBucket, Key: "by-java", Body: "written through java", Tagging: "first=java" }));
      });

      afterAll(async () => {
        if (ours) await removeBucket(ours, tagsBucket);
      });

      it("PutObjectTagging through ours, read through Java (a whole new set, ETag kept)", async () => {
        const before = await java.send(new HeadObjectCommand({ Bucket: tagsBucket, Key: "by-java" }));
        const tags = { project: "interop", "with space": "é 東京", empty: "" };
        await ours.send(new PutObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-java", Tagging: { TagSet: tagSet(tags) } }));
        expect(tagMap((await java.send(new GetObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-java" }))).TagSet)).toEqual(tags);
        const after = await java.send(new HeadObjectCommand({ Bucket: tagsBucket, Key: "by-java" }));
        expect(after.ETag).toBe(before.ETag);
        expect(after.LastModified).toEqual(before.LastModified);
      });

      it("PutObjectTagging through Java, read through ours (GetObjectTagging and GET's tag count)", async () => {
        const tags = { a: "1", b: "two", c: "" };
        await java.send(new PutObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-ours", Tagging: { TagSet: tagSet(tags) } }));
        expect(tagMap((await ours.send(new GetObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-ours" }))).TagSet)).toEqual(tags);
        expect((await ours.send(new GetObjectCommand({ Bucket: tagsBucket, Key: "by-ours" }))).TagCount).toBe(3);
      });

      it("DeleteObjectTagging through either empties the set for both", async () => {
        await java.send(new DeleteObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-ours" }));
        expect(tagMap((await ours.send(new GetObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-ours" }))).TagSet)).toEqual({});
        await ours.send(new DeleteObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-java" }));
        expect(tagMap((await java.send(new GetObjectTaggingCommand({ Bucket: tagsBucket, Key: "by-java" }))).TagSet)).toEqual({});
      });
    });

    describe("a delete through one is seen by the other", () => {
      it("deleted through Java, gone through both", async () => {
        const key = "ours/single.bin";
        await ours.send(new HeadObjectCommand({ Bucket: oursBucket, Key: key })); // there before
        await java.send(new DeleteObjectCommand({ Bucket: oursBucket, Key: key }));
        await expectBodilessError(ours.send(new HeadObjectCommand({ Bucket: oursBucket, Key: key })), 404);
        await expectBodilessError(java.send(new HeadObjectCommand({ Bucket: oursBucket, Key: key })), 404);
        const keys = () => ours.send(new ListObjectsV2Command({ Bucket: oursBucket })).then((l) => (l.Contents ?? []).map((o) => o.Key));
        expect(await settled(keys, (k) => !k.includes(key))).toEqual(["ours/empty", "ours/multi.bin"]);
      });

      it("deleted through ours, gone through both", async () => {
        const key = "java/multi.bin";
        await java.send(new HeadObjectCommand({ Bucket: javaBucket, Key: key })); // there before
        await ours.send(new DeleteObjectCommand({ Bucket: javaBucket, Key: key }));
        await expectBodilessError(java.send(new HeadObjectCommand({ Bucket: javaBucket, Key: key })), 404);
        await expectBodilessError(ours.send(new HeadObjectCommand({ Bucket: javaBucket, Key: key })), 404);
        const keys = () => java.send(new ListObjectsV2Command({ Bucket: javaBucket })).then((l) => (l.Contents ?? []).map((o) => o.Key));
        expect(await settled(keys, (k) => !k.includes(key))).toEqual(["java/empty", "java/single.bin", "java/streamed.bin"]);
      });
    });
  });
}
