/**
 * The project's native addon (native/sendfile: sendfile(2) for runtime/sendfile.ts and CRC64NVME
 * for runtime/auth/checksums.ts), built by `npm install` on Linux. Undefined where it was not built
 * (no C compiler where npm installed the packages; not Linux) or does not load: each user then
 * does its work in JavaScript.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The addon's file, from dist/runtime or runtime/ (tests run the sources) */
function addonPath(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 3; i++) {
    const candidate = join(dir, "native/sendfile/build/Release/s3g_sendfile.node");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

function load(): Record<string, unknown> | undefined {
  if (process.platform !== "linux") return undefined;
  const path = addonPath();
  if (path === undefined) return undefined;
  try {
    return createRequire(import.meta.url)(path) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export const nativeAddon: Readonly<Record<string, unknown>> | undefined = load();
