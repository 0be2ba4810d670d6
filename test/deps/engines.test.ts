/**
 * The Node.js versions package.json declares (`engines`) must be ones every locked package declares
 * it supports: otherwise `npm install` warns (EBADENGINE) and, worse, a user on a declared version
 * gets a package that needs a newer Node (cookie@2 is ESM-only and needs Node 22; vite 8 needs
 * require(esm), Node 20.19). Checked on the lock file, optional packages for other platforms included,
 * so that a dependency update cannot quietly narrow what the project runs on.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/server.js";

interface LockPackage {
  version?: string;
  engines?: Record<string, string> | string[];
}
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockPackage> };
const declared = pkg.engines.node;

describe("engines", () => {
  it("package.json declares a valid Node.js range, and the lock file was written from it", () => {
    expect(semver.validRange(declared), declared).not.toBeNull();
    expect((lock.packages[""]!.engines as Record<string, string>).node).toBe(declared);
  });

  it("every locked package supports every Node.js version package.json declares", () => {
    const misfits: string[] = [];
    for (const [where, p] of Object.entries(lock.packages)) {
      if (where === "" || !p.engines || Array.isArray(p.engines) || p.engines.node === undefined) continue;
      if (!semver.subset(declared, p.engines.node, { includePrerelease: false })) {
        misfits.push(`${where.replace(/^.*node_modules\//, "")}@${p.version} needs node ${p.engines.node}`);
      }
    }
    expect(misfits, `package.json says node ${declared}`).toEqual([]);
  });
});
