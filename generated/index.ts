// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
export * from "./errors.js";
export * from "./operations.js";
export * from "./routes.js";
export * from "./shapes.js";
export * from "./schemas.js";
export type * from "./ir-types.js";
export type * from "./handlers.js";
export type * from "./types/shapes.js";
export type * from "./types/attributes.js";
export type * from "./types/buckets.js";
export type * from "./types/copy.js";
export type * from "./types/cors.js";
export type * from "./types/lifecycle.js";
export type * from "./types/listing.js";
export type * from "./types/multipart.js";
export type * from "./types/objects.js";
export type * from "./types/tagging.js";
