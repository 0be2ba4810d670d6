/**
 * Test helpers for code that waits on promises and on fdatasync: a promise whose state can be read
 * synchronously, and a file whose fdatasync calls the test ends by hand.
 */

/** Watches a promise: its state can be read synchronously. */
export function track<T>(promise: Promise<T>) {
  const t: { state: "pending" | "fulfilled" | "rejected"; value?: T; error?: unknown } = { state: "pending" };
  promise.then(
    (value) => Object.assign(t, { state: "fulfilled", value }),
    (error: unknown) => Object.assign(t, { state: "rejected", error }),
  );
  return t;
}

/** A file (a Syncable, wal-sync.ts) whose fdatasync calls stay pending until the test ends them. */
export function fakeSyncable() {
  const calls: Array<{ resolve(): void; reject(err: Error): void }> = [];
  return {
    calls,
    datasync: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })),
  };
}
