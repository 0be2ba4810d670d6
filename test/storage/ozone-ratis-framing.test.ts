/**
 * Ozone's framing of container commands in Ratis messages (runtime/storage/ozone/ratis-framing.ts,
 * after ContainerCommandRequestMessage of ozone-2.2.0): a 4-byte big-endian header length, the
 * ContainerCommandRequestProto without WriteChunk's data, then the data.
 */
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";

import { decodeMessage, encodeMessage, ozoneProto } from "../../runtime/storage/ozone/proto/index.js";
import { decodeContainerReply, frameContainerCommand, unframeContainerCommand } from "../../runtime/storage/ozone/ratis-framing.js";

const blockID = { containerID: 5, localID: "113750153625600001", blockCommitSequenceId: 0 };
const chunkData = { chunkName: "113750153625600001_chunk_1", offset: 0, len: 5, checksumData: { type: "CRC32", bytesPerChecksum: 16384, checksums: [Buffer.from([1, 2, 3, 4])] } };

function writeChunk(data: Buffer) {
  return { cmdType: "WriteChunk", containerID: 5, datanodeUuid: "dn-1", writeChunk: { blockID, chunkData, data } };
}

function fieldIds(buf: Uint8Array): number[] {
  const r = protobuf.Reader.create(buf);
  const out: number[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    out.push(tag >>> 3);
    r.skipType(tag & 7);
  }
  return out;
}

describe("ratis framing", () => {
  it("moves WriteChunk data behind the header, after a big-endian length", () => {
    const data = Buffer.from("hello");
    const request = writeChunk(data);
    const framed = frameContainerCommand(request, "trace-1");
    const headerLength = framed.readInt32BE(0);
    expect(framed.length).toBe(4 + headerLength + data.length);
    expect(framed.subarray(4 + headerLength).toString()).toBe("hello");

    const header = decodeMessage(ozoneProto.ContainerCommandRequestProto, framed.subarray(4, 4 + headerLength)) as Record<string, any>;
    expect(header.cmdType).toBe("WriteChunk");
    expect(header.traceID).toBe("trace-1");
    expect(header.version).toBe(3); // ClientVersion.CURRENT when the caller set none
    expect(header.writeChunk.data).toBeUndefined(); // cleared, not an empty field
    expect(fieldIds(encodeMessage(ozoneProto.root.lookupType("hadoop.hdds.datanode.WriteChunkRequestProto"), header.writeChunk))).toEqual([1, 2]);
    expect(header.writeChunk.chunkData.chunkName).toBe("113750153625600001_chunk_1");
    expect(header.pipelineID).toBeUndefined(); // the datanode fills it in from the raft group
    expect(request.writeChunk.data).toBe(data); // the input is left alone

    const back = unframeContainerCommand(framed) as Record<string, any>;
    expect(back.writeChunk.data.toString()).toBe("hello");
    expect(back.writeChunk.blockID.localID).toBe("113750153625600001");
  });

  it("frames PutBlock with no data after the header and keeps a version the caller set", () => {
    const request = {
      cmdType: "PutBlock",
      containerID: 5,
      datanodeUuid: "dn-1",
      version: 2,
      putBlock: { blockData: { blockID, metadata: [{ key: "TYPE", value: "KEY" }], chunks: [chunkData], size: 5 }, eof: true },
    };
    const framed = frameContainerCommand(request);
    expect(framed.readInt32BE(0)).toBe(framed.length - 4);
    const back = unframeContainerCommand(framed) as Record<string, any>;
    expect(back.version).toBe(2);
    expect(back.traceID).toBeUndefined();
    expect(back.putBlock.eof).toBe(true);
    expect(back.putBlock.blockData.chunks).toHaveLength(1);
  });

  it("refuses a WriteChunk without data (the leader would fail the whole stream)", () => {
    expect(() => frameContainerCommand(writeChunk(Buffer.alloc(0)))).toThrow(/needs data/);
    expect(() => frameContainerCommand({ cmdType: "WriteChunk", containerID: 5, datanodeUuid: "dn-1", writeChunk: { blockID, chunkData } })).toThrow(/needs data/);
  });

  it("rejects truncated frames", () => {
    const framed = frameContainerCommand(writeChunk(Buffer.from("hello")));
    expect(() => unframeContainerCommand(framed.subarray(0, 3))).toThrow(/too short/);
    const lying = Buffer.from(framed);
    lying.writeInt32BE(framed.length, 0);
    expect(() => unframeContainerCommand(lying)).toThrow(/does not fit/);
  });

  it("reads a reply's content as the ContainerCommandResponseProto", () => {
    const content = encodeMessage(ozoneProto.ContainerCommandResponseProto, {
      cmdType: "PutBlock",
      result: "SUCCESS",
      putBlock: { committedBlockLength: { blockID: { ...blockID, blockCommitSequenceId: 17 }, blockLength: 5 } },
    });
    const reply = decodeContainerReply(content) as Record<string, any>;
    expect(reply.result).toBe("SUCCESS");
    expect(reply.putBlock.committedBlockLength.blockID.blockCommitSequenceId).toBe("17");
  });
});
