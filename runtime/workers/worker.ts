/**
 * A worker process: serves the S3 connections the primary hands it (connections.ts; the primary
 * serves the admin port) with the embedded store reached through the primary (remote-store.ts), or
 * with an Ozone client of its own (Ozone keeps no state in the gateway).
 *
 * It tells the primary its load four times a second (`load`; placement.ts), and the primary may
 * ask it to end some of its connections (`shed`). The primary asks it for its metrics
 * (`metricsJson`), tells it to stop (`shutdown`, the same graceful shutdown as a single process
 * on SIGTERM; repeated as `stopping` when the worker says it is ready, for one started too late
 * to hear it: a message sent before a process listens is lost), to reload its TLS files (`reload`) and to drop
 * what it keeps of a bucket another worker changed (`bucketConfigChanged`: its getBucket answer,
 * policy and CORS rules). On Ozone a worker that creates or deletes a bucket says so itself
 * (`bucketChanged`): the OM, not the primary, made the change. If the primary goes away (killed),
 * the store is gone with it: calls waiting for it fail with 503, the servers stop, and the worker
 * exits.
 */
import type { SecureContextOptions } from "node:tls";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { serve, type Serving } from "../serve.js";
import type { StorageClient } from "../storage/types.js";
import type { ConnectionSource } from "./connections.js";
import { RemoteEmbeddedStore } from "./remote-store.js";
import { loadSampler, SAMPLE_MS } from "./placement.js";
import { RpcPeer } from "./rpc.js";
import { openUsers, serviceAccessKeyId } from "../users-file.js";

/** How long a worker whose primary is gone lets the answers in flight finish. */
const ORPHAN_GRACE_MS = 2_000;

/** `config` with its credentials resolved (configured, or the pair the primary generated or read). */
export async function runWorker(
  config: Readonly<Config>,
  opts: { logger: Logger; tls?: SecureContextOptions },
): Promise<void> {
  const logger = opts.logger.child({ worker: process.pid });
  let serving: Serving | undefined;
  let storage: StorageClient | undefined;
  let stopRequested: string | undefined;
  /** whether the primary's shutdown has reached this worker (a second `shutdown` cuts connections) */
  let told = false;
  const stop = (reason: string) => {
    if (serving !== undefined) serving.stop(reason);
    else stopRequested ??= reason;
  };
  const rpc = new RpcPeer(
    process as unknown as ConstructorParameters<typeof RpcPeer>[0],
    {
      metricsJson: () => serving?.app.metrics.registry.getMetricsAsJSON() ?? [],
      shutdown: () => {
        told = true;
        stop("primary");
      },
      // the primary's shutdown repeated at `ready`, in case this worker started too late to hear it
      stopping: () => {
        if (told) return;
        told = true;
        stop("primary");
      },
      reload: () => serving?.app.reload(),
      bucketConfigChanged: (bucket: string) => {
        storage?.forgetBucket?.(bucket);
        serving?.app.forgetBucketConfig(bucket);
      },
      segmentRemoved: (id: string) => {
        if (storage instanceof RemoteEmbeddedStore) storage.forgetSegment(id);
      },
      // a call: the primary waits for the answer before anything can show the change (read-leases.ts)
      revokeReads: (ids: string[]) => {
        if (storage instanceof RemoteEmbeddedStore) storage.revokeReads(ids);
      },
      // this worker is busy and another process is not: some connections end (placement.ts)
      shed: (n: number) => serving?.shedConnections(n),
    },
    "the gateway's primary process is gone",
  );
  process.on("disconnect", () => {
    logger.error({}, "the primary process is gone: stopping");
    setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
    stop("primary gone");
  });

  // The primary checked the users file at start; a worker started later with a file broken since
  // then serves the configuration's users until the file is good again (runtime/users-file.ts).
  const users = await openUsers(config, logger, { strict: false });
  if (config.backend === "ozone") {
    const { openOzoneStore, principalsOf: ozonePrincipals } = await import("../storage/ozone/backend.js");
    storage = await openOzoneStore({
      ...config.ozone,
      serviceAccessKeyId: serviceAccessKeyId(users),
      principals: ozonePrincipals(users),
      logger,
      // the primary tells every worker (bucketConfigChanged above) before this call resolves
      onBucketChanged: (bucket) => rpc.call("bucketChanged", bucket),
    });
  } else {
    storage = await RemoteEmbeddedStore.attach(rpc);
  }
  serving = await serve(config, {
    storage,
    logger,
    users,
    ...(opts.tls !== undefined && { tls: opts.tls }),
    handed: process as unknown as ConnectionSource,
  });
  rpc.note("ready");
  // its load, for the primary's placement of connections (placement.ts)
  if (config.placement === "load") {
    const running = serving;
    const sample = loadSampler(running.connections, () => running.app.metrics.started);
    setInterval(() => rpc.note("load", sample()), SAMPLE_MS).unref();
  }
  if (stopRequested !== undefined) serving.stop(stopRequested);
}
