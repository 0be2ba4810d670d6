/**
 * PutObject in the embedded store, as the write protocol of store.ts's header runs it: the cheap
 * checks before the body is read (checkPut, also for a worker process that receives the body
 * itself, runtime/workers/), then the body received into a segment, then its commit (putReceived
 * for a body a worker received). StoreCore (store-core.ts) runs the transactions.
 */
import { StorageError, type IncomingBody, type ObjectInfo, type PutObjectParams } from "../types.js";
import type { ReceivedBody } from "./files.js";
import { lockOfNewVersion } from "./object-lock.js";
import { conditionFailure, type StoreCore } from "./store-core.js";
import { validateKey } from "../keys.js";

export class ObjectPuts {
  constructor(private readonly core: StoreCore) {}

  async putObject(params: PutObjectParams, body: IncomingBody): Promise<ObjectInfo> {
    this.core.enter();
    await this.checkPutNow(params);
    const received = await this.core.files.receive(body, this.core.inlineLimit);
    return this.commitPut(params, received, this.core.files.tmpDir);
  }

  /**
   * The checks of a PUT before its body is read (bucket, precondition), for a worker process that
   * receives the body itself (runtime/workers/); putObject runs the same.
   */
  async checkPut(params: PutObjectParams): Promise<void> {
    this.core.enter();
    return this.checkPutNow(params);
  }

  private async checkPutNow(params: PutObjectParams): Promise<void> {
    validateKey(params.key);
    const conditional = params.ifMatch !== undefined || params.ifNoneMatch !== undefined;
    await this.core.check(() => {
      this.core.requireBucket(params.bucket);
      // lock headers on a bucket without Object Lock: refused before the body is read
      if (params.lock !== undefined) lockOfNewVersion(this.core.objectLocks.read(params.bucket), params.lock, Date.now());
      const failure = conditional ? conditionFailure(this.core.st.getObject.get(params.bucket, params.key), params) : undefined;
      if (failure !== undefined) throw new StorageError(failure);
    });
  }

  /**
   * Commits a PUT whose body a worker received into `tmpDir` (a directory under the store's tmp/,
   * see DataFiles). Whatever happens, the received file is either committed or removed.
   */
  async putReceived(params: PutObjectParams, received: ReceivedBody, tmpDir: string): Promise<ObjectInfo> {
    this.core.enterWith(received, tmpDir);
    try {
      validateKey(params.key);
    } catch (err) {
      await this.core.dropReceived(received, tmpDir);
      throw err;
    }
    return this.commitPut(params, received, tmpDir);
  }

  private async commitPut(params: PutObjectParams, received: ReceivedBody, tmpDir: string): Promise<ObjectInfo> {
    const conditional = params.ifMatch !== undefined || params.ifNoneMatch !== undefined;
    const { size, md5, checksum } = received.digests;
    const dir = await this.core.place(received, tmpDir);
    return this.core.commit(() => {
      this.core.requireBucket(params.bucket);
      const current = this.core.st.getObject.get(params.bucket, params.key);
      // The condition held before the body was received; another write committed meanwhile.
      if (conditional && conditionFailure(current, params) !== undefined) throw new StorageError("CONFLICT");
      const { state, discard } = this.core.makeRoom(params.bucket, params.key, current);
      const now = Date.now();
      const segmentId = this.core.insertSegment(received, now);
      const row = this.core.insertVersion(
        params,
        { size, etag: md5.toString("hex"), checksum, partsCount: null, lastModified: now },
        [{ segment_id: segmentId, size }],
        state === "Enabled",
      );
      return { result: this.core.infoOf(row, state), discard };
    }, received, dir, params);
  }
}
