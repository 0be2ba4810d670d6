/**
 * The admin server's probes, as Kubernetes uses them
 * (https://kubernetes.io/docs/reference/using-api/health-checks/, the kube-apiserver's own
 * `/livez` and `/readyz`):
 *
 * - `GET /livez`: 200 whenever the event loop answers. Nothing else is checked: an unreachable
 *   storage is no reason to restart the process, and a liveness probe that failed for it would
 *   restart every gateway at once when Ozone goes down.
 * - `GET /readyz`: 200 when this gateway can serve S3 requests: the storage answers (the embedded
 *   store is open and its log writable; on Ozone, the OM answers for the S3 volume) within
 *   `admin.readyTimeoutMs`; else 503 with the reason. From the first moment of a graceful shutdown
 *   it answers 503, while the S3 port still finishes the requests in flight, so that a load
 *   balancer stops sending new ones (runtime/shutdown.ts closes the admin server last).
 * - `GET /health`: the older name of `/readyz`, same answers.
 *
 * Bodies are small JSON documents: `{"status":"ok","storage":"embedded"}`, or
 * `{"status":"unavailable","storage":"ozone","error":"..."}`.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { StorageClient } from "./storage/types.js";

export interface Probes {
  /** From now on /readyz and /health answer 503 (the shutdown began). */
  shuttingDown(): void;
}

export interface ProbeOptions {
  storage: StorageClient;
  /** deadline of one storage check */
  timeoutMs: number;
}

/** Rejects after `ms` with `message`; the timer never holds the process. */
function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export function addProbes(admin: FastifyInstance, opts: ProbeOptions): Probes {
  const { storage, timeoutMs } = opts;
  let stopping = false;

  async function ready(reply: FastifyReply): Promise<Record<string, string>> {
    // no-store: a cached "ok" would hide the shutdown from whatever asks next
    reply.header("cache-control", "no-store");
    if (stopping) {
      reply.code(503);
      return { status: "unavailable", storage: storage.name, error: "shutting down" };
    }
    try {
      // the engine bounds its own work by the deadline; the race bounds the answer whatever it does
      await within(storage.checkReady(timeoutMs), timeoutMs, `storage did not answer within ${timeoutMs} ms`);
      return { status: "ok", storage: storage.name };
    } catch (err) {
      reply.code(503);
      return { status: "unavailable", storage: storage.name, error: (err as Error).message };
    }
  }

  admin.get("/livez", async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });
  admin.get("/readyz", (_request, reply) => ready(reply));
  admin.get("/health", (_request, reply) => ready(reply));

  return {
    shuttingDown() {
      stopping = true;
    },
  };
}
