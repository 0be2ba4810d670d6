/** Whether a directory's file system takes O_DIRECT (tmpfs before Linux 6.6 does not), for tests of the direct writes. */
import { constants } from "node:fs";
import { open, unlink } from "node:fs/promises";
import { join } from "node:path";

export async function takesODirect(dir: string): Promise<boolean> {
  if (constants.O_DIRECT === undefined) return false;
  const probe = join(dir, `s3gw-odirect-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await (await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT, 0o600)).close();
    return true;
  } catch {
    return false;
  } finally {
    await unlink(probe).catch(() => undefined);
  }
}
