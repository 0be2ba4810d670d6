// The implementation of the project-local TypeSpec
// decorators declared in s3.tsp. Each decorator records a plain value in the program's state, under
// a global Symbol.for key, so that codegen/load.ts can read it back from the Program it compiled.
import { createTypeSpecLibrary } from "@typespec/compiler";

export const $lib = createTypeSpecLibrary({
  name: "s3-gateway-spec",
  diagnostics: {},
});

/** State keys shared with the codegen (global symbols survive two copies of this module). */
export const StateKeys = {
  subresource: Symbol.for("s3gw.subresource"),
  headerPrefix: Symbol.for("s3gw.headerPrefix"),
  permission: Symbol.for("s3gw.permission"),
  versionPermission: Symbol.for("s3gw.versionPermission"),
  notImplemented: Symbol.for("s3gw.notImplemented"),
  checksumRequired: Symbol.for("s3gw.checksumRequired"),
  xmlNamespace: Symbol.for("s3gw.xmlNamespace"),
  noXmlNamespace: Symbol.for("s3gw.noXmlNamespace"),
  invalidValueError: Symbol.for("s3gw.invalidValueError"),
  invalidValueMessage: Symbol.for("s3gw.invalidValueMessage"),
  messages: Symbol.for("s3gw.messages"),
  anyCase: Symbol.for("s3gw.anyCase"),
};

function set(key) {
  return (context, target, value = true) => {
    context.program.stateMap(key).set(target, value);
  };
}

export const $decorators = {
  "S3Gateway.Lib": {
    subresource: set(StateKeys.subresource),
    headerPrefix: set(StateKeys.headerPrefix),
    permission: (context, target, action, versionAction) => {
      context.program.stateMap(StateKeys.permission).set(target, action);
      if (versionAction !== undefined) context.program.stateMap(StateKeys.versionPermission).set(target, versionAction);
    },
    notImplemented: set(StateKeys.notImplemented),
    checksumRequired: set(StateKeys.checksumRequired),
    xmlNamespace: set(StateKeys.xmlNamespace),
    noXmlNamespace: set(StateKeys.noXmlNamespace),
    messages: set(StateKeys.messages),
    anyCase: set(StateKeys.anyCase),
    invalidValueError: (context, target, code, message) => {
      context.program.stateMap(StateKeys.invalidValueError).set(target, code);
      if (message !== undefined) context.program.stateMap(StateKeys.invalidValueMessage).set(target, message);
    },
  },
};
