/**
 * How Ozone puts a container command into a Ratis message, and back.
 *
 * Ozone's client sends a ContainerCommandRequestProto through Ratis as the message content
 *   int32 big-endian header length | ContainerCommandRequestProto (the header) | raw data
 * where, for WriteChunk, the chunk's bytes are taken out of `writeChunk.data` and travel as the
 * raw data after the header, and every other command has no raw data
 * (apache/ozone ozone-2.2.0, hadoop-hdds/common/src/main/java/org/apache/hadoop/hdds/ratis/
 * ContainerCommandRequestMessage.java, toMessage / toProto). The leader's ContainerStateMachine
 * puts the chunk bytes back, then keeps them out of the Raft log entry (they go to the state
 * machine data, written once per replica, not in the log; ContainerStateMachine.startTransaction).
 * A reply's message content is the ContainerCommandResponseProto, serialized as is
 * (ContainerStateMachine.applyTransaction completes with the response's bytes).
 *
 * Rules the datanode enforces on this framing:
 * - a WriteChunk must carry data (startTransaction checks `!write.getData().isEmpty()`: an empty
 *   one fails the whole stream, not just the request), so framing refuses it here;
 * - `pipelineID`, if set, must be the raft group's UUID in Java's lowercase form, else the leader
 *   refuses the message (toProto); the datanode fills it in when absent, so leave it out;
 * - `version` defaults to ClientVersion.CURRENT (3), as toMessage sets it when absent.
 */
import { decodeDnResponse, decodeMessage, encodeDnRequest, ozoneProto, type OzoneMessage } from "./proto/index.js";

/** ClientVersion.CURRENT of Ozone 2.2.0 (BUCKET_LAYOUT_SUPPORT) */
const CLIENT_VERSION = 3;
const LENGTH_BYTES = 4;

/**
 * Frames one container command (a plain ContainerCommandRequestProto object, see proto/index.ts)
 * as Ozone's Ratis message content. WriteChunk's `data` moves behind the header; the input is not
 * modified.
 */
export function frameContainerCommand(request: OzoneMessage, traceId?: string): Buffer {
  return Buffer.concat(frameContainerCommandParts(request, traceId));
}

/**
 * The same message content in parts, to be sent one after the other: the length and header, then
 * a WriteChunk's data as given (not copied). The Ratis request is assembled around them with one
 * copy (ratis-client.ts), instead of a copy of the chunk here and another in the protobuf encoder.
 */
export function frameContainerCommandParts(request: OzoneMessage, traceId?: string): Buffer[] {
  const header: OzoneMessage = { ...request };
  if (traceId !== undefined) header.traceID = traceId;
  if (header.version == null) header.version = CLIENT_VERSION;
  let data: Uint8Array | undefined;
  if (header.cmdType === "WriteChunk") {
    const writeChunk = header.writeChunk as OzoneMessage | undefined;
    const bytes = writeChunk?.data as Uint8Array | undefined;
    if (bytes == null || bytes.length === 0) throw new TypeError("WriteChunk through Ratis needs data: the leader fails the stream on an empty chunk");
    const { data: _moved, ...rest } = writeChunk!;
    header.writeChunk = rest;
    data = bytes;
  }
  const headerBytes = encodeDnRequest(header);
  const head = Buffer.allocUnsafe(LENGTH_BYTES + headerBytes.length);
  head.writeInt32BE(headerBytes.length, 0);
  headerBytes.copy(head, LENGTH_BYTES);
  return data === undefined ? [head] : [head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
}

/**
 * The command a framed message carries, as the datanode rebuilds it (WriteChunk gets its data
 * back). What the leader does first with every message; here for tests and fake peers.
 */
export function unframeContainerCommand(content: Uint8Array): OzoneMessage {
  if (content.length < LENGTH_BYTES) throw new RangeError(`framed container command too short: ${content.length} bytes`);
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const end = LENGTH_BYTES + buf.readInt32BE(0);
  if (end < LENGTH_BYTES || end > buf.length) throw new RangeError(`framed container command: header length ${end - LENGTH_BYTES} does not fit in ${buf.length} bytes`);
  const header = decodeMessage(ozoneProto.ContainerCommandRequestProto, buf.subarray(LENGTH_BYTES, end));
  if (header.cmdType === "WriteChunk") {
    header.writeChunk = { ...(header.writeChunk as OzoneMessage), data: buf.subarray(end) };
  }
  return header;
}

/** A reply's message content: the ContainerCommandResponseProto. */
export function decodeContainerReply(content: Uint8Array): OzoneMessage {
  return decodeDnResponse(content);
}
