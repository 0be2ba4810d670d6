/**
 * The benchmark's baseline: a bare node:http server doing the minimum body work an S3 PUT or GET
 * needs, run as its own process like the gateway, so that gateway/baseline shows the gateway's
 * overhead over that minimum on the same machine in the same run.
 *
 *   node dist/bench/baseline-server.js --dir <tmp dir>
 *   prints "baseline listening on http://127.0.0.1:PORT"
 *
 * What counts as the minimum (a decision, documented here):
 * - PUT: stream the body through MD5 (every S3 PUT owes an MD5 ETag) and, when the client sent a
 *   hex x-amz-content-sha256, through SHA-256 too, compared at the end (a signed payload must be
 *   verified); write the bytes to a file in the temp dir and fdatasync it before answering 200 with
 *   the ETag (an acknowledged PUT must be durable). The write path mirrors the gateway's segment
 *   writer: a Writable over a FileHandle, async writes on the thread pool, 1 MiB high-water mark.
 * - GET: stat the stored file (standing in for the gateway's metadata lookup) and stream it back
 *   with its Content-Length, read as the gateway reads a segment; 404 when absent.
 * - Not done, on purpose, because it is the gateway's overhead being measured: signature
 *   verification, routing, XML, metadata (the gateway's SQLite commit and WAL sync), the rename into
 *   place and the directory fsync that make a file-backed write atomic and its name durable, metrics.
 *   (The gateway keeps bodies up to 64 KiB inside SQLite and shares one sync among the writes that
 *   are ready together, so it can beat this baseline's one fdatasync per request on small PUTs.)
 * Any other method, or a PUT with no key (CreateBucket), answers 200 with no work.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const dir = argValue("--dir");
if (dir === undefined) {
  console.error("usage: baseline-server --dir <dir>");
  process.exit(2);
}

/** One flat file per object: the URL path, '/' escaped, so "bucket/a/b" cannot clash with "bucket/a". */
function fileOf(url: string): string {
  const p = url.split("?")[0];
  return path.join(dir!, encodeURIComponent(p));
}

async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}

async function handlePut(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const claimed = req.headers["x-amz-content-sha256"];
  const md5 = createHash("md5");
  const sha256 = typeof claimed === "string" && HEX_SHA256.test(claimed) ? createHash("sha256") : undefined;
  const fh = await open(fileOf(req.url ?? "/"), "w", 0o644);
  let closed = false;
  try {
    let written = 0;
    const sink = new Writable({
      highWaterMark: 1024 * 1024,
      write(chunk: Buffer, _enc, cb) {
        md5.update(chunk);
        sha256?.update(chunk);
        writeFully(fh, chunk, written).then(() => {
          written += chunk.length;
          cb();
        }, cb);
      },
    });
    await pipeline(req, sink);
    if (sha256 !== undefined && sha256.digest("hex") !== claimed) {
      res.writeHead(400, { "content-type": "text/plain" }).end("XAmzContentSHA256Mismatch");
      return;
    }
    await fh.datasync();
    closed = true;
    await fh.close();
    res.writeHead(200, { etag: `"${md5.digest("hex")}"`, "content-length": "0" }).end();
  } finally {
    if (!closed) await fh.close().catch(() => undefined);
  }
}

async function handleGet(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const file = fileOf(req.url ?? "/");
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    res.writeHead(404, { "content-length": "0" }).end();
    return;
  }
  res.writeHead(200, { "content-length": String(size), "content-type": "application/octet-stream" });
  if (size === 0) {
    res.end();
    return;
  }
  // As the gateway reads a segment: the byte range known up front (so a 4 KiB file is one 4 KiB
  // read, not a 1 MiB buffer per read), 256 KiB reads for large files.
  await pipeline(createReadStream(file, { start: 0, end: size - 1, highWaterMark: 256 * 1024 }), res);
}

const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const isObject = (req.url ?? "/").split("?")[0].indexOf("/", 1) > 0;
  const work =
    req.method === "PUT" && isObject
      ? handlePut(req, res)
      : req.method === "GET" && isObject
        ? handleGet(req, res)
        : new Promise<void>((resolve) => {
            req.resume();
            req.on("end", () => {
              res.writeHead(200, { "content-length": "0" }).end();
              resolve();
            });
          });
  work.catch((err: unknown) => {
    console.error(`baseline: ${req.method} ${req.url}: ${(err as Error).message}`);
    if (!res.headersSent) res.writeHead(500, { "content-length": "0" }).end();
    else res.destroy();
  });
});

server.listen(0, "127.0.0.1", () => {
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  console.log(`baseline listening on http://127.0.0.1:${port}`);
});

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
