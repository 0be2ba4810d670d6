// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.
/** The IR's types (a copy of codegen/ir.ts), so that runtime/ depends on generated/ only. */

export const IR_VERSION = 1;

export interface Ir {
  version: number;
  /** the service's title and description (`@service` and the doc comment of namespace S3) */
  service: { title: string; doc?: string };
  /** default namespace of the XML documents of successful responses */
  xmlNamespace: string;
  /** every sub-resource keyword any route uses, sorted */
  keywords: string[];
  /** every S3 operation with a route, sorted by name */
  operations: IrOperation[];
  /** XML structures referenced by operations, sorted by name */
  shapes: IrShape[];
  /** the error table, sorted by code */
  errors: IrError[];
}

export type IrMethod = "GET" | "PUT" | "POST" | "DELETE" | "HEAD";

/** What the path addresses: `/` (service), `/{Bucket}` (bucket) or `/{Bucket}/{Key+}` (object). */
export type IrTarget = "service" | "bucket" | "object";

export interface IrRoute {
  method: IrMethod;
  target: IrTarget;
  /** the valueless sub-resource keyword (`?uploads`), or null for none */
  keyword: string | null;
  /** query parameters that must be present; with `value`, they must have that value */
  query: IrRequiredQuery[];
  /** headers (lower-case) that must be present */
  headers: string[];
}

export interface IrRequiredQuery {
  name: string;
  value?: string;
}

export type IrScalar = "string" | "integer" | "boolean" | "timestamp";

export type IrType =
  | {
    kind: "scalar";
    scalar: IrScalar;
    /** allowed values; absent = any */
    enum?: (string | number)[];
    /** a value of `enum` is taken in any letter case, as that value (@anyCase) */
    anyCase?: boolean;
    minimum?: number;
    maximum?: number;
    /** the S3 error code for a value outside `enum`, or not of the scalar or out of its range (default InvalidArgument) */
    invalidValueError?: string;
    /** the message of that error, when S3 has one of its own for this value (the table's otherwise) */
    invalidValueMessage?: string;
  }
  /** a string map (header-prefix family such as x-amz-meta-*) */
  | { kind: "map" }
  /** a binary body, streamed */
  | { kind: "stream" }
  /** an XML structure from `shapes` */
  | { kind: "shape"; shape: string }
  | { kind: "list"; item: IrType };

export type IrLocation = "path" | "query" | "header" | "headerPrefix" | "status" | "body";

/** One member of an operation's input or output and where it travels in the HTTP message. */
export interface IrMember {
  /** AWS's member name, e.g. "IfNoneMatch" */
  name: string;
  location: IrLocation;
  /** path parameter, query parameter, header (lower-case) or header prefix; "" for status/body */
  wireName: string;
  type: IrType;
  required: boolean;
  doc?: string;
}

export interface IrShapeField {
  name: string;
  /** element (or attribute) name */
  xmlName: string;
  type: IrType;
  required: boolean;
  /** a list whose items repeat without a wrapper element, each named `xmlName` */
  flattened: boolean;
  /** for a wrapped list: the name of each item element inside the `xmlName` wrapper */
  itemXmlName?: string;
  /** the field is the element's text content */
  text: boolean;
  attribute: boolean;
  doc?: string;
}

export interface IrShape {
  name: string;
  /** element name when the shape is a document root or a list item */
  xmlName: string;
  /** as a document root, written without the service's XML namespace (@noXmlNamespace) */
  noNamespace?: boolean;
  fields: IrShapeField[];
  doc?: string;
}

export interface IrOperation {
  /** AWS's operation name: IR id, route target, metrics label and handler key */
  name: string;
  doc?: string;
  /** feature area: the spec file that declares the operation (buckets, objects, multipart...) */
  area: string;
  implemented: boolean;
  /** S3 refuses the request without a Content-MD5 or x-amz-checksum-* of its body (@checksumRequired) */
  checksumRequired: boolean;
  /** IAM action, e.g. "s3:GetObject"; null where the spec does not say */
  permission: string | null;
  /** IAM action when the request names a version (versionId), where AWS checks another, e.g. "s3:GetObjectVersion"; else null */
  versionPermission: string | null;
  route: IrRoute;
  input: IrMember[];
  /** success statuses the operation can answer with; the first is the default */
  statuses: number[];
  output: IrMember[];
  /** error codes the spec lists for the operation, sorted */
  errors: string[];
}

export interface IrError {
  code: string;
  status: number;
  message: string;
  /** S3's wording for particular cases (@messages), by name; `{name}` is a value filled in by the runtime */
  messages?: Record<string, string>;
}
