/**
 * readBlock (runtime/storage/ozone/datanode-client.ts) against a fake datanode stream: what it asks
 * the datanode for (ReadChunk V0, narrowed to the checksum windows of the range), that the bytes it
 * hands on are views of the answer (no copy), that a V1 answer (bytes split per window) reads the
 * same, and that a byte that does not match its CRC32 fails the read. Needs no Ozone cluster.
 */
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DatanodeError, readBlock, type BlockStream } from "../../runtime/storage/ozone/datanode-client.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";

const WINDOW = 16 * 1024;
const block = { containerID: "7", localID: "42", blockCommitSequenceId: "3" };

function sums(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += WINDOW) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc32(data.subarray(off, off + WINDOW)) >>> 0);
    out.push(b);
  }
  return out;
}

/** A datanode holding one block of two chunks; answers ReadChunk as V0 or V1 (as asked, or forced). */
function fakeDatanode(chunks: Buffer[], opts: { answerAs?: "V0" | "V1"; corrupt?: number } = {}) {
  const requests: OmMessage[] = [];
  const answers: Buffer[] = [];
  let offset = 0;
  const infos = chunks.map((c, i) => {
    const info = { chunkName: `c${i}`, offset: String(offset), len: String(c.length), checksumData: { type: "CRC32", bytesPerChecksum: WINDOW, checksums: sums(c) } };
    offset += c.length;
    return info;
  });
  const stream: BlockStream = {
    endpoint: { address: "dn:1", uuid: "u" },
    async send(cmdType, _containerID, body) {
      requests.push({ cmdType, ...body });
      if (cmdType === "GetBlock") return { result: "SUCCESS", getBlock: { blockData: { chunks: infos } } };
      const rc = body.readChunk as OmMessage;
      const info = rc.chunkData as OmMessage;
      const index = infos.findIndex((c) => Number(c.offset) <= Number(info.offset) && Number(info.offset) < Number(c.offset) + Number(c.len));
      const from = Number(info.offset) - Number(infos[index].offset);
      // the answer's bytes inside a larger message, as a decoded gRPC message's fields are
      const message = Buffer.concat([Buffer.from("envelope"), chunks[index].subarray(from, from + Number(info.len))]);
      const data = message.subarray(8);
      if (opts.corrupt !== undefined) data[opts.corrupt] ^= 1;
      answers.push(data);
      const as = opts.answerAs ?? rc.readChunkVersion;
      if (as === "V1") {
        const buffers: Buffer[] = [];
        for (let off = 0; off < data.length; off += WINDOW) buffers.push(Buffer.from(data.subarray(off, off + WINDOW)));
        return { result: "SUCCESS", readChunk: { dataBuffers: { buffers } } };
      }
      return { result: "SUCCESS", readChunk: { data } };
    },
    close() {},
  };
  return { stream, requests, answers };
}

async function read(stream: BlockStream, start: number, end: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const piece of readBlock(stream, block, start, end)) out.push(piece);
  return out;
}

describe("readBlock", () => {
  const chunks = [randomBytes(4 * WINDOW), randomBytes(3 * WINDOW + 100)];
  const whole = Buffer.concat(chunks);

  it("asks for V0, narrowed to the range's checksum windows, and hands on views of the answers", async () => {
    const dn = fakeDatanode(chunks);
    // from inside the second window of chunk 0 to inside the first window of chunk 1
    const start = WINDOW + 5;
    const end = 4 * WINDOW + 10;
    const pieces = await read(dn.stream, start, end);
    expect(Buffer.concat(pieces).equals(whole.subarray(start, end + 1))).toBe(true);
    const reads = dn.requests.filter((r) => r.cmdType === "ReadChunk").map((r) => r.readChunk as OmMessage);
    expect(reads.map((r) => r.readChunkVersion)).toEqual(["V0", "V0"]);
    expect(reads.map((r) => [(r.chunkData as OmMessage).offset, (r.chunkData as OmMessage).len])).toEqual([
      [String(WINDOW), String(3 * WINDOW)],
      [String(4 * WINDOW), String(WINDOW)],
    ]);
    // no copy: each piece lies in the memory of the answer it came from
    pieces.forEach((p, i) => expect(p.buffer).toBe(dn.answers[i].buffer));
  });

  it("reads a V1 answer (one field per checksum window) the same", async () => {
    const dn = fakeDatanode(chunks, { answerAs: "V1" });
    expect(Buffer.concat(await read(dn.stream, 0, whole.length - 1)).equals(whole)).toBe(true);
  });

  it("fails on a byte that does not match its checksum, V0 or V1", async () => {
    for (const answerAs of ["V0", "V1"] as const) {
      const dn = fakeDatanode(chunks, { answerAs, corrupt: WINDOW + 7 });
      const err = await read(dn.stream, 0, whole.length - 1).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DatanodeError);
      expect((err as DatanodeError).result).toBe("CHECKSUM_MISMATCH");
    }
  });
});
