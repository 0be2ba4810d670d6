/**
 * S3 errors as values. Runtime code raises an S3Error by code only; the status, the default message
 * and the XML body come from the error table generated from spec/ (generated/errors.ts), rendered in
 * one place (runtime/respond.ts). Anything that is not an S3Error becomes InternalError there.
 */
import { errorTable, type S3ErrorCode } from "../generated/errors.js";

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

type ErrorTable = typeof errorTable;
/** The codes that have messages of their own in the spec (@messages). */
type CodeWithMessages = { [C in S3ErrorCode]: ErrorTable[C] extends { messages: object } ? C : never }[S3ErrorCode];
type MessageNames<C extends CodeWithMessages> = keyof (ErrorTable[C] & { messages: object })["messages"] & string;
/** The `{name}` placeholders of a message. */
type Placeholders<M extends string> = M extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
type MessageOf<C extends CodeWithMessages, N extends MessageNames<C>> = (ErrorTable[C] & { messages: Record<N, string> })["messages"][N];

/**
 * One of S3's own messages for a case of `code`, from the spec's error table (spec/errors.tsp
 * @messages), its `{name}` placeholders filled from `values` (type-checked against the message).
 */
export function s3Message<C extends CodeWithMessages, N extends MessageNames<C>>(
  code: C,
  name: N,
  ...values: Placeholders<MessageOf<C, N>> extends never ? [] : [Record<Placeholders<MessageOf<C, N>>, string>]
): string {
  const messages: Readonly<Record<string, string>> | undefined = (errorTable[code] as { messages?: Record<string, string> }).messages;
  const template = messages !== undefined && Object.hasOwn(messages, name) ? messages[name] : undefined;
  if (template === undefined) throw new Error(`the spec's error table has no message ${name} for ${code}`);
  const given = values[0] as Record<string, string> | undefined;
  return given === undefined ? template : template.replace(/\{(\w+)\}/g, (all, key: string) => (Object.hasOwn(given, key) ? given[key] : all));
}
