/**
 * The Ozone store's shared machinery (store.ts's header describes how the store talks to Ozone):
 * what one open store shares (the OM client, datanode streams and Raft channels, storage classes),
 * and what one request's calls are built from: om() sends an OM request as the request's caller,
 * keyArgs() names a key, getBucket() checks a bucket, keyInfo()/objectInfo() read a key, and
 * writeBody() streams a body into the blocks of a new key or part.
 *
 * One OzoneCore per request (forRequest), over the store's one OzoneShared. The feature modules
 * (store.ts for objects, buckets.ts, multipart.ts, listing.ts, unsupported.ts) each hold it; its
 * members are public to them, not to the rest of the gateway, which sees only OzoneStore
 * (index.ts exports nothing from here).
 */
import type { BucketConfigCache } from "../../bucket-config-cache.js";
import { StorageError, type BucketInfo, type IncomingBody, type ObjectInfo, type StorageErrorKind } from "../types.js";
import { etagHeaderMatches, normalizeEtag } from "../keys.js";
import { checkVersionIdForm } from "../version-ids.js";
import { type EcScheme } from "./ec-block-reader.js";
import { createErasureCoder, type ErasureCoder } from "./ec/coder.js";
import { blockRefOf, type BlockWriter } from "./block-writer.js";
import { DatanodeError, endpointsOf, type BlockStream, type DatanodeEndpoint } from "./datanode-client.js";
import { KeyWriter, type ExcludeList, type WriteMove } from "./key-writer.js";
import { EcKeyWriter } from "./ec-key-writer.js";
import { replicationLabel, type Replication, type StorageClasses } from "./storage-class.js";
import { RatisBlockWriter } from "./ratis-block-writer.js";
import { RatisClients } from "./ratis-clients.js";
import { allocChunk } from "./chunk-buffers.js";
import { mapRatisError, ratisGroupOf, type RatisChannels } from "./ratis-group.js";
import { StandaloneBlockWriter } from "./standalone-block-writer.js";
import { decodeMetadata, fromKeyValues } from "./metadata.js";
import { mapOmError } from "./om-errors.js";
import { resolveLink } from "./bucket-links.js";
import type { OmClient, OmMessage, S3Authentication } from "./om-client.js";
import type { OzonePrincipals } from "./acl.js";

/** The datanode side of the store: streams to datanodes by endpoint. */
export interface Datanodes {
  open(endpoint: DatanodeEndpoint): BlockStream;
  close(): void;
}

/** OM list calls return at most this many entries (ozone.om.server.list.max.size) */
export const OM_PAGE = 1000;
/** the ETag of an empty object: a directory of an FSO bucket read or listed as the object "d/" */
export const EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

export function notWritable(label: string, storageClass: string): StorageError {
  return new StorageError(
    "NOT_SUPPORTED",
    `write with ${label} replication`,
    `This gateway writes to Ozone with STANDALONE, RATIS and EC replication; storage class ${storageClass} maps to ${label}, which it does not write.`,
  );
}

/**
 * A bucket with an encryption key (Ozone's transparent data encryption, `ozone sh bucket create
 * --bucketkey`): Ozone's client encrypts and decrypts its keys' data with keys from a Hadoop KMS,
 * which this gateway does not do. Refused whole (501), never served half-working: a key written
 * here would be read by Ozone's clients as ciphertext, and one they wrote would be served encrypted.
 */
export function encryptedBucket(name: string, beinfo: OmMessage): StorageError {
  return new StorageError(
    "NOT_SUPPORTED",
    `bucket ${name} is encrypted (bucket key ${String(beinfo.keyName)})`,
    `Bucket ${name} is encrypted by Ozone's transparent data encryption, which this gateway does not support: use Ozone's own S3 gateway for it.`,
  );
}

/**
 * How long a datanode a Ratis watch found behind is assumed to still be: writes to its pipelines
 * meanwhile accept the majority without first waiting for it. Long enough to cover a burst of
 * writes, short enough that a datanode back up soon gets full ALL_COMMITTED watches again.
 */
