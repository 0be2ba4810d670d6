/**
 * Who may read the data directory: only the user the gateway runs as. Objects are private data
 * (small ones are inside the SQLite database, inline.ts), and nothing else on the machine has
 * business reading them, so every file the store makes is 0600 and every directory 0700.
 *
 * A mode given to open()/mkdir() is narrowed by the process umask, which can only take bits away:
 * 0600/0700 are never widened, whatever the umask (also 0). A umask that takes the owner's own bits
 * (0277 makes a new directory 0500, where the store can no longer create its files) is undone for
 * directories, which are few (chmod right after the mkdir), and for the database, which is created
 * here before SQLite opens it; SQLite gives its -wal (and any -journal/-shm) the database file's
 * mode, and chmods a new one to exactly that mode itself (unix VFS robust_open). Data files are
 * chmodded one by one only when a probe at start found that the umask takes owner bits, so that
 * the usual case costs no extra system call per file.
 *
 * A data directory made by an older version, or by the user, can be wider:
 * - the data directory itself is left as it is. It may be a directory the user made on purpose
 *   (a mount point, a directory shared with a backup agent's group); narrowing it silently could
 *   break that, and it is not needed: what it holds is narrowed below. (One the store creates is
 *   0700.)
 * - what the store owns in it is narrowed at every start: meta.sqlite and its -wal/-shm/-journal
 *   (0600), objects/ and tmp/ (0700). Closing objects/ and tmp/ closes everything below them, since
 *   no other user can then reach a file there whatever its own mode; so the 0644 files and 0755
 *   directories an older version left inside them need no walk over possibly millions of entries,
 *   and get their own modes only as they are rewritten. A path it could not narrow (owned by
 *   another user) is reported, not fatal: the store may still work, and the operator is told.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

import type { StoreLogger } from "./store-core.js";

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Creates `dir` (and missing parents) as DIR_MODE; an existing `dir` keeps its mode. */
export async function makeDir(dir: string, options: { recursive?: boolean } = {}): Promise<void> {
  if (options.recursive) {
    // undefined when `dir` existed. Missing parents made on the way keep DIR_MODE less the umask:
    // no wider, and any umask leaves them the search permission that reaching `dir` needs.
    if ((await mkdir(dir, { recursive: true, mode: DIR_MODE })) !== undefined) await chmod(dir, DIR_MODE);
    return;
  }
  try {
    await mkdir(dir, { mode: DIR_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return;
    throw err;
  }
  await chmod(dir, DIR_MODE);
}

/**
 * Prepares the data directory before the database is opened: creates it (DIR_MODE) if missing,
 * creates objects/, tmp/ and the database file, and narrows those (and the database's companion
 * files) when an older version made them wider (see the header). Returns whether this process's
 * umask takes owner bits from new files (then data files are chmodded as they are made).
 */
export async function prepareDataDir(
  dataDir: string,
  dirs: { objectsDir: string; tmpDir: string },
  dbPath: string,
  logger: StoreLogger,
): Promise<{ ownerBitsMasked: boolean }> {
  await makeDir(dataDir, { recursive: true });
  for (const dir of [dirs.objectsDir, dirs.tmpDir]) {
    await makeDir(dir);
    await narrow(dir, DIR_MODE, logger);
  }
  // A missing database is created empty (SQLite takes an empty file for a new database), so that
  // SQLite finds it with FILE_MODE and gives its companion files that mode. An existing one is
  // never opened here, only chmodded by path: closing any descriptor of a file drops all of this
  // process's POSIX locks on it, and a store of this process may hold the database's.
  try {
    await (await open(dbPath, "wx", FILE_MODE)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  for (const path of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`]) await narrow(path, FILE_MODE, logger);

  // tmp/ is emptied at every start (recovery.ts), so a probe there leaves nothing behind
  const probe = join(dirs.tmpDir, `umask-probe-${randomBytes(8).toString("hex")}`);
  const fh = await open(probe, "wx", FILE_MODE);
  try {
    const { mode } = await fh.stat();
    return { ownerBitsMasked: (mode & 0o777) !== FILE_MODE };
  } finally {
    await fh.close();
    await unlink(probe);
  }
}

/** chmod `path` to `mode` if it exists with another one; reported, never fatal. */
async function narrow(path: string, mode: number, logger: StoreLogger): Promise<void> {
  let current: number;
  try {
    current = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (current === mode) return;
  try {
    await chmod(path, mode);
    logger.info({ path, from: octal(current), to: octal(mode) }, "embedded store: narrowed the mode of a data directory entry");
  } catch (err) {
    logger.warn(
      { path, mode: octal(current), err },
      "embedded store: could not narrow the mode of a data directory entry; other local users may read it",
    );
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
