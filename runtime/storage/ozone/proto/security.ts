// Our own subset of Apache Ozone 2.2.0 `Security.proto` (package hadoop.common):
// just the token carried by KeyLocation.token when block tokens are enabled.
// Wire facts match the ozone-2.2.0 tag. Registered as "Security.proto".

export const SECURITY_PROTO = `
syntax = "proto2";
package hadoop.common;

message TokenProto {
  required bytes identifier = 1;
  required bytes password = 2;
  required string kind = 3;
  required string service = 4;
}
`;
