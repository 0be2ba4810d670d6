/**
 * The batched MD5 (runtime/auth/md5-lanes.ts over md5-wasm.ts's kernels): the same digest as
 * node:crypto for every length around the block and padding boundaries, for bodies fed in any
 * pieces, for many bodies interleaved within and across turns of the event loop (more than the
 * regions there are), and bodies received in the same turn, or in turns close together, really are
 * hashed side by side.
 */
import { createHash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { verifyingBody } from "../../runtime/auth/body.js";
import { createMd5, LANES_MIN_LENGTH, type Md5, md5LaneCounters } from "../../runtime/auth/md5-lanes.js";
import { MD5_CONSTANTS } from "../../runtime/auth/md5-wasm.js";
import { drain, randomBuffer, randomSplit, seededRandom, sourceOf } from "./helpers.js";

const md5Hex = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

describe("md5 lanes", () => {
  it("the round constants are RFC 1321's", () => {
    expect(MD5_CONSTANTS.slice(0, 4)).toEqual([0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee]);
    expect(MD5_CONSTANTS[63]).toBe(0xeb86d391);
  });

  it("gives node:crypto's digest at every length around the block and padding boundaries", () => {
    const random = seededRandom(11);
    const lengths = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 1000, 65_535, 131_071, 131_072, 131_073, 300_001];
    for (const length of lengths) {
      const data = randomBuffer(random, length);
      const hash = createMd5();
      for (const piece of randomSplit(data, random, 70_000)) hash.update(piece);
      expect(hash.digest().toString("hex"), `length ${length}`).toBe(md5Hex(data));
    }
  });

  it("known answers (RFC 1321's test suite)", () => {
    const answers: [string, string][] = [
      ["", "d41d8cd98f00b204e9800998ecf8427e"],
      ["abc", "900150983cd24fb0d6963f7d28e17f72"],
      ["12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"],
    ];
    for (const [text, hex] of answers) {
      const hash = createMd5();
      hash.update(Buffer.from(text));
      expect(hash.digest().toString("hex")).toBe(hex);
    }
  });

  it("many bodies fed in pieces, within and across turns: each gets its own digest", async () => {
    const random = seededRandom(12);
    // 100 bodies: more than the 128 regions, so a batch also runs when none is free
    const bodies = Array.from({ length: 100 }, (_, i) => ({
      data: randomBuffer(random, Math.floor(random() * 400_000) + (i % 3)),
      offset: 0,
      hash: createMd5(),
    }));
    while (bodies.some((b) => b.offset < b.data.length)) {
      for (const body of bodies) {
        const n = Math.min(body.data.length - body.offset, Math.floor(random() * 66_000));
        if (n > 0) body.hash.update(body.data.subarray(body.offset, body.offset + n));
        body.offset += n;
      }
      if (random() < 0.5) await nextTurn();
    }
    for (const body of bodies) expect(body.hash.digest().toString("hex")).toBe(md5Hex(body.data));
  });

  it("bodies received in the same turn are hashed four at a time, also when a turn brings one more than a region", async () => {
    const random = seededRandom(13);
    const data = Array.from({ length: 4 }, () => randomBuffer(random, 1 << 20));
    const hashes = data.map(() => createMd5());
    const before = { ...md5LaneCounters };
    // 256 KiB a turn for each body (a socket read loop brings that much and more): two regions each
    const piece = 256 * 1024;
    for (let offset = 0; offset < 1 << 20; offset += piece) {
      hashes.forEach((hash, i) => hash.update((data[i] as Buffer).subarray(offset, offset + piece)));
      await nextTurn();
    }
    hashes.forEach((hash, i) => expect(hash.digest().toString("hex")).toBe(md5Hex(data[i] as Buffer)));
    // 4 x 16,384 blocks, all in the four-lane kernel, two calls a turn (a region each); only the
    // final (padding) blocks run alone
    expect(md5LaneCounters.x4Blocks - before.x4Blocks).toBe(4 * 16_384);
    expect(md5LaneCounters.x4Calls - before.x4Calls).toBe(8);
    expect(md5LaneCounters.x1Blocks - before.x1Blocks).toBe(4);
  });

  it("bodies whose bytes arrive in different turns wait for each other, and share the four-lane kernel", async () => {
    const random = seededRandom(16);
    const data = Array.from({ length: 4 }, () => randomBuffer(random, 1 << 20));
    const hashes = data.map(() => createMd5());
    const before = { ...md5LaneCounters };
    // one body a turn, 64 KiB each time (a socket read): no turn brings two bodies
    const piece = 64 * 1024;
    for (let offset = 0; offset < 1 << 20; offset += piece) {
      for (const [i, hash] of hashes.entries()) {
        hash.update((data[i] as Buffer).subarray(offset, offset + piece));
        await nextTurn();
      }
    }
    hashes.forEach((hash, i) => expect(hash.digest().toString("hex")).toBe(md5Hex(data[i] as Buffer)));
    // every whole block in the four-lane kernel; only the padding blocks run alone
    expect(md5LaneCounters.x4Blocks - before.x4Blocks).toBe(4 * 16_384);
    expect(md5LaneCounters.x1Blocks - before.x1Blocks).toBe(4);
  });

  it("the blocks one body has beyond the others' wait for the next batch instead of running alone", async () => {
    const random = seededRandom(19);
    const data = Array.from({ length: 4 }, () => randomBuffer(random, 512 * 1024));
    const hashes = data.map(() => createMd5());
    const before = { ...md5LaneCounters };
    // one turn: the first body brings all its bytes, the three others 64 KiB each
    hashes.forEach((hash, i) => hash.update((data[i] as Buffer).subarray(0, i === 0 ? 512 * 1024 : 64 * 1024)));
    await nextTurn();
    // the next turn: the three others bring the rest
    hashes.slice(1).forEach((hash, i) => hash.update((data[i + 1] as Buffer).subarray(64 * 1024)));
    await nextTurn();
    hashes.forEach((hash, i) => expect(hash.digest().toString("hex")).toBe(md5Hex(data[i] as Buffer)));
    expect(md5LaneCounters.x4Blocks - before.x4Blocks).toBe(4 * 8192);
    expect(md5LaneCounters.x1Blocks - before.x1Blocks).toBe(4);
  });

  it("a digest due waits two turns for other bodies' bytes to share the lanes with, no longer", async () => {
    const random = seededRandom(20);
    const data = Array.from({ length: 5 }, () => randomBuffer(random, 512 * 1024));
    const hashes = data.map(() => createMd5());
    const digests: string[] = [];
    const digestSoon = (i: number) => (hashes[i] as Md5).digestSoon?.((d) => (digests[i] = d.toString("hex")));
    const before = { ...md5LaneCounters };
    // the first body arrives whole and ends in one turn, the three others in the next
    (hashes[0] as Md5).update(data[0] as Buffer);
    digestSoon(0);
    await nextTurn();
    expect(digests[0]).toBeUndefined();
    for (const i of [1, 2, 3]) {
      (hashes[i] as Md5).update(data[i] as Buffer);
      digestSoon(i);
    }
    await nextTurn();
    await nextTurn();
    for (const i of [0, 1, 2, 3]) expect(digests[i]).toBe(md5Hex(data[i] as Buffer));
    expect(md5LaneCounters.x4Blocks - before.x4Blocks).toBe(4 * 8192);
    expect(md5LaneCounters.x1Blocks - before.x1Blocks).toBe(4);
    // a body alone gets its digest after two more turns, in the scalar kernel
    (hashes[4] as Md5).update(data[4] as Buffer);
    digestSoon(4);
    for (let turn = 0; turn < 4 && digests[4] === undefined; turn++) await nextTurn();
    expect(digests[4]).toBe(md5Hex(data[4] as Buffer));
    expect(md5LaneCounters.x1Blocks - before.x1Blocks).toBe(4 + 8192 + 1);
  });

  it("a body alone is hashed once half the regions hold its bytes, not only at its digest", async () => {
    const random = seededRandom(17);
    const data = randomBuffer(random, 9 << 20);
    const hash = createMd5();
    const before = { ...md5LaneCounters };
    const piece = 256 * 1024;
    for (let offset = 0; offset < data.length; offset += piece) {
      hash.update(data.subarray(offset, offset + piece));
      await nextTurn();
    }
    // the turn that took it past 8 MiB held (half the 128 regions) ran its batch, before any digest
    expect(md5LaneCounters.x1Blocks - before.x1Blocks).toBe((8 << 20) / 64 + piece / 64);
    expect(hash.digest().toString("hex")).toBe(md5Hex(data));
  });

  it("a body abandoned half-way gives its regions back at the next batch", async () => {
    const random = seededRandom(18);
    const abandoned = createMd5();
    abandoned.update(randomBuffer(random, 300_000));
    await nextTurn();
    const before = { ...md5LaneCounters };
    const data = randomBuffer(random, 300_000);
    const hash = createMd5();
    hash.update(data);
    expect(hash.digest().toString("hex")).toBe(md5Hex(data));
    // the digest's batch hashed the abandoned body's whole blocks too (two lanes), and freed them
    expect(md5LaneCounters.x4Blocks - before.x4Blocks).toBe(2 * Math.floor(300_000 / 64));
    const after = { ...md5LaneCounters };
    const next = createMd5();
    next.update(data);
    expect(next.digest().toString("hex")).toBe(md5Hex(data));
    expect(md5LaneCounters.x4Blocks).toBe(after.x4Blocks);
  });

  it("the caller's buffer may be reused as soon as update returns", () => {
    const random = seededRandom(14);
    const data = randomBuffer(random, 200_000);
    const scratch = Buffer.alloc(50_000);
    const hash = createMd5();
    for (let offset = 0; offset < data.length; offset += scratch.length) {
      data.copy(scratch, 0, offset, offset + scratch.length);
      hash.update(scratch);
      scratch.fill(0xee);
    }
    expect(hash.digest().toString("hex")).toBe(md5Hex(data));
  });

  it("update after digest and a second digest are programming errors", () => {
    const hash = createMd5();
    hash.digest();
    expect(() => hash.update(Buffer.from("x"))).toThrow(/after digest/);
    expect(() => hash.digest()).toThrow(/twice/);
  });

  it("a verifying body of unknown or large length is hashed in the lanes, a small one by node:crypto", async () => {
    const random = seededRandom(15);
    for (const [length, announced, inLanes] of [
      [300_000, 300_000, true],
      [300_000, undefined, true],
      [LANES_MIN_LENGTH - 1, LANES_MIN_LENGTH - 1, false],
    ] as const) {
      const data = randomBuffer(random, length);
      const before = md5LaneCounters.x1Blocks + md5LaneCounters.x4Blocks;
      const plan = announced === undefined ? { payload: { type: "unsigned" } as const } : { payload: { type: "unsigned" } as const, contentLength: announced };
      const body = verifyingBody(sourceOf(randomSplit(data, random, 40_000)), plan);
      const outcome = await drain(body.stream);
      expect(outcome.ended).toBe(true);
      expect(body.digests().md5.toString("hex")).toBe(md5Hex(data));
      expect(md5LaneCounters.x1Blocks + md5LaneCounters.x4Blocks > before, `length ${length}`).toBe(inLanes);
    }
  });
});