const LAGGING_MEMORY_MS = 60_000;

/**
 * The coder and cell size of an EC key (its ecReplicationConfig: codec "RS" or "XOR", data,
 * parity, ecChunkSize), the coder taken from `coders` or built into it.
 */
export function ecSchemeOf(k: OmMessage, coders: Map<string, ErasureCoder>): EcScheme {
  const c = (k.ecReplicationConfig ?? {}) as OmMessage;
  const id = `${String(c.codec ?? "").toLowerCase()}-${c.data}-${c.parity}`;
  let coder = coders.get(id);
  if (coder === undefined) {
    try {
      coder = createErasureCoder(String(c.codec ?? "").toLowerCase(), Number(c.data), Number(c.parity));
    } catch (err) {
      throw new StorageError("NOT_SUPPORTED", "EC read", `Reading EC keys of scheme ${id}: ${(err as Error).message}.`);
    }
    coders.set(id, coder);
  }
  const cellSize = Number(c.ecChunkSize);
  if (!(cellSize > 0)) throw new StorageError("NOT_SUPPORTED", "EC read", `EC key with cell size ${String(c.ecChunkSize)}`);
  return { coder, cellSize };
}

/** The replication the OM gave a new key (its blocks are allocated with it, its writer chosen by it). */
export function resolvedReplication(info: OmMessage): OmMessage {
  return { type: info.type, factor: info.factor, ...(info.type === "EC" && { ecReplicationConfig: info.ecReplicationConfig }) };
}

/** The replication types this gateway writes. */
export function writable(type: unknown): boolean {
  return type === undefined || type === "STAND_ALONE" || type === "RATIS" || type === "EC";
}

/** What one open store shares: every request's OzoneCore holds it. */
export interface OzoneShared {
  om: OmClient;
  dn: Datanodes;
  /** channels to datanodes' Ratis client ports, shared by the Raft groups (pipelines) written to */
  ratis: RatisChannels;
  /** a Ratis client per pipeline, shared by the blocks written to it (ratisClientsOf) */
  ratisClients: RatisClients;
  /** datanodes a Ratis watch found behind (most likely down), until when to assume they still are */
  lagging: Map<string, number>;
  /** EC coders by scheme ("rs-3-2"), built on first use: their matrices and tables are read-only */
  ecCoders: Map<string, ErasureCoder>;
  requestTimeoutMs: number;
  volume: string;
  /** the layout of buckets CreateBucket makes */
  bucketLayout: "OBJECT_STORE" | "FILE_SYSTEM_OPTIMIZED";
  storageClasses: StorageClasses;
  service: S3Authentication;
  principals: OzonePrincipals;
  /** getBucket answers, kept CACHE_TTL_MS (OzoneCore.getBucket says why and what for) */
  buckets: BucketConfigCache<OzoneBucketInfo>;
  /**
   * Tells this gateway's other processes that a bucket was created or deleted here, so that they
   * drop their kept answer for it (runtime/workers/: the primary tells every worker); resolves
   * once they have been told. Absent in a gateway of one process.
   */
  onBucketChanged?: (bucket: string) => Promise<void>;
  /** where a write that moved away from a failed block or block group is told */
  logger?: OzoneLogger;
}

/** What the store logs to (the gateway's pino logger). */
export interface OzoneLogger {
  warn(fields: object, message: string): void;
}

/** Datanodes recently found behind (and forgets those found long enough ago). */
function laggingDatanodes(lagging: Map<string, number>): string[] {
  const now = Date.now();
  for (const [peer, until] of lagging) if (until <= now) lagging.delete(peer);
  return [...lagging.keys()];
}

/**
 * The store's Ratis clients, one per pipeline (ratis-clients.ts). Ozone's client waits minutes
 * (60 s per attempt, 5 min per write); an S3 client does not: a leader election takes seconds, a
 * group that answers nothing within `requestTimeoutMs` is down. A datanode found behind by one
 * write is assumed behind by the next for a while (`lagging`): each new client would otherwise
 * wait out a 30 s ALL_COMMITTED watch before finding it again.
 */
