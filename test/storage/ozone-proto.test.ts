/**
 * The Ozone 2.2.0 wire codec (runtime/storage/ozone/proto): field numbers land where Ozone expects
 * them, proto2 required and explicitly-set default values reach the wire, and decode conventions
 * (int64 as decimal strings, enums as names, bytes as Buffers) hold.
 */
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { only, rawFields } from "../support/proto-fields.js";

import {
  decodeDnResponse,
  decodeMessage,
  decodeOmResponse,
  encodeDnRequest,
  encodeMessage,
  encodeOmRequest,
  ozoneProto,
  toNumber,
  type OzoneMessage,
} from "../../runtime/storage/ozone/proto/index.js";

/** A field as found on the wire: varints as decimal strings, length-delimited as bytes. */
/** Follows a chain of nested message field numbers and returns the innermost message's bytes. */
function nested(buf: Uint8Array, ...path: number[]): Uint8Array {
  let cur = buf;
  for (const id of path) {
    const f = only(rawFields(cur), id);
    expect(f.wireType).toBe(2);
    cur = f.bytes!;
  }
  return cur;
}

const envelope = { clientId: "test-client", version: 3, s3Authentication: { stringToSign: "x", signature: "x", accessId: "testuser" } };

const BIG_LOCAL_ID = "113750153625600001"; // > 2^53: not representable as a JS number

describe("ozone proto: schema", () => {
  it("exposes the full enums as plain objects", () => {
    expect(ozoneProto.OmType.ListMultipartUploads).toBe(82);
    expect(ozoneProto.OmType.GetS3VolumeContext).toBe(104);
    expect(ozoneProto.OmType.PutObjectTagging).toBe(140);
    expect(ozoneProto.OmType.SubmitSnapshotDiff).toBe(143);
    expect(ozoneProto.OmStatus.KEY_NOT_FOUND).toBe(12);
    expect(ozoneProto.OmStatus.ATOMIC_WRITE_CONFLICT).toBe(101);
    expect(ozoneProto.OmStatusName[26]).toBe("NO_SUCH_MULTIPART_UPLOAD_ERROR");
    expect(ozoneProto.DnType.WriteChunk).toBe(12);
    expect(ozoneProto.DnType.ReadBlock).toBe(24);
    expect(ozoneProto.DnResult.CONTAINER_NOT_OPEN).toBe(39);
    expect(ozoneProto.DnResultName[48]).toBe("CONTAINER_ID_MISMATCH");
    expect(ozoneProto.OMRequest.fullName).toBe(".hadoop.ozone.OMRequest");
    expect(ozoneProto.root.lookupType("hadoop.hdds.BlockID").fields.containerBlockID!.id).toBe(1);
    expect(ozoneProto.root.lookupService("hadoop.ozone.OzoneManagerService").methods.submitRequest).toBeDefined();
    const send = ozoneProto.root.lookupService("hadoop.hdds.datanode.XceiverClientProtocolService").methods.send!;
    expect(send.requestStream && send.responseStream).toBe(true);
  });
});

