// Runtime protobuf codec for the Ozone 2.2.0 OM and datanode gRPC protocols,
// and for the Ratis 3.2.1 client protocol the datanodes' RATIS port speaks.
//
// The proto subsets (hdds, Security, OmClientProtocol, DatanodeClientProtocol,
// and Ratis' Raft and Grpc) are parsed once, at module load, into a single
// protobufjs Root. `protobuf.parse` only *records* `import` lines (in its
// return value) and never fetches anything; since every imported file is
// parsed into the same Root, cross-file references are resolved by
// `root.resolveAll()`.
//
// Value conventions of the helpers below
// --------------------------------------
// The Ratis files are proto3 (see ratis.ts): zero values are neither written nor
// decoded, so a decoded Ratis message lacks every field that holds its zero value.
//
// Decode (`decodeOmResponse`, `decodeDnResponse`, `decodeMessage`):
// - int64/uint64 become decimal STRINGS (`longs: String`). Ozone ids do not
//   fit in a double: local block ids look like 113750153625600001 (> 2^53),
//   and object/update ids are similar. Use `toNumber()` for sizes, offsets,
//   lengths and times, which are always safe integers.
// - enums become their NAMES (`enums: String`), e.g. status "KEY_NOT_FOUND".
//   A number that is not in our enum would stay a number, but proto2 enums
//   are closed: protobufjs routes unknown values to unknown fields, which is
//   why Type/Status/Result are declared in full.
// - bytes stay Node Buffers that share memory with the input (no base64, no
//   copy): `bytes` conversion option left unset.
// - repeated fields are always arrays (`arrays: true`), possibly empty.
// - absent optional fields are absent (`defaults: false`). proto2 defaults
//   are NOT filled in, so the caller applies them itself where they matter:
//   OMResponse.success (true), BlockID.blockCommitSequenceId (0),
//   KeyLocation.partNumber (-1), KeyArgs.type (NONE), ...
// - oneofs also get a virtual property naming the set member
//   (`oneofs: true`), e.g. ReadChunkResponseProto.responseData = "dataBuffers".
// - field names are the proto names (camelCase conversion changes nothing in
//   these files). A few OM fields start with a capital letter, as in Ozone:
//   OMRequest.GetKeyInfoRequest / EchoRPCRequest, OMResponse.GetKeyInfoResponse
//   / ServiceListResponse / EchoRPCResponse, CreateKeyResponse.ID,
//   GetKeyInfoResponse.UserPrincipal.
//
// Encode (`encodeOmRequest`, `encodeDnRequest`, `encodeMessage`):
// - input is a plain object using the same field names; enums may be names or
//   numbers; 64-bit ints may be numbers (only when < 2^53), decimal strings or
//   Long objects (not bigint); bytes are Buffer/Uint8Array.
// - goes through `Type.fromObject` + `Type.encode`. Checked (see the tests):
//   proto2 `required` fields are always written, and optional fields that
//   were set explicitly are written even when they hold the default value
//   (e.g. BucketInfo.isVersionEnabled = false, blockCommitSequenceId = 0).
// - stricter than protobufjs: we throw on an unknown field name, on an enum
//   name/number that the enum does not have (fromObject would silently drop
//   it) and on a missing required field (protobufjs would silently write the
//   type's zero value instead).

import protobuf from "protobufjs";
import { HDDS_PROTO } from "./hdds.js";
import { SECURITY_PROTO } from "./security.js";
import { OM_PROTO } from "./om.js";
import { DATANODE_PROTO } from "./datanode.js";
import { RAFT_PROTO, RATIS_GRPC_PROTO } from "./ratis.js";
import { claimFrontRoom } from "../chunk-buffers.js";

/** A message as a plain object (see the conventions above). */
export type OzoneMessage = { [field: string]: unknown };

/** gRPC method paths. */
export const OM_SUBMIT_REQUEST_PATH = "/hadoop.ozone.OzoneManagerService/submitRequest";
export const DN_SEND_PATH = "/hadoop.hdds.datanode.XceiverClientProtocolService/send";
export const RATIS_ORDERED_PATH = "/ratis.grpc.RaftClientProtocolService/ordered";
export const RATIS_UNORDERED_PATH = "/ratis.grpc.RaftClientProtocolService/unordered";

/** toObject options used by every decode helper. */
export const DECODE_OPTIONS: protobuf.IConversionOptions = Object.freeze({
  longs: String,
  enums: String,
  arrays: true,
  defaults: false,
  oneofs: true,
});