export function ratisClientsOf(channels: RatisChannels, lagging: Map<string, number>, requestTimeoutMs: number): RatisClients {
  return new RatisClients({
    channels,
    client: {
      requestTimeoutMs,
      watchTimeoutMs: requestTimeoutMs,
      deadlineMs: 2 * requestTimeoutMs,
      primeWindow: true,
      onBehind: (peers) => {
        for (const p of peers) lagging.set(p, Date.now() + LAGGING_MEMORY_MS);
      },
    },
    behind: () => laggingDatanodes(lagging),
    behindMemoryMs: LAGGING_MEMORY_MS,
  });
}

export function ms(v: unknown): Date {
  return new Date(Number(v ?? 0));
}

function partsCountOf(etag: string | undefined): number | undefined {
  const m = /-(\d+)$/.exec(etag ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * Listens for the body's failure from the start: a small body can be read, verified and failed
 * (a bad checksum) while the OM is still being asked for the key, before anything iterates it.
 * Returns what it failed with, if it did.
 */
export function watchBody(body: IncomingBody): () => Error | undefined {
  let error: Error | undefined;
  body.stream.on("error", (err: Error) => (error ??= err));
  return () => error;
}

export function versionNotFound(versionId: string): StorageError {
  return new StorageError("VERSION_NOT_FOUND", undefined, undefined, undefined, { versionId });
}

/** Ozone keeps one version of a key, "null": any other version id names nothing (one of another form is refused). */
export function onlyNullVersion(versionId: string | undefined): void {
  if (versionId !== undefined) checkVersionIdForm(versionId);
  if (versionId !== undefined && versionId !== "null") throw versionNotFound(versionId);
}

/** The block list of the key's latest version. */
export function latestLocations(k: OmMessage): OmMessage[] {
  const versions = (k.keyLocationList ?? []) as OmMessage[];
  return versions.length === 0 ? [] : ((versions[versions.length - 1].keyLocations ?? []) as OmMessage[]);
}

/** What getBucket keeps of a bucket: S3's BucketInfo, and whether its keys are file-system paths (fso.ts). */
export interface OzoneBucketInfo extends BucketInfo {
  /** the bucket (a link's source) has the FILE_SYSTEM_OPTIMIZED layout */
  fso?: true;
}

export function bucketInfo(b: OmMessage): OzoneBucketInfo {
  return {
    name: String(b.bucketName),
    creationDate: ms(b.creationTime),
    owner: String(b.owner ?? ""),
    ...(b.bucketLayout === "FILE_SYSTEM_OPTIMIZED" && { fso: true as const }),
  };
}

export class OzoneCore {
  constructor(
    readonly shared: OzoneShared,
    /** who the request's OM calls are from (the store's service identity outside a request) */
    readonly auth: S3Authentication,
  ) {}

  async om(cmdType: string, field: string, request: OmMessage, overrides?: Partial<Record<string, StorageErrorKind>>): Promise<OmMessage> {
    try {
      return await this.shared.om.submit(cmdType, field, request, this.auth);
    } catch (err) {
      throw mapOmError(err, overrides);
    }
  }

  get volume(): string {
    return this.shared.volume;
  }

  replicationOf(storageClass: string, userMetadata: Readonly<Record<string, string>>): Replication {
    return this.shared.storageClasses.forWrite(storageClass, userMetadata);
  }

  /** The storage class a key is shown with (its stored class, else by its replication: listings). */
  storageClassOf(info: OmMessage, stored?: string): string {
    return this.shared.storageClasses.shown(info, stored);
  }

  /**
   * The bucket's name, owner and creation date. Every request asks for its bucket first (the access
   * decision), which cost an OM round trip of its own: a GET of a small object made two OM calls
   * where Ozone's gateway makes one. So an answer is kept for CACHE_TTL_MS (1 s) after its call
   * began, for every caller (the access decision is this gateway's own, made on the owner kept; OM
   * calls that act on the bucket still go out as the caller and fail as the OM decides). A bucket
   * created or deleted through this gateway is asked again at once, in every process
   * (buckets.ts createBucket, deleteBucket); one another client of the cluster deletes (Ozone's
   * gateway, `ozone sh`) can be seen for up to 1 s more, by calls that ask nothing else of it, as
   * S3 documents for bucket changes ("bucket configurations have an eventual consistency model").
   * An absent bucket is never kept. bucketRecord() always asks the OM.
   */
  async getBucket(name: string): Promise<BucketInfo> {
    // a copy: a caller may add to what it gets (authorize.ts adds checkObject)
    const { fso: _fso, ...info } = await this.bucket(name);
    return info;
  }

  /** getBucket's kept answer, with the layout (one lookup per second at most: getBucket). */
  bucket(name: string): Promise<OzoneBucketInfo> {
    return this.shared.buckets.lookup(name, async () => bucketInfo(await this.bucketRecord(name)));
  }

  /** Whether the bucket's keys are file-system paths (FILE_SYSTEM_OPTIMIZED): fso.ts. */
  async isFso(name: string): Promise<boolean> {
    return (await this.bucket(name)).fso === true;
  }

  /**
   * The OM's BucketInfo of an S3 bucket, a link's resolved to its source's (bucket-links.ts);
   * BUCKET_NOT_FOUND for none and for a broken link.
   */
  async bucketRecord(name: string): Promise<OmMessage> {
    const found = await this.infoBucket(this.volume, name);
    if (found === undefined) throw new StorageError("BUCKET_NOT_FOUND");
    return this.usable(await resolveLink(found, (volume, bucket) => this.infoBucket(volume, bucket)));
  }

  /** InfoBucket: the bucket's record, undefined when there is none. */
  async infoBucket(volume: string, name: string): Promise<OmMessage | undefined> {
    try {
      const r = await this.om("InfoBucket", "infoBucketRequest", { volumeName: volume, bucketName: name });
      return r.infoBucketResponse?.bucketInfo as OmMessage | undefined;
    } catch (err) {
      if (err instanceof StorageError && err.kind === "BUCKET_NOT_FOUND") return undefined;
      throw err;
    }
  }

  /** A (resolved) record of a bucket this gateway serves, or the 501 of an encrypted bucket. */
  usable(b: OmMessage): OmMessage {
    const name = String(b.bucketName);
    if (b.beinfo) throw encryptedBucket(name, b.beinfo as OmMessage);
    return b;
  }

  keyArgs(bucket: string, key: string, extra: OmMessage = {}): OmMessage {
    return { volumeName: this.volume, bucketName: bucket, keyName: key, ...extra };
  }

  /**
   * KeyArgs for If-Match / If-None-Match: the OM checks them at create and again at commit. It
   * knows two conditions: the key is absent (expectedDataGeneration 0) and the key has an ETag
   * (expectedETag). One ETag in If-Match is the latter as it is; `*` or a list of ETags is checked
   * against the key read now, then the OM checks the key still has the ETag read. If-None-Match: `*`
   * is the former; ETags are checked against the key read now (one of them: 412), then the OM checks
   * the key is still as read (absent, or its ETag), so a write made meanwhile fails the request
   * with 412 even when it would have met the condition: never the other way round.
   */
  async conditionsOf(bucket: string, key: string, ifMatch: string | undefined, ifNoneMatch: string | undefined): Promise<OmMessage> {
    const conditions: OmMessage = {};
    let read: { etag: string | undefined } | undefined;
    const currentEtag = async (): Promise<string | undefined> => {
      read ??= {
        etag: await this.currentObject(bucket, key).then(
          (o) => o.etag,
          (err: unknown) => {
            if (err instanceof StorageError && err.kind === "KEY_NOT_FOUND") return undefined;
            throw err;
          },
        ),
      };
      return read.etag;
    };
    if (ifMatch !== undefined) {
      const listed = ifMatch.split(",");
      const one = listed.length === 1 ? normalizeEtag(listed[0]!) : "*";
      if (one !== "*") conditions.expectedETag = one;
      else {
        const now = await currentEtag();
        if (now === undefined) throw new StorageError("KEY_NOT_FOUND");
        if (!etagHeaderMatches(ifMatch, now)) throw new StorageError("PRECONDITION_FAILED");
        conditions.expectedETag = now;
      }
    }
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.split(",").some((c) => normalizeEtag(c) === "*")) conditions.expectedDataGeneration = "0";
      else {
        const now = await currentEtag();
        if (now === undefined) conditions.expectedDataGeneration = "0";
        else if (etagHeaderMatches(ifNoneMatch, now)) throw new StorageError("PRECONDITION_FAILED");
        else conditions.expectedETag ??= now;
      }
    }
    return conditions;
  }

  /**
   * Streams `body` into blocks (preallocated ones first, then new ones from `allocate`), chunk by
   * chunk. Returns the KeyLocations the OM must be told at commit: only blocks written, with the
   * lengths written. `target` names the key (or part) in the log.
   */
  async writeBody(
    body: IncomingBody,
    failed: () => Error | undefined,
    replication: OmMessage,
    storageClass: string,
    preallocated: OmMessage[],
    allocate: (exclude: ExcludeList) => Promise<OmMessage>,
    target: { bucket: string; key: string; partNumber?: number },
  ): Promise<OmMessage[]> {
    if (!writable(replication.type)) throw notWritable(replicationLabel(replication), storageClass);
    const onMove = (move: WriteMove) => this.shared.logger?.warn({ ...target, ...move }, "an Ozone write moved to a new block after a datanode or pipeline failed");
    if (replication.type === "EC") return this.writeEcBody(body, failed, replication, preallocated, allocate, onMove);
    const keyWriter = new KeyWriter({ preallocated, allocate, onMove, openBlock: (location) => this.openBlock(location, storageClass) });
    let chunk = Buffer.allocUnsafe(0);
    let fill = 0;
    // a chunk buffer no larger than the bytes still to come, when the request said how many: a
    // 4 MiB chunk allocated for a 4 KiB object was most of a small PUT's garbage
    let toCome = body.expectedSize ?? Number.MAX_SAFE_INTEGER;
    const flush = async () => {
      if (fill === 0) return;
      const data = fill === chunk.length ? chunk : chunk.subarray(0, fill);
      chunk = Buffer.allocUnsafe(0);
      fill = 0;
      await keyWriter.write(data);
    };
    try {
      for await (const piece of body.stream as AsyncIterable<Buffer>) {
        let offset = 0;
        while (offset < piece.length) {
          // room in front: a RATIS WriteChunk is built around the chunk's bytes (chunk-buffers.ts)
          if (chunk.length === 0) chunk = allocChunk(Math.min(keyWriter.chunkRoom(), Math.max(toCome, piece.length - offset)));
          const n = Math.min(piece.length - offset, chunk.length - fill);
          piece.copy(chunk, fill, offset, offset + n);
          fill += n;
          offset += n;
          toCome -= n;
          if (fill === chunk.length) await flush();
        }
      }
      const error = failed();
      if (error) throw error;
      await flush();
      return await keyWriter.finish();
    } catch (err) {
      keyWriter.abort();
      body.stream.destroy();
      // a datanode or Raft group that cannot be reached (no answer, broken stream) is a temporary condition
      if (err instanceof DatanodeError && err.result === undefined) throw new StorageError("UNAVAILABLE", err.message);
      throw mapRatisError(err);
    }
  }

  /**
   * writeBody for an EC key: the body's bytes striped over block groups (ec-key-writer.ts). A
   * stripe that no group took, or a group the OM could not allocate, is UNAVAILABLE (503).
   */
  async writeEcBody(
    body: IncomingBody,
    failed: () => Error | undefined,
    replication: OmMessage,
    preallocated: OmMessage[],
    allocate: (exclude: ExcludeList) => Promise<OmMessage>,
    onMove: (move: WriteMove) => void,
  ): Promise<OmMessage[]> {
    const writer = new EcKeyWriter({ scheme: ecSchemeOf(replication, this.shared.ecCoders), preallocated, allocate, onMove, open: (endpoint) => this.shared.dn.open(endpoint) });
    try {
      for await (const piece of body.stream as AsyncIterable<Buffer>) await writer.write(piece);
      const error = failed();
      if (error) throw error;
      return await writer.finish();
    } catch (err) {
      writer.abort();
      body.stream.destroy();
      if (err instanceof DatanodeError && err.result === undefined) throw new StorageError("UNAVAILABLE", err.message);
      throw err;
    }
  }


  /** The writer for an allocated block: by its pipeline's replication type. */
  openBlock(location: OmMessage, storageClass: string): BlockWriter {
    const pipeline = location.pipeline as OmMessage | undefined;
    const block = blockRefOf(location);
    if (pipeline?.type === "RATIS") {
      const group = ratisGroupOf(pipeline);
      if (group.peers.length === 0) throw new StorageError("UNAVAILABLE", `the OM allocated a block on pipeline ${group.groupId}, which has no reachable member`);
      const lease = this.shared.ratisClients.acquire(group);
      return new RatisBlockWriter(lease.client, block, group.peers[0]!.id, lease.release);
    }
    if (pipeline?.type !== undefined && pipeline.type !== "STAND_ALONE") throw notWritable(`${pipeline.type}/${pipeline.factor ?? "ONE"}`, storageClass);
    const endpoint = endpointsOf(pipeline)[0];
    if (endpoint === undefined) throw new StorageError("UNAVAILABLE", "the OM allocated a block on a pipeline with no reachable datanode");
    return new StandaloneBlockWriter(this.shared.dn.open(endpoint), block);
  }

  async keyInfo(bucket: string, key: string, headOp: boolean): Promise<OmMessage> {
    if (key.length === 0) throw new StorageError("INVALID_ARGUMENT", "an object key must not be empty");
    const r = await this.om("GetKeyInfo", "GetKeyInfoRequest", {
      keyArgs: this.keyArgs(bucket, key, { latestVersionLocation: true, headOp }),
      assumeS3Context: false, // true would read the bucket from the OM's S3 volume, not ours
    });
    const k = r.GetKeyInfoResponse.keyInfo as OmMessage;
    // In an FSO bucket the OM answers for the path the name normalizes to ("a//b" and "/a/b" read
    // "a/b", "f/" reads the file "f") and for a directory by its name with or without a "/" ("d"
    // and "d/" read the directory "d/"): the key asked for exists only when the OM names it so.
    if (String(k.keyName ?? key) !== key) throw new StorageError("KEY_NOT_FOUND");
    return k;
  }

  objectInfo(bucket: string, key: string, k: OmMessage): ObjectInfo {
    const meta = decodeMetadata(k.metadata);
    // a directory of an FSO bucket ("d/", fso.ts) reads as an empty object
    const etag = meta.etag ?? (k.isFile === false ? EMPTY_MD5 : "");
    // The parts the object is made of. Not the ETag's "-N": Ozone 2.2.0 counts every part uploaded there.
    let parts = partsCountOf(etag);
    if (parts !== undefined) {
      const numbers = new Set(latestLocations(k).map((l) => Number(l.partNumber ?? -1)).filter((n) => n > 0));
      if (numbers.size > 0) parts = numbers.size;
    }
    const { etag: _e, userMetadata, storageClass, checksum, ...system } = meta;
    return {
      bucket,
      key,
      size: Number(k.dataSize),
      etag,
      lastModified: ms(k.modificationTime),
      storageClass: this.storageClassOf(k, storageClass),
      userMetadata,
      tags: fromKeyValues(k.tags),
      ...(checksum && { checksum }),
      ...(parts !== undefined && { partsCount: parts }),
      owner: String(k.ownerName ?? ""),
      ...system,
    };
  }

  /** The key's object as HeadObject without a part number answers it (one GetKeyInfo, a head lookup). */
  async currentObject(bucket: string, key: string): Promise<ObjectInfo> {
    return this.objectInfo(bucket, key, await this.keyInfo(bucket, key, true));
  }
}