describe("ozone proto: OM requests", () => {
  it("CreateBucket writes required-with-default fields (isVersionEnabled=false, storageType=DISK)", () => {
    const req = {
      ...envelope,
      cmdType: "CreateBucket",
      createBucketRequest: {
        bucketInfo: {
          volumeName: "s3v",
          bucketName: "bucket-1",
          isVersionEnabled: false,
          storageType: "DISK",
          bucketLayout: "OBJECT_STORE",
          owner: "testuser",
          defaultReplicationConfig: { type: "STAND_ALONE", factor: "ONE" },
        },
      },
    };
    const buf = encodeOmRequest(req);

    const top = rawFields(buf);
    expect(only(top, 1).varint).toBe("21"); // cmdType
    expect(only(top, 5).varint).toBe("3"); // version
    const info = rawFields(nested(buf, 21, 1)); // createBucketRequest -> bucketInfo
    expect(only(info, 4)).toEqual({ id: 4, wireType: 0, varint: "0" }); // isVersionEnabled = false, on the wire
    expect(only(info, 5).varint).toBe("1"); // storageType DISK
    expect(only(info, 18).varint).toBe("3"); // bucketLayout OBJECT_STORE
    const repl = rawFields(nested(buf, 21, 1, 20));
    expect(only(repl, 1).varint).toBe("2"); // STAND_ALONE
    expect(only(repl, 2).varint).toBe("1"); // ONE

    const back = decodeMessage(ozoneProto.OMRequest, buf);
    expect(back).toMatchObject({ cmdType: "CreateBucket", clientId: "test-client", version: 3 });
    expect(back.createBucketRequest).toEqual({
      bucketInfo: {
        volumeName: "s3v",
        bucketName: "bucket-1",
        acls: [],
        isVersionEnabled: false,
        storageType: "DISK",
        metadata: [],
        bucketLayout: "OBJECT_STORE",
        owner: "testuser",
        defaultReplicationConfig: { type: "STAND_ALONE", factor: "ONE" },
      },
    });
  });

  it("puts sub-requests in Ozone's field numbers, not the Type numbers", () => {
    const keyArgs = { volumeName: "s3v", bucketName: "b", keyName: "k" };
    const cases: Array<[string, string, number]> = [
      ["ListMultipartUploads", "listMultipartUploadsRequest", 83],
      ["PutObjectTagging", "putObjectTaggingRequest", 141],
      ["GetObjectTagging", "getObjectTaggingRequest", 140],
      ["DeleteObjectTagging", "deleteObjectTaggingRequest", 142],
      ["ListKeysLight", "listKeysRequest", 35],
      ["GetKeyInfo", "GetKeyInfoRequest", 111],
      ["GetS3VolumeContext", "getS3VolumeContextRequest", 104],
      ["ListMultiPartUploadParts", "listMultipartUploadPartsRequest", 50],
    ];
    const bodies: Record<string, OzoneMessage> = {
      listMultipartUploadsRequest: { volume: "s3v", bucket: "b", prefix: "", withPagination: true },
      putObjectTaggingRequest: { keyArgs: { ...keyArgs, tags: [{ key: "a", value: "1" }] } },
      getObjectTaggingRequest: { keyArgs },
      deleteObjectTaggingRequest: { keyArgs },
      listKeysRequest: { volumeName: "s3v", bucketName: "b", count: 1000 },
      GetKeyInfoRequest: { keyArgs, assumeS3Context: true },
      getS3VolumeContextRequest: {},
      listMultipartUploadPartsRequest: { volume: "s3v", bucket: "b", key: "k", uploadID: "u" },
    };
    for (const [cmdType, field, id] of cases) {
      const buf = encodeOmRequest({ ...envelope, cmdType, [field]: bodies[field] });
      const top = rawFields(buf);
      expect(only(top, 1).varint, cmdType).toBe(String(ozoneProto.OmType[cmdType]));
      expect(only(top, id).wireType, `${cmdType} -> field ${id}`).toBe(2);
      expect(decodeMessage(ozoneProto.OMRequest, buf)[field]).toBeDefined();
    }
    // ListMultipartUploads: the required, empty prefix is still written.
    const lmu = encodeOmRequest({ ...envelope, cmdType: "ListMultipartUploads", listMultipartUploadsRequest: bodies.listMultipartUploadsRequest! });
    expect(only(rawFields(nested(lmu, 83)), 3).bytes).toHaveLength(0);
    expect(rawFields(lmu).some((f) => f.id === 82)).toBe(false);
  });

  it("writes explicitly set optional defaults, and leaves unset optionals off the wire", () => {
    const buf = encodeOmRequest({
      ...envelope,
      cmdType: "CommitKey",
      commitKeyRequest: {
        clientID: "0",
        keyArgs: {
          volumeName: "s3v",
          bucketName: "b",
          keyName: "k",
          dataSize: 0,
          keyLocations: [
            {
              blockID: { containerBlockID: { containerID: 1, localID: BIG_LOCAL_ID }, blockCommitSequenceId: 0 },
              offset: 0,
              length: 0,
            },
          ],
        },
      },
    });
    const commit = rawFields(nested(buf, 36));
    expect(only(commit, 2).varint).toBe("0"); // required clientID = 0
    const args = rawFields(nested(buf, 36, 1));
    expect(only(args, 4).varint).toBe("0"); // dataSize explicitly 0
    expect(args.some((f) => f.id === 5 || f.id === 6)).toBe(false); // type/factor unset
    const loc = rawFields(nested(buf, 36, 1, 7));
    expect(only(loc, 3).varint).toBe("0"); // offset
    expect(only(loc, 4).varint).toBe("0"); // length
    expect(loc.some((f) => f.id === 9)).toBe(false); // partNumber unset
    const blockId = rawFields(nested(buf, 36, 1, 7, 1));
    expect(only(blockId, 2).varint).toBe("0"); // blockCommitSequenceId explicitly 0
    expect(only(rawFields(nested(buf, 36, 1, 7, 1, 1)), 2).varint).toBe(BIG_LOCAL_ID);
  });

  it("rejects what protobufjs would silently drop or zero-fill", () => {
    const bucketInfo = { volumeName: "s3v", bucketName: "b", isVersionEnabled: false, storageType: "DISK" };
    expect(() => encodeOmRequest({ cmdType: "CreateBucket", createBucketRequest: { bucketInfo } })).toThrow(/clientId: required field missing/);
    expect(() =>
      encodeOmRequest({ ...envelope, cmdType: "CreateBucket", createBucketRequest: { bucketInfo: { ...bucketInfo, isVersionEnabled: undefined } } }),
    ).toThrow(/isVersionEnabled: required field missing/);
    expect(() => encodeOmRequest({ ...envelope, cmdType: "CreateBuckett" })).toThrow(/cmdType: invalid value/);
    expect(() =>
      encodeOmRequest({
        ...envelope,
        cmdType: "CreateKey",
        createKeyRequest: { keyArgs: { volumeName: "s3v", bucketName: "b", keyName: "k", type: "STANDALONE" } },
      }),
    ).toThrow(/not a hadoop\.hdds\.ReplicationType value/);
    expect(() => encodeOmRequest({ ...envelope, cmdType: "GetKeyInfo", getKeyInfoRequest: {} })).toThrow(/unknown field 'getKeyInfoRequest'/);
  });
});