// Dependency order; names are the ones used in the `import` lines.
const PROTO_FILES: ReadonlyArray<readonly [string, string]> = [
  ["hdds.proto", HDDS_PROTO],
  ["Security.proto", SECURITY_PROTO],
  ["OmClientProtocol.proto", OM_PROTO],
  ["DatanodeClientProtocol.proto", DATANODE_PROTO],
  ["Raft.proto", RAFT_PROTO],
  ["Grpc.proto", RATIS_GRPC_PROTO],
];

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const [name, text] of PROTO_FILES) {
    protobuf.parse(text, root, { keepCase: false });
    root.files.push(name);
  }
  root.resolveAll();
  return root;
}

function enumValues(e: protobuf.Enum): Record<string, number> {
  return Object.freeze({ ...e.values });
}

function enumNames(e: protobuf.Enum): Record<number, string> {
  return Object.freeze({ ...e.valuesById });
}

export interface OzoneProto {
  root: protobuf.Root;
  OMRequest: protobuf.Type;
  OMResponse: protobuf.Type;
  ContainerCommandRequestProto: protobuf.Type;
  ContainerCommandResponseProto: protobuf.Type;
  /** hadoop.ozone.Type: command name -> number. */
  OmType: Record<string, number>;
  /** hadoop.ozone.Status: name -> number. */
  OmStatus: Record<string, number>;
  OmStatusName: Record<number, string>;
  /** hadoop.hdds.datanode.Type: command name -> number. */
  DnType: Record<string, number>;
  /** hadoop.hdds.datanode.Result: name -> number. */
  DnResult: Record<string, number>;
  DnResultName: Record<number, string>;
  /** ratis.common.RaftClientRequestProto / RaftClientReplyProto */
  RaftClientRequestProto: protobuf.Type;
  RaftClientReplyProto: protobuf.Type;
}

function load(): OzoneProto {
  const root = buildRoot();
  return Object.freeze({
    root,
    OMRequest: root.lookupType("hadoop.ozone.OMRequest"),
    OMResponse: root.lookupType("hadoop.ozone.OMResponse"),
    ContainerCommandRequestProto: root.lookupType("hadoop.hdds.datanode.ContainerCommandRequestProto"),
    ContainerCommandResponseProto: root.lookupType("hadoop.hdds.datanode.ContainerCommandResponseProto"),
    OmType: enumValues(root.lookupEnum("hadoop.ozone.Type")),
    OmStatus: enumValues(root.lookupEnum("hadoop.ozone.Status")),
    OmStatusName: enumNames(root.lookupEnum("hadoop.ozone.Status")),
    DnType: enumValues(root.lookupEnum("hadoop.hdds.datanode.Type")),
    DnResult: enumValues(root.lookupEnum("hadoop.hdds.datanode.Result")),
    DnResultName: enumNames(root.lookupEnum("hadoop.hdds.datanode.Result")),
    RaftClientRequestProto: root.lookupType("ratis.common.RaftClientRequestProto"),
    RaftClientReplyProto: root.lookupType("ratis.common.RaftClientReplyProto"),
  });
}

/** The parsed protocol, built once when this module is first imported. */
export const ozoneProto: OzoneProto = load();

// ---- encode -----------------------------------------------------------------

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !ArrayBuffer.isView(v);
}

/** Each type's required fields, listed once (check() visits them and the input's own keys only). */
const REQUIRED = new WeakMap<protobuf.Type, readonly protobuf.Field[]>();

function requiredFields(type: protobuf.Type): readonly protobuf.Field[] {
  let fields = REQUIRED.get(type);
  if (fields === undefined) {
    fields = type.fieldsArray.filter((f) => f.required);
    REQUIRED.set(type, fields);
  }
  return fields;
}

/**
 * Walks the input object and the message fromObject made from it, in step,
 * and throws on what protobufjs would silently get wrong. It visits the input's own keys and the
 * type's required fields, not every field of the type: OMRequest has over a hundred, and a
 * request sets three or four.
 */
function check(type: protobuf.Type, input: unknown, msg: protobuf.Message, path: string): void {
  if (input instanceof protobuf.Message) return; // fromObject passes instances through unchecked
  if (!isPlainRecord(input)) throw new TypeError(`${path}: object expected`);
  const m = msg as unknown as Record<string, unknown>;
  for (const field of requiredFields(type)) {
    const name = field.name;
    if (!Object.prototype.hasOwnProperty.call(m, name)) {
      const value = input[name];
      throw new TypeError(
        value == null
          ? `${path}.${name}: required field missing`
          : `${path}.${name}: invalid value ${JSON.stringify(value)}`,
      );
    }
  }
  for (const name of Object.keys(input)) {
    const field = Object.prototype.hasOwnProperty.call(type.fields, name) ? type.fields[name] : undefined;
    if (field === undefined) {
      if (type.oneofs && Object.prototype.hasOwnProperty.call(type.oneofs, name)) continue;
      throw new TypeError(`${path}: unknown field '${name}' in ${type.fullName.slice(1)}`);
    }
    const value = input[name];
    if (value == null) continue;
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Enum) {
      const values = field.repeated ? (value as unknown[]) : [value];
      for (const v of values) {
        const ok = typeof v === "string" ? v in rt.values : typeof v === "number" && v in rt.valuesById;
        if (!ok) throw new TypeError(`${path}.${name}: ${JSON.stringify(v)} is not a ${rt.fullName.slice(1)} value`);
      }
    } else if (rt instanceof protobuf.Type) {
      if (field.repeated) {
        const items = value as unknown[];
        const out = m[name] as protobuf.Message[];
        items.forEach((item, i) => check(rt, item, out[i]!, `${path}.${name}[${i}]`));
      } else {
        check(rt, value, m[name] as protobuf.Message, `${path}.${name}`);
      }
    }
  }
}

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Encodes a plain object as `type` (strict; see the conventions above). */
export function encodeMessage(type: protobuf.Type, obj: OzoneMessage): Buffer {
  const msg = type.fromObject(obj);
  check(type, obj, msg, type.name);
  return asBuffer(type.encode(msg).finish());
}

