// Preloaded (node --require) into a test gateway that must run as on a machine where the
// xxhash-addon does not load: every require of it fails, as a missing or broken binary would.
"use strict";
const Module = require("node:module");
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "xxhash-addon") throw new Error("xxhash-addon does not load here (test/support/no-xxhash.cjs)");
  return load.call(this, request, ...rest);
};
