/**
 * Chunk buffers with room in front, so that the Ratis request carrying a chunk is built around
 * its bytes instead of copying them (proto/index.ts encodeRatisRequestWithContent). A WriteChunk
 * request is the chunk's bytes behind a small prefix (the Raft request, the message and content
 * tags, the container command's header); the body's bytes are gathered into a chunk buffer
 * anyway (ozone/store-core.ts writeBody), so the prefix is written into the room before them and
 * the request is a view of that same memory. Per 4 MiB chunk that is one 4 MiB allocation and
 * copy less; in a 64 MiB PUT, garbage collection (V8 collects after each 64 MiB of new Buffers)
 * was about a quarter of the gateway's CPU (profiled for issue 8).
 *
 * The room is used once: the first request built around a chunk may still be held by gRPC when
 * the same bytes are sent again (a resend on a new stream, a rewrite into another block after a
 * failure), and those later requests are copied as before, never written over the first.
 */

/** Room in front of a chunk: a WriteChunk's prefix is ~2 KiB for a 4 MiB chunk (256 CRC32s). */
export const FRONT_ROOM = 8 * 1024;

/** The chunk buffers made here: their ArrayBuffer and where the chunk starts in it, until the room is used. */
const unclaimed = new WeakMap<ArrayBufferLike, number>();

/** A chunk buffer of `size` bytes with FRONT_ROOM bytes before it (its own memory, never the shared pool). */
export function allocChunk(size: number): Buffer<ArrayBuffer> {
  const whole = Buffer.allocUnsafeSlow(FRONT_ROOM + size);
  unclaimed.set(whole.buffer, whole.byteOffset + FRONT_ROOM);
  return whole.subarray(FRONT_ROOM);
}

/**
 * The `bytes` bytes right before `data`, when `data` starts a chunk buffer of allocChunk whose room
 * is still unused and large enough; the room is then used (later calls answer undefined).
 */
export function claimFrontRoom(data: Uint8Array, bytes: number): Buffer | undefined {
  const start = unclaimed.get(data.buffer);
  if (start === undefined || start !== data.byteOffset || bytes > FRONT_ROOM) return undefined;
  unclaimed.delete(data.buffer);
  return Buffer.from(data.buffer, data.byteOffset - bytes, bytes);
}
