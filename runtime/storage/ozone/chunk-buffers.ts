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
 *
 * Large chunk buffers are reused: the key writer gives a chunk back (releaseChunk) once its block
 * durably holds it (the commit point that covers it was answered and watched, so every request
 * that carried its bytes was answered too, and neither this gateway nor gRPC sends them again).
 * A 64 MiB PUT to a RATIS/THREE bucket then cost 340-380 ms of CPU instead of 530-670 (bench/cpu
 * --ozone put64, runs alternated with the build before on one cluster): new 4 MiB buffers, 16 per
 * PUT, each made V8 count external memory towards its next collection and the kernel map fresh
 * pages. A chunk that was not released (a write that failed or was aborted, whose requests gRPC
 * may still hold) is left to the garbage collector as before.
 */

/** Room in front of a chunk: a WriteChunk's prefix is ~2 KiB for a 4 MiB chunk (256 CRC32s). */
export const FRONT_ROOM = 8 * 1024;

/** The chunk buffers made here: their ArrayBuffer and where the chunk starts in it, until the room is used. */
const unclaimed = new WeakMap<ArrayBufferLike, number>();

/** Chunk buffers at least this large are reused (a 4 KiB object's buffer is not worth keeping). */
const REUSED_MIN = 1024 * 1024;
/** At most this many released buffers are kept: 8 of Ozone's 4 MiB chunks, 32 MiB per process. */
const KEPT_MAX = 8;

/** Every ArrayBuffer allocChunk made at REUSED_MIN or more: only these are taken back. */
const reusable = new WeakSet<ArrayBufferLike>();
/** Released buffers, waiting to be handed out again. */
const kept: ArrayBuffer[] = [];

/**
 * A chunk buffer of `size` bytes with FRONT_ROOM bytes before it (its own memory, never Node's
 * shared pool): a released one of that size when one is kept, else a new one.
 */
export function allocChunk(size: number): Buffer<ArrayBuffer> {
  const i = size >= REUSED_MIN ? kept.findIndex((b) => b.byteLength === FRONT_ROOM + size) : -1;
  const memory = i >= 0 ? kept.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(FRONT_ROOM + size).buffer;
  if (i < 0 && size >= REUSED_MIN) reusable.add(memory);
  unclaimed.set(memory, FRONT_ROOM);
  return Buffer.from(memory, FRONT_ROOM, size);
}

/**
 * Gives back a chunk buffer (or any view of it) that nothing will read or write again: not this
 * gateway, not gRPC (see the header). Buffers allocChunk did not make for reuse, buffers already
 * given back, and buffers beyond KEPT_MAX are ignored (left to the garbage collector).
 */
export function releaseChunk(chunk: Uint8Array): void {
  const memory = chunk.buffer;
  if (!reusable.has(memory) || kept.length >= KEPT_MAX || kept.includes(memory as ArrayBuffer)) return;
  kept.push(memory as ArrayBuffer);
}

/** How many released buffers are kept now (for tests). */
export function keptChunks(): number {
  return kept.length;
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