describe("ozone proto: OM responses", () => {
  it("decodes status names, leaves proto2 defaults unapplied and skips unknown fields", () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 0).int32(111); // cmdType GetKeyInfo
    w.uint32((5 << 3) | 0).int32(12); // status KEY_NOT_FOUND
    w.uint32((4 << 3) | 2).string("Key not found");
    w.uint32((3 << 3) | 0).bool(false); // success
    w.uint32((7 << 3) | 2).bytes(Buffer.from([8, 1])); // a field we do not declare
    w.uint32((999 << 3) | 0).int32(5); // another one
    const resp = decodeOmResponse(w.finish());
    expect(resp).toEqual({ cmdType: "GetKeyInfo", success: false, message: "Key not found", status: "KEY_NOT_FOUND" });

    const minimal = decodeOmResponse(encodeMessage(ozoneProto.OMResponse, { cmdType: "CreateBucket", status: "OK" }));
    expect(minimal).toEqual({ cmdType: "CreateBucket", status: "OK" }); // success (default true) is absent
  });

  it("round-trips 64-bit ids exactly as decimal strings", () => {
    const keyLocation = {
      blockID: { containerBlockID: { containerID: 1234, localID: BIG_LOCAL_ID }, blockCommitSequenceId: "42" },
      offset: 0,
      length: 4194304,
      pipeline: {
        members: [{ uuid: "dn-1", ipAddress: "127.0.0.1", hostName: "localhost", ports: [{ name: "STANDALONE", value: 9859 }] }],
        state: "PIPELINE_OPEN",
        type: "STAND_ALONE",
        factor: "ONE",
        id: { id: "p-1", uuid128: { mostSigBits: "-6917529027641081856", leastSigBits: "9223372036854775807" } },
      },
    };
    const buf = encodeMessage(ozoneProto.OMResponse, {
      cmdType: "AllocateBlock",
      status: "OK",
      allocateBlockResponse: { keyLocation },
    });
    expect(only(rawFields(nested(buf, 37, 2, 1, 1)), 2).varint).toBe(BIG_LOCAL_ID);
    const resp = decodeOmResponse(buf);
    const loc = (resp.allocateBlockResponse as { keyLocation: Record<string, any> }).keyLocation;
    expect(loc.blockID).toEqual({ containerBlockID: { containerID: "1234", localID: BIG_LOCAL_ID }, blockCommitSequenceId: "42" });
    expect(loc.length).toBe("4194304");
    expect(toNumber(loc.length)).toBe(4194304);
    expect(loc.pipeline.id.uuid128).toEqual({ mostSigBits: "-6917529027641081856", leastSigBits: "9223372036854775807" });
    expect(loc.pipeline.members[0].ports).toEqual([{ name: "STANDALONE", value: 9859 }]);
    expect(loc.pipeline.state).toBe("PIPELINE_OPEN");
  });

  it("ListKeysLight answers in field 126 and ListMultipartUploads in field 82", () => {
    const light = encodeMessage(ozoneProto.OMResponse, {
      cmdType: "ListKeysLight",
      status: "OK",
      listKeysLightResponse: {
        basicKeyInfo: [{ keyName: "a", dataSize: 3, modificationTime: "1764066000000", eTag: "abc", type: "STAND_ALONE" }],
        isTruncated: false,
      },
    });
    expect(only(rawFields(light), 126).wireType).toBe(2);
    const l = decodeOmResponse(light).listKeysLightResponse as Record<string, any>;
    expect(l.basicKeyInfo[0]).toEqual({ keyName: "a", dataSize: "3", modificationTime: "1764066000000", eTag: "abc", type: "STAND_ALONE" });
    expect(l.isTruncated).toBe(false);

    const lmu = encodeMessage(ozoneProto.OMResponse, {
      cmdType: "ListMultipartUploads",
      status: "OK",
      listMultipartUploadsResponse: {
        isTruncated: false,
        uploadsList: [{ volumeName: "s3v", bucketName: "b", keyName: "k", uploadId: "u", creationTime: 1, type: "STAND_ALONE" }],
      },
    });
    expect(only(rawFields(lmu), 82).wireType).toBe(2);
    expect(rawFields(lmu).some((f) => f.id === 83)).toBe(false);
    expect((decodeOmResponse(lmu).listMultipartUploadsResponse as Record<string, any>).uploadsList[0].uploadId).toBe("u");
  });

  it("decodes a PARTIAL_DELETE DeleteKeys answer with its body", () => {
    const buf = encodeMessage(ozoneProto.OMResponse, {
      cmdType: "DeleteKeys",
      status: "PARTIAL_DELETE",
      deleteKeysResponse: {
        unDeletedKeys: { volumeName: "s3v", bucketName: "b", keys: ["x"] },
        status: false,
        errors: [{ key: "x", errorCode: "KEY_NOT_FOUND", errorMsg: "gone" }],
      },
    });
    const resp = decodeOmResponse(buf);
    expect(resp.status).toBe("PARTIAL_DELETE");
    expect(resp.deleteKeysResponse).toEqual({
      unDeletedKeys: { volumeName: "s3v", bucketName: "b", keys: ["x"] },
      status: false,
      errors: [{ key: "x", errorCode: "KEY_NOT_FOUND", errorMsg: "gone" }],
    });
  });
});

