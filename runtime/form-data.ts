/**
 * A streaming reader of multipart/form-data (RFC 7578, with RFC 2046's boundary rules) for
 * PostObject: the fields before the `file` field are read into memory within a byte budget (S3 allows
 * 20 KB of them); the file's content is handed on as a stream, read from the request only as fast as
 * the store takes it, never buffered whole. What follows the file is read and ignored, as S3 does,
 * before the file's stream ends: the store commits a file only from a request that arrived whole.
 */
import { Readable } from "node:stream";
import { S3Error } from "./errors.js";

export interface FormFile {
  /** the part's filename parameter ("" when it has none) */
  filename: string;
  /** the part's own Content-Type header */
  contentType?: string;
  /** the file's bytes; fails with MalformedPOSTRequest when the form ends without its delimiter */
  stream: Readable;
}

export interface Form {
  /** the fields before the file, by lower-case name (S3's names are case-insensitive); the first wins */
  fields: Map<string, string>;
  file?: FormFile;
  /**
   * Reads and discards what follows the last field read (with a file, its stream has done so
   * before it ended).
   */
  rest(): Promise<void>;
}

/** Whether a Content-Type is `multipart/form-data`, whatever its parameters. */
export function isFormData(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(";")[0].trim().toLowerCase() === "multipart/form-data";
}

/**
 * The boundary of a `multipart/form-data; boundary=...` Content-Type, or undefined when it is not
 * one or has no valid boundary (RFC 2046: 1 to 70 characters).
 */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !isFormData(contentType)) return undefined;
  const [, ...params] = contentType.split(";");
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    // RFC 2046 section 5.1.1: 1 to 70 characters
    return v.length >= 1 && v.length <= 70 ? v : undefined;
  }
  return undefined;
}

function malformed(): S3Error {
  return new S3Error("MalformedPOSTRequest");
}

/** A parameter of a Content-Disposition header (name="x", filename="y"), unquoted. */
function dispositionParam(header: string, param: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
  const m = re.exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
}

/** Pulls chunks from a stream into one growing buffer, on demand. */
class Puller {
  buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;
  ended = false;

  constructor(source: Readable) {
    this.it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Appends the next chunk; false at the end of the source. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
    return true;
  }

  consume(n: number): Buffer {
    const head = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return head;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/**
 * Reads the form up to its `file` field. `maxFieldBytes` bounds everything before the file's
 * content (fields, part headers, delimiters): beyond it, MaxPostPreDataLengthExceededError. A form
 * that does not parse: MalformedPOSTRequest. Errors of `source` (a body that does not verify, a
 * client gone) propagate: from this function, or through the file's stream.
 */
export async function readForm(source: Readable, boundary: string, maxFieldBytes: number): Promise<Form> {
  const pull = new Puller(source);
  try {
    return await readFields(pull, boundary, maxFieldBytes);
  } catch (err) {
    // stop reading: the server drains or closes what the client still sends
    await pull.close().catch(() => {});
    throw err;
  }
}

async function readFields(pull: Puller, boundary: string, maxFieldBytes: number): Promise<Form> {
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let budget = maxFieldBytes;
  const spend = (n: number) => {
    budget -= n;
    if (budget < 0) throw new S3Error("MaxPostPreDataLengthExceededError");
  };
  /** index of `needle` in the buffer, pulling more until found; -1 at the end of the source */
  const find = async (needle: Buffer, from = 0): Promise<number> => {
    for (;;) {
      const i = pull.buf.indexOf(needle, from);
      if (i >= 0) return i;
      if (pull.buf.length > budget + needle.length) throw new S3Error("MaxPostPreDataLengthExceededError");
      if (!(await pull.more())) return -1;
    }
  };
  const need = async (n: number): Promise<boolean> => {
    while (pull.buf.length < n) if (!(await pull.more())) return false;
    return true;
  };
  const fields = new Map<string, string>();
  const drain = async () => {
    while (await pull.more()) pull.consume(pull.buf.length);
  };

  // A preamble before the first boundary is allowed (and ignored) by RFC 2046; browsers send none.
  const first = await find(dashBoundary);
  if (first < 0) throw malformed();
  spend(first + dashBoundary.length);
  pull.consume(first + dashBoundary.length);

  for (;;) {
    // after a delimiter: "--" closes the form; else optional whitespace, then CRLF
    if (!(await need(2))) throw malformed();
    if (pull.buf[0] === 0x2d && pull.buf[1] === 0x2d) {
      pull.consume(pull.buf.length);
      return { fields, rest: drain };
    }
    const eol = await find(Buffer.from("\r\n"));
    if (eol < 0 || pull.buf.subarray(0, eol).toString("latin1").trim() !== "") throw malformed();
    spend(eol + 2);
    pull.consume(eol + 2);

    // the part's headers, up to an empty line
    const end = await find(Buffer.from("\r\n\r\n"), 0);
    let headerText: string;
    if (pull.buf.subarray(0, 2).equals(Buffer.from("\r\n"))) {
      headerText = "";
      spend(2);
      pull.consume(2);
    } else {
      if (end < 0) throw malformed();
      headerText = pull.buf.subarray(0, end).toString("utf8");
      spend(end + 4);
      pull.consume(end + 4);
    }
    let disposition: string | undefined;
    let partType: string | undefined;
    for (const line of headerText.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name === "content-disposition") disposition = line.slice(colon + 1).trim();
      else if (name === "content-type") partType = line.slice(colon + 1).trim();
    }
    if (disposition === undefined || !/^form-data\s*(;|$)/i.test(disposition)) throw malformed();
    const name = dispositionParam(disposition, "name");
    // a part must name its field (minio-go's functional test sends its file as name="")
    if (name === undefined || name === "") throw malformed();

    if (name.toLowerCase() === "file") {
      const file: FormFile = { filename: dispositionParam(disposition, "filename") ?? "", stream: fileStream(pull, delimiter) };
      if (partType !== undefined) file.contentType = partType;
      return { fields, file, rest: drain };
    }

    const at = await find(delimiter);
    if (at < 0) throw malformed();
    spend(at + delimiter.length);
    const value = pull.consume(at).toString("utf8");
    pull.consume(delimiter.length);
    const key = name.toLowerCase();
    if (!fields.has(key)) fields.set(key, value);
  }
}

/**
 * The file's content: the bytes up to the next delimiter. Holds back the last delimiter-length - 1
 * bytes of what it has until it knows they are not the start of the delimiter.
 */
function fileStream(pull: Puller, delimiter: Buffer): Readable {
  let done = false;
  const stream = new Readable({
    read() {
      void (async () => {
        try {
          for (;;) {
            const i = pull.buf.indexOf(delimiter);
            if (i >= 0) {
              const body = pull.consume(i);
              pull.consume(delimiter.length);
              done = true;
              // The file ends only once the whole request has arrived (what follows is read and
              // ignored): a request cut short or failing its length check stores nothing.
              while (await pull.more()) pull.consume(pull.buf.length);
              if (body.length > 0) stream.push(body);
              stream.push(null);
              return;
            }
            const safe = pull.buf.length - (delimiter.length - 1);
            if (safe > 0) {
              // what cannot hold the delimiter; one push per read(): node asks again when it wants more
              stream.push(pull.consume(safe));
              return;
            }
            if (!(await pull.more())) {
              stream.destroy(malformed());
              return;
            }
          }
        } catch (err) {
          stream.destroy(err as Error);
        }
      })();
    },
    destroy(err, callback) {
      // the reader gave up on the file: stop pulling the source (its owner decides about the rest)
      if (!done) void pull.close().catch(() => {});
      callback(err);
    },
  });
  return stream;
}
