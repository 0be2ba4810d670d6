// Generated from spec/ by codegen/ (npm run codegen). Do not edit: changes are overwritten and CI fails on drift.

/** The S3 error table from spec/errors.tsp: code -> HTTP status and default message. */
export const errorTable = {
  AccessDenied: { status: 403, message: "Access Denied" },
  AccessForbidden: { status: 403, message: "CORSResponse: CORS is not enabled for this bucket." },
  AuthorizationHeaderMalformed: { status: 400, message: "The authorization header is malformed." },
  AuthorizationQueryParametersError: { status: 400, message: "Error parsing the X-Amz-Credential parameter." },
  BadDigest: { status: 400, message: "The Content-MD5 you specified did not match what we received." },
  BadRequest: { status: 400, message: "Insufficient information. Origin request header needed." },
  BucketAlreadyExists: { status: 409, message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again." },
  BucketAlreadyOwnedByYou: { status: 409, message: "Your previous request to create the named bucket succeeded and you already own it." },
  BucketNotEmpty: { status: 409, message: "The bucket you tried to delete is not empty" },
  ConditionalRequestConflict: { status: 409, message: "A conflicting conditional action is currently in progress against this resource. Try again." },
  EntityTooLarge: { status: 400, message: "Your proposed upload exceeds the maximum allowed size" },
  EntityTooSmall: { status: 400, message: "Your proposed upload is smaller than the minimum allowed object size." },
  IncompleteBody: { status: 400, message: "You did not provide the number of bytes specified by the Content-Length HTTP header" },
  InternalError: { status: 500, message: "We encountered an internal error. Please try again." },
  InvalidAccessKeyId: { status: 403, message: "The AWS Access Key Id you provided does not exist in our records." },
  InvalidArgument: { status: 400, message: "Invalid Argument" },
  InvalidBucketName: { status: 400, message: "The specified bucket is not valid." },
  InvalidDigest: { status: 400, message: "The Content-MD5 you specified is not valid." },
  InvalidLocationConstraint: { status: 400, message: "The specified location constraint is not valid." },
  InvalidPart: { status: 400, message: "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag." },
  InvalidPartNumber: { status: 416, message: "The requested partnumber is not satisfiable" },
  InvalidPartOrder: { status: 400, message: "The list of parts was not in ascending order. The parts list must be specified in order by part number." },
  InvalidRange: { status: 416, message: "The requested range is not satisfiable" },
  InvalidRequest: { status: 400, message: "Invalid Request" },
  InvalidStorageClass: { status: 400, message: "The storage class you specified is not valid" },
  InvalidTag: { status: 400, message: "The tag provided was not a valid tag." },
  InvalidURI: { status: 400, message: "Couldn't parse the specified URI." },
  KeyTooLongError: { status: 400, message: "Your key is too long" },
  MalformedTrailerError: { status: 400, message: "The request contained trailing data that was not well-formed or did not conform to our published schema." },
  MalformedXML: { status: 400, message: "The XML you provided was not well-formed or did not validate against our published schema" },
  MaxMessageLengthExceeded: { status: 400, message: "Your request was too big." },
  MetadataTooLarge: { status: 400, message: "Your metadata headers exceed the maximum allowed metadata size" },
  MethodNotAllowed: { status: 405, message: "The specified method is not allowed against this resource." },
  MissingContentLength: { status: 411, message: "You must provide the Content-Length HTTP header." },
  MissingRequestBodyError: { status: 400, message: "Request Body is empty" },
  NoSuchBucket: { status: 404, message: "The specified bucket does not exist" },
  NoSuchCORSConfiguration: { status: 404, message: "The CORS configuration does not exist" },
  NoSuchKey: { status: 404, message: "The specified key does not exist." },
  NoSuchTagSet: { status: 404, message: "The TagSet does not exist" },
  NoSuchUpload: { status: 404, message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed." },
  NoSuchVersion: { status: 404, message: "The specified version does not exist." },
  NotImplemented: { status: 501, message: "A header or query you provided implies functionality that is not implemented." },
  NotModified: { status: 304, message: "Not Modified" },
  PreconditionFailed: { status: 412, message: "At least one of the pre-conditions you specified did not hold" },
  QuotaExceeded: { status: 403, message: "The quota has been exceeded." },
  RequestHeaderSectionTooLarge: { status: 400, message: "Your request header section exceeds the maximum allowed size." },
  RequestTimeTooSkewed: { status: 403, message: "The difference between the request time and the current time is too large." },
  RequestTimeout: { status: 400, message: "Your socket connection to the server was not read from or written to within the timeout period." },
  ServiceUnavailable: { status: 503, message: "Service is unable to handle request." },
  SignatureDoesNotMatch: { status: 403, message: "The request signature we calculated does not match the signature you provided. Check your key and signing method." },
  SlowDown: { status: 503, message: "Please reduce your request rate." },
  XAmzContentSHA256Mismatch: { status: 400, message: "The provided 'x-amz-content-sha256' header does not match what was computed." },
} as const;

/** Every S3 error code the gateway can answer with. */
export type S3ErrorCode = keyof typeof errorTable;

export function isS3ErrorCode(code: string): code is S3ErrorCode {
  return Object.prototype.hasOwnProperty.call(errorTable, code);
}
