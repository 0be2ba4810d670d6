/**
 * The gateway's data directory is private to its user: after a start in a directory that did not
 * exist and a few writes (an object small enough to live in the database, one in a file, a
 * multipart upload), every file is 0600 and every directory 0700, under the most permissive umask.
 * The embedded backend's own test (test/storage/embedded-modes.test.ts) covers other umasks and a
 * data directory made by an older version.
 */
import { readdir, stat, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join, relative } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { ON_OZONE } from "../support/ozone.js";
import { startGateway, type RunningGateway } from "../support/server.js";
import { bucketName, bytes } from "./helpers.js";

let gw: RunningGateway | undefined;
let parent: string | undefined;

afterAll(async () => {
  await gw?.stop();
  if (parent !== undefined) await rm(parent, { recursive: true, force: true });
});

describe.skipIf(ON_OZONE || process.platform === "win32")("the data directory's modes", () => {
  it("a new data directory, umask 0: files 0600, directories 0700", async () => {
    parent = await mkdtemp(join(os.tmpdir(), "s3gw-modes-"));
    const dataDir = join(parent, "data");
    // the gateway inherits this process's umask; 0 lets every mode the code asks for through
    const previous = process.umask(0);
    try {
      gw = await startGateway({ dataDir });
    } finally {
      process.umask(previous);
    }
    const s3 = gw.client();
    const bucket = bucketName("modes");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "small", Body: "inline" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "large", Body: bytes(300_000) }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "multi" }));
    const parts = [];
    for (const [i, body] of [bytes(5 * 1024 * 1024, 1), bytes(100_000, 2)].entries()) {
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "multi", UploadId, PartNumber: i + 1, Body: body }));
      parts.push({ PartNumber: i + 1, ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "multi", UploadId, MultipartUpload: { Parts: parts } }));
    s3.destroy();

    const found: Record<string, string> = { ".": octal((await stat(dataDir)).mode) };
    for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      found[relative(dataDir, path)] = `${entry.isDirectory() ? "dir" : "file"} ${octal((await stat(path)).mode)}`;
    }
    expect(found).toMatchObject({ ".": "0700", "meta.sqlite": "file 0600", "meta.sqlite-wal": "file 0600", objects: "dir 0700", tmp: "dir 0700" });
    expect(Object.keys(found).filter((p) => /^objects\/..\/..\/[0-9a-f]{32}$/.test(p))).toHaveLength(3);
    expect(Object.entries(found).filter(([p, mode]) => p !== "." && mode !== "file 0600" && mode !== "dir 0700")).toEqual([]);
  });
});

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
