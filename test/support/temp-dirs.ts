/**
 * Temporary directories a test file makes, removed after its last test, so that test runs leave
 * nothing in the machine's tmp. The afterAll hook is registered when a test file imports this
 * module (vitest gives each test file its own module instances), on that file's outermost suite.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];

afterAll(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A new directory under the OS temp dir, `<prefix>XXXXXX`, removed when this test file is done. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