/** Decodes bytes of `type` into a plain object (see the conventions above). */
export function decodeMessage(type: protobuf.Type, buf: Uint8Array): OzoneMessage {
  const reader = protobuf.Reader.create(asBuffer(buf));
  reader.discardUnknown = true;
  return type.toObject(type.decode(reader), DECODE_OPTIONS) as OzoneMessage;
}

export function encodeOmRequest(obj: OzoneMessage): Buffer {
  return encodeMessage(ozoneProto.OMRequest, obj);
}

export function decodeOmResponse(buf: Uint8Array): OzoneMessage {
  return decodeMessage(ozoneProto.OMResponse, buf);
}

export function encodeDnRequest(obj: OzoneMessage): Buffer {
  return encodeMessage(ozoneProto.ContainerCommandRequestProto, obj);
}

export function decodeDnResponse(buf: Uint8Array): OzoneMessage {
  return decodeMessage(ozoneProto.ContainerCommandResponseProto, buf);
}

export function encodeRatisRequest(obj: OzoneMessage): Buffer {
  return encodeMessage(ozoneProto.RaftClientRequestProto, obj);
}

/** How many bytes `n` takes as a protobuf varint. */
function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/** RaftClientRequestProto.message (2) and ClientMessageEntryProto.content (1), length-delimited */
const MESSAGE_TAG = (2 << 3) | 2;
const CONTENT_TAG = (1 << 3) | 2;

/**
 * A RaftClientRequestProto whose `message.content` is the concatenation of `content`, encoded with
 * one copy of those bytes: the rest of the request by protobufjs, then the message field written
 * here after it (protobuf decoders take fields in any order; Ratis' does). A WriteChunk's 4 MiB
 * would otherwise be copied by framing (concat) and again by protobufjs' writer.
 */
export function encodeRatisRequestWithContent(obj: OzoneMessage, content: readonly Uint8Array[]): Buffer {
  if ((obj as { message?: unknown }).message !== undefined) throw new TypeError("the request's message comes from `content`");
  const rest = encodeRatisRequest(obj);
  let contentLength = 0;
  for (const part of content) contentLength += part.byteLength;
  const messageLength = 1 + varintLength(contentLength) + contentLength;
  const length = rest.length + 1 + varintLength(messageLength) + messageLength;
  // a chunk from allocChunk as the last part: the rest goes into the room in front of it, no copy
  const last = content[content.length - 1];
  const front = last === undefined ? undefined : claimFrontRoom(last, length - last.byteLength);
  const out = front === undefined ? Buffer.allocUnsafe(length) : Buffer.from(front.buffer, front.byteOffset, length);
  rest.copy(out, 0);
  let at = rest.length;
  out[at++] = MESSAGE_TAG;
  at = writeVarint(out, at, messageLength);
  out[at++] = CONTENT_TAG;
  at = writeVarint(out, at, contentLength);
  for (const [i, part] of content.entries()) {
    if (front === undefined || i < content.length - 1) out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

export function decodeRatisReply(buf: Uint8Array): OzoneMessage {
  return decodeMessage(ozoneProto.RaftClientReplyProto, buf);
}

// ---- 64-bit helpers -----------------------------------------------------------

/**
 * A decoded int64/uint64 (decimal string) — or a number/bigint/Long — as a JS
 * number, for sizes, offsets and times. `null`/`undefined` give `fallback`.
 * Throws a RangeError if the value is not a safe integer (use the string
 * itself for ids).
 */
export function toNumber(
  v: string | number | bigint | protobuf.Long | null | undefined,
  fallback = 0,
): number {
  if (v == null) return fallback;
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string") n = v.trim() === "" ? NaN : Number(v);
  else if (typeof v === "bigint") n = Number(v);
  else n = Number(v.toString());
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${String(v)}`);
  return n;
}
