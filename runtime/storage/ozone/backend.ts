/**
 * What the gateway's processes (runtime/main.ts, runtime/workers/worker.ts) need of the Ozone
 * backend, in one module they import only when the backend is Ozone: its protobuf definitions
 * and gRPC clients cost ~130 ms of CPU to load, which an embedded-store process never pays
 * (test/server/startup-modules.test.ts checks it).
 */
export { openOzoneStore } from "./index.js";
export { principalsOf } from "./acl.js";
