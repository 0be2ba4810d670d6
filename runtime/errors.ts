/**
 * S3 errors as values. Runtime code raises an S3Error by code only; the status, the default message
 * and the XML body come from the error table generated from spec/ (generated/errors.ts), rendered in
 * one place (runtime/respond.ts). Anything that is not an S3Error becomes InternalError there.
 */
import type { S3ErrorCode } from "../generated/errors.js";

export type { S3ErrorCode };

export class S3Error extends Error {
  constructor(
    /** an S3 error code from the spec's error table, e.g. "NoSuchKey" */
    readonly code: S3ErrorCode,
    /** overrides the table's message (never put internal details here: it reaches the client) */
    message?: string,
    /** extra child elements of <Error>, e.g. { BucketName: "b" } or { Key: "k" } */
    readonly fields: Record<string, string | number> = {},
    /**
     * headers the error answer carries, e.g. a delete marker's x-amz-delete-marker and
     * x-amz-version-id on a 404 or 405 ("GetObject", Amazon S3 API Reference)
     */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? "");
    this.name = "S3Error";
  }

  /** true when the constructor was given a message of its own */
  get hasCustomMessage(): boolean {
    return this.message !== "";
  }
}