describe("ozone proto: datanode", () => {
  it("round-trips a 1 MiB WriteChunk", () => {
    const data = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    const req = {
      cmdType: "WriteChunk",
      containerID: 1234,
      datanodeUuid: "6f0d7a0e-0000-4000-8000-000000000001",
      version: 3,
      writeChunk: {
        blockID: { containerID: 1234, localID: BIG_LOCAL_ID, blockCommitSequenceId: 0 },
        chunkData: {
          chunkName: `${BIG_LOCAL_ID}_chunk_1`,
          offset: 0,
          len: data.length,
          checksumData: { type: "CRC32", bytesPerChecksum: 16384, checksums: [Buffer.from([1, 2, 3, 4])] },
        },
        data,
      },
    };
    const buf = encodeDnRequest(req);
    expect(buf.length).toBeGreaterThan(data.length);
    const top = rawFields(buf);
    expect(only(top, 1).varint).toBe("12");
    expect(only(top, 3).varint).toBe("1234");
    expect(only(top, 24).varint).toBe("3");
    expect(only(rawFields(nested(buf, 17, 1)), 2).varint).toBe(BIG_LOCAL_ID);
    expect(only(rawFields(nested(buf, 17, 1)), 3).varint).toBe("0"); // explicit BCSID 0

    const back = decodeMessage(ozoneProto.ContainerCommandRequestProto, buf) as Record<string, any>;
    expect(back.cmdType).toBe("WriteChunk");
    expect(back.containerID).toBe("1234");
    expect(back.writeChunk.blockID).toEqual({ containerID: "1234", localID: BIG_LOCAL_ID, blockCommitSequenceId: "0" });
    expect(back.writeChunk.chunkData.len).toBe(String(data.length));
    expect(back.writeChunk.chunkData.checksumData.type).toBe("CRC32");
    expect(Buffer.isBuffer(back.writeChunk.data)).toBe(true);
    expect(Buffer.compare(back.writeChunk.data, data)).toBe(0);
    expect(Buffer.isBuffer(back.writeChunk.chunkData.checksumData.checksums[0])).toBe(true);
  });

  it("requires containerID, datanodeUuid and ChunkInfo.checksumData", () => {
    expect(() => encodeDnRequest({ cmdType: "Echo", containerID: 0, echo: {} })).toThrow(/datanodeUuid: required field missing/);
    expect(() =>
      encodeDnRequest({
        cmdType: "ReadChunk",
        containerID: 1,
        datanodeUuid: "u",
        readChunk: { blockID: { containerID: 1, localID: 2 }, chunkData: { chunkName: "c", offset: 0, len: 1 } },
      }),
    ).toThrow(/checksumData: required field missing/);
    // containerID 0 is written even though it is the zero value.
    expect(only(rawFields(encodeDnRequest({ cmdType: "Echo", containerID: 0, datanodeUuid: "u", echo: {} })), 3).varint).toBe("0");
  });

  it("decodes responses: result names, ReadChunk V1 buffers, PutBlock committed length", () => {
    const chunk = { chunkName: "c1", offset: 0, len: 6, checksumData: { type: "NONE", bytesPerChecksum: 16384 } };
    const blockID = { containerID: 7, localID: BIG_LOCAL_ID, blockCommitSequenceId: 0 };
    const read = decodeDnResponse(
      encodeMessage(ozoneProto.ContainerCommandResponseProto, {
        cmdType: "ReadChunk",
        result: "SUCCESS",
        readChunk: { blockID, chunkData: chunk, dataBuffers: { buffers: [Buffer.from("abc"), Buffer.from("def")] } },
      }),
    ) as Record<string, any>;
    expect(read.result).toBe("SUCCESS");
    expect(read.readChunk.responseData).toBe("dataBuffers");
    expect(Buffer.concat(read.readChunk.dataBuffers.buffers).toString()).toBe("abcdef");
    expect(read.readChunk.blockID.localID).toBe(BIG_LOCAL_ID);

    const put = decodeDnResponse(
      encodeMessage(ozoneProto.ContainerCommandResponseProto, {
        cmdType: "PutBlock",
        result: "SUCCESS",
        putBlock: { committedBlockLength: { blockID, blockLength: 6 } },
      }),
    ) as Record<string, any>;
    expect(put.putBlock.committedBlockLength.blockLength).toBe("6");

    const failed = decodeDnResponse(
      encodeMessage(ozoneProto.ContainerCommandResponseProto, { cmdType: "WriteChunk", result: "CLOSED_CONTAINER_IO", message: "closed" }),
    );
    expect(failed).toEqual({ cmdType: "WriteChunk", result: "CLOSED_CONTAINER_IO", message: "closed" });
  });
});

describe("ozone proto: toNumber", () => {
  it("converts safe 64-bit values and refuses unsafe ones", () => {
    expect(toNumber("4194304")).toBe(4194304);
    expect(toNumber("-2")).toBe(-2);
    expect(toNumber(undefined)).toBe(0);
    expect(toNumber(null, -1)).toBe(-1);
    expect(toNumber(12n)).toBe(12);
    const long = protobuf.Reader.create(protobuf.Writer.create().uint64("1764066000000").finish()).uint64();
    expect(toNumber(long)).toBe(1764066000000);
    expect(() => toNumber(BIG_LOCAL_ID)).toThrow(RangeError);
    expect(() => toNumber("")).toThrow(RangeError);
  });
});
