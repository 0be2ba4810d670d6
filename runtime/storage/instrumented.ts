/**
 * The storage client seen through a stopwatch: every method call is timed until its promise settles
 * and reported with the method's name and whether it failed (runtime/metrics.ts turns that into
 * s3gw_storage_duration_seconds). One wrapper for both engines, so a new storage method is measured
 * without a line of its own; the per-request view `forRequest` returns (Ozone's) is wrapped too.
 */
import type { StorageClient } from "./types.js";

export type StorageObserver = (sample: { backend: string; method: string; seconds: number; failed: boolean }) => void;

export function instrumentStorage(storage: StorageClient, observe: StorageObserver): StorageClient {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(storage, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function") return value;
      let w = wrapped.get(prop);
      if (w === undefined) {
        w =
          prop === "forRequest"
            ? (...args: unknown[]) => instrumentStorage((value as (...a: unknown[]) => StorageClient).apply(target, args), observe)
            : (...args: unknown[]) => {
                const start = process.hrtime.bigint();
                const done = (failed: boolean) => observe({ backend: target.name, method: String(prop), seconds: Number(process.hrtime.bigint() - start) / 1e9, failed });
                const result = (value as (...a: unknown[]) => unknown).apply(target, args);
                if (!(result instanceof Promise)) return result;
                return result.then(
                  (v) => {
                    done(false);
                    return v;
                  },
                  (err: unknown) => {
                    done(true);
                    throw err;
                  },
                );
              };
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}
