/**
 * The streaming multipart/form-data reader of PostObject (runtime/form-data.ts): fields and file
 * read the same however the bytes are split, bytes that look like the delimiter inside the file,
 * what follows the file ignored, the 20 KB field budget, malformed forms, and the file streamed with
 * backpressure (never read ahead of its reader).
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { formBoundary, isFormData, readForm } from "../../runtime/form-data.js";
import { S3Error } from "../../runtime/errors.js";

const B = "----formboundary7MA4YWxk";

function formBytes(fields: [string, string][], file?: Buffer, after: [string, string][] = [], filename = "a.bin"): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields) parts.push(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(file, Buffer.from("\r\n"));
  }
  for (const [k, v] of after) parts.push(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${B}--\r\n`));
  return Buffer.concat(parts);
}

/** The bytes in chunks of the given sizes (cycled). */
function chunked(bytes: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0, n = 0; i < bytes.length; n++) {
    const size = sizes[n % sizes.length];
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return err instanceof S3Error ? err.code : String(err);
  }
  return undefined;
}

describe("formBoundary", () => {
  it.each([
    ["multipart/form-data; boundary=abc", "abc"],
    ['Multipart/Form-Data; charset=utf-8; BOUNDARY="a b:c"', "a b:c"],
    ["multipart/form-data", undefined],
    ["multipart/mixed; boundary=abc", undefined],
    ["application/x-www-form-urlencoded", undefined],
    [`multipart/form-data; boundary=${"x".repeat(71)}`, undefined],
    [undefined, undefined],
  ])("%s -> %s", (header, boundary) => {
    expect(formBoundary(header)).toBe(boundary);
    // form data, boundary or not, is what makes a bucket POST a form upload
    expect(isFormData(header)).toBe(header !== undefined && header.toLowerCase().startsWith("multipart/form-data"));
  });
});

describe("readForm", () => {
  // a file holding what a delimiter starts with, and the delimiter without its CRLF
  const file = Buffer.concat([Buffer.from(`\r\n--${B.slice(0, 10)}x\r\n-`), Buffer.alloc(70_000, 7), Buffer.from(`--${B}\r`)]);
  const bytes = formBytes(
    [
      ["Key", "k/${filename}"],
      ["key", "second is ignored"],
      ["X-Amz-Meta-Color", "bl\u00fce"],
    ],
    file,
    [["x-amz-meta-late", "1"]],
  );

  it.each([[[bytes.length]], [[1]], [[3, 7, 1]], [[4096]], [[B.length + 3]]])("reads the same with chunks of %j bytes", async (sizes) => {
    const form = await readForm(chunked(bytes, sizes), B, 20 * 1024);
    expect(Object.fromEntries(form.fields)).toEqual({ key: "k/${filename}", "x-amz-meta-color": "bl\u00fce" });
    expect(form.file?.filename).toBe("a.bin");
    expect(form.file?.contentType).toBe("application/octet-stream");
    expect((await readAll(form.file!.stream)).equals(file)).toBe(true);
    await form.rest();
  });

  it("reads a form without a file, and an empty file", async () => {
    const none = await readForm(chunked(formBytes([["key", "k"]]), [5]), B, 1000);
    expect([Object.fromEntries(none.fields), none.file]).toEqual([{ key: "k" }, undefined]);
    const empty = await readForm(chunked(formBytes([["key", "k"]], Buffer.alloc(0)), [5]), B, 1000);
    expect((await readAll(empty.file!.stream)).length).toBe(0);
  });

  it("refuses more than the field budget before the file (MaxPostPreDataLengthExceededError)", async () => {
    const big = formBytes([["x-ignore-a", "y".repeat(25_000)]], Buffer.from("f"));
    expect(await codeOf(readForm(chunked(big, [1000]), B, 20 * 1024))).toBe("MaxPostPreDataLengthExceededError");
    const many = formBytes(Array.from({ length: 400 }, (_, i): [string, string] => [`x-ignore-${i}`, "v".repeat(50)]), Buffer.from("f"));
    expect(await codeOf(readForm(chunked(many, [1000]), B, 20 * 1024))).toBe("MaxPostPreDataLengthExceededError");
    // the file itself does not count
    const fine = await readForm(chunked(formBytes([["key", "k"]], Buffer.alloc(100_000)), [1000]), B, 20 * 1024);
    expect((await readAll(fine.file!.stream)).length).toBe(100_000);
  });

  it.each([
    ["no boundary at all", "hello"],
    ["another boundary", formBytes([["key", "k"]]).toString().replaceAll(B, "other")],
    ["a field that never ends", `--${B}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk`],
    ["a part without Content-Disposition", `--${B}\r\nContent-Type: text/plain\r\n\r\nk\r\n--${B}--`],
    ["a part without a name", `--${B}\r\nContent-Disposition: form-data\r\n\r\nk\r\n--${B}--`],
    ["a part with an empty name", `--${B}\r\nContent-Disposition: form-data; name=""; filename="f"\r\n\r\nk\r\n--${B}--`],
    ["headers that never end", `--${B}\r\nContent-Disposition: form-data; name="key"`],
    ["garbage after the boundary", `--${B}xx\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--${B}--`],
  ])("refuses %s (MalformedPOSTRequest)", async (_name, text) => {
    expect(await codeOf(readForm(chunked(Buffer.from(text), [7]), B, 20 * 1024))).toBe("MalformedPOSTRequest");
  });

  it("fails the file's stream when the form ends inside the file", async () => {
    const cut = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nsome bytes and no delimiter`);
    const form = await readForm(chunked(cut, [5]), B, 1000);
    expect(await codeOf(readAll(form.file!.stream))).toBe("MalformedPOSTRequest");
  });

  it("passes the source's own error on to the file's stream", async () => {
    const head = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nabc`);
    const source = new Readable({ read() {} });
    source.push(head);
    const form = await readForm(source, B, 1000);
    const reading = codeOf(readAll(form.file!.stream));
    source.destroy(new S3Error("RequestTimeout"));
    expect(await reading).toBe("RequestTimeout");
  });

  it("streams the file: reads the source only as fast as the file is read", async () => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    let pulled = 0;
    const total = 200;
    const head = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`);
    const source = Readable.from(
      (function* () {
        yield head;
        for (let i = 0; i < total; i++) {
          pulled++;
          yield chunk;
        }
        yield Buffer.from(`\r\n--${B}--\r\n`);
      })(),
      { objectMode: false, highWaterMark: 1 },
    );
    const form = await readForm(source, B, 20 * 1024);
    const it = form.file!.stream[Symbol.asyncIterator]();
    let size = ((await it.next()).value as Buffer).length;
    await new Promise((r) => setTimeout(r, 50));
    // a reader that took one chunk has not made the whole 12.5 MiB file be read
    expect(pulled).toBeLessThan(10);
    for (let r = await it.next(); !r.done; r = await it.next()) size += (r.value as Buffer).length;
    expect(pulled).toBe(total);
    expect(size).toBe(total * chunk.length);
  });
});

describe("the end of the file", () => {
  it("comes only after the rest of the form arrived; a source failing after the file fails the file", async () => {
    const head = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nabc\r\n--${B}\r\nContent-Disposition: form-data; name="late"\r\n\r\n`);
    const source = new Readable({ read() {} });
    source.push(head);
    const form = await readForm(source, B, 1000);
    const reading = codeOf(readAll(form.file!.stream));
    await new Promise((r) => setTimeout(r, 20));
    source.destroy(new S3Error("IncompleteBody"));
    expect(await reading).toBe("IncompleteBody");
  });
});
