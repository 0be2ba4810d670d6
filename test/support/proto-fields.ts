/**
 * Raw protobuf wire reading for tests that pin field numbers: what an encoder really put on the
 * wire, field by field, independent of the codec under test.
 */
import protobuf from "protobufjs";
import { expect } from "vitest";

export interface RawField {
  id: number;
  wireType: number;
  varint?: string;
  bytes?: Uint8Array;
}

export function rawFields(buf: Uint8Array): RawField[] {
  const r = protobuf.Reader.create(buf);
  const out: RawField[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === 0) out.push({ id, wireType, varint: r.uint64().toString() });
    else if (wireType === 2) out.push({ id, wireType, bytes: r.bytes() });
    else {
      r.skipType(wireType);
      out.push({ id, wireType });
    }
  }
  return out;
}

/** The one field `id` of `fields` (the test fails when it is missing or repeated). */
export function only(fields: RawField[], id: number): RawField {
  const hits = fields.filter((f) => f.id === id);
  expect(hits, `field ${id}`).toHaveLength(1);
  return hits[0]!;
}
