/**
 * The users file (config `usersFile`): `{"users": [...]}`, each user as in the config's `users`.
 * It is read at start and again after every change, so that keys can be added, set Inactive or
 * removed without a restart.
 *
 * Every process that serves requests (each worker, or the single process) watches the file itself:
 * no message has to travel between processes, and each one sees a change within the same bound.
 * fs.watch on the file's directory reports a change at once on local file systems (the directory,
 * not the file: an editor or `mv` replaces the file by a new inode, which a watch on the old one
 * would never report); a stat every POLL_MS is the fallback where watching reports nothing (NFS,
 * some container mounts, a directory that is itself replaced). A change is read only when the
 * file's identity (inode, size, mtime) differs from the last one read, so an unchanged file costs a
 * stat a second and a broken one is reported once, not every second.
 *
 * A file that cannot be read, parsed or validated is logged as an error and the last good set stays
 * in force: an operator's typo must not lock every client out. At start there is no last good set:
 * the single process (and the primary) refuses to start with a broken file (a usage error, exit 2);
 * a worker started later (a replacement) starts with the users of the config and picks the file up
 * as soon as it is good again.
 */
import { watch, type FSWatcher } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import type { FastifyBaseLogger } from "fastify";
import { fixedUsers, USER_SCHEMA, type Config, type UserConfig } from "./config.js";
import { UserSet, type UserDirectory } from "./users.js";

/** The bound on how late a change is seen where fs.watch reports nothing. */
export const POLL_MS = 1000;

/** fs.watch often reports one write as several events: they are read once, after this pause. */
const SETTLE_MS = 50;

/** The users file's schema (test/config/schemas.test.ts checks it against JSON Schema's meta-schema). */
export const USERS_FILE_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["users"],
  properties: { users: { type: "array", items: USER_SCHEMA } },
} as const;

let compiled: ValidateFunction | undefined;
/**
 * The file's validator, compiled by the first read: most gateways have no users file, and each of
 * their processes paid the compile at start. validateSchema off, as in config.ts: the meta-schema
 * check is the test's, not each start's.
 */
function validateFile(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, validateSchema: false }).compile(USERS_FILE_SCHEMA);
  return compiled;
}

/** The users of the file at `file` with the `fixed` ones (config `users` and `credentials`), or why not. */
export async function readUsersFile(file: string, fixed: readonly UserConfig[]): Promise<{ set: UserSet } | { problems: string[] }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const validate = validateFile();
  if (!validate(parsed)) {
    return { problems: (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is not valid"}`) };
  }
  const result = UserSet.of([...fixed, ...(parsed as { users: UserConfig[] }).users]);
  return result.set !== undefined ? { set: result.set } : { problems: result.problems };
}

/** A file's identity for change detection; undefined while it is missing. */
async function identity(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

export class WatchedUsers implements UserDirectory {
  private set: UserSet;
  private seen: string | undefined;
  private watcher: FSWatcher | undefined;
  private readonly poller: NodeJS.Timeout;
  private settle: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private constructor(
    private readonly file: string,
    private readonly fixed: readonly UserConfig[],
    private readonly logger: FastifyBaseLogger,
    initial: UserSet,
    seen: string | undefined,
    fsWatch: boolean,
  ) {
    this.set = initial;
    this.seen = seen;
    if (fsWatch) {
      try {
        this.watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
          if (name === null || name === path.basename(file)) this.soon();
        });
        // a watch that fails later (the directory removed) leaves the poller in charge
        this.watcher.on("error", () => this.stopWatching());
      } catch {
        // no watching here (a file system without change notices): the poller alone
        this.watcher = undefined;
      }
    }
    this.poller = setInterval(() => void this.check(), POLL_MS);
    this.poller.unref();
  }

  /**
   * Reads the file and starts watching it. `strict`: a file that is not good now is an error (the
   * caller stops the start); otherwise the fixed users serve until the file is good. `fsWatch`
   * false: the stat poll alone (what a file system without change notices gets; for its test).
   */
  static async open(opts: { file: string; fixed: readonly UserConfig[]; logger: FastifyBaseLogger; strict: boolean; fsWatch?: boolean }): Promise<WatchedUsers> {
    const seen = await identity(opts.file);
    const first = await readUsersFile(opts.file, opts.fixed);
    let initial: UserSet;
    if ("set" in first) {
      initial = first.set;
    } else {
      if (opts.strict) throw new UsersFileError(opts.file, first.problems);
      opts.logger.error({ usersFile: opts.file, problems: first.problems }, "users file not usable: serving the users of the configuration until it is");
      const fixed = UserSet.of(opts.fixed);
      if (fixed.set === undefined) throw new UsersFileError(opts.file, fixed.problems);
      initial = fixed.set;
    }
    return new WatchedUsers(opts.file, opts.fixed, opts.logger, initial, "set" in first ? seen : undefined, opts.fsWatch ?? true);
  }

  get current(): UserSet {
    return this.set;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    if (this.settle !== undefined) clearTimeout(this.settle);
    this.stopWatching();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private soon(): void {
    if (this.settle !== undefined || this.closed) return;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      void this.check();
    }, SETTLE_MS);
    this.settle.unref();
  }

  /** Reads the file if it changed since the last read; one read at a time, a change during it read after. */
  private async check(): Promise<void> {
    if (this.reading !== undefined) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        const now = await identity(this.file);
        if (now === this.seen || this.closed) continue;
        this.seen = now;
        if (now === undefined) {
          this.logger.error({ usersFile: this.file }, "users file missing: the last good set of users stays in force");
          continue;
        }
        const result = await readUsersFile(this.file, this.fixed);
        if (this.closed) return;
        if ("set" in result) {
          this.set = result.set;
          this.logger.info({ usersFile: this.file, users: result.set.users.length, accessKeys: result.set.keyCount }, "users file read");
        } else {
          this.logger.error({ usersFile: this.file, problems: result.problems }, "users file not usable: the last good set of users stays in force");
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }
}

export class UsersFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`users file ${file}: ${problems.join("; ")}`);
  }
}

/** The users of a process that serves requests: watched from the users file if there is one, else fixed. */
export async function openUsers(
  config: Readonly<Config>,
  logger: FastifyBaseLogger,
  opts: { strict: boolean },
): Promise<UserDirectory & { close(): void }> {
  if (config.usersFile !== undefined) return WatchedUsers.open({ file: config.usersFile, fixed: fixedUsers(config), logger, strict: opts.strict });
  return { ...staticUsers(config), close: () => undefined };
}

/** The users of the configuration alone (`credentials` and `users`), fixed. */
export function staticUsers(config: Readonly<Pick<Config, "credentials" | "users">>): UserDirectory {
  const result = UserSet.of(fixedUsers(config));
  // loadConfig checked these already
  if (result.set === undefined) throw new Error(`users: ${result.problems.join("; ")}`);
  const current = result.set;
  return { current };
}

/**
 * The access id of the Ozone backend's own calls (the readiness check), made on no client's behalf:
 * the first Active key, else a fixed name (an unsecured OM takes any name as the user).
 */
export function serviceAccessKeyId(users: UserDirectory): string {
  return users.current.firstActiveKey() ?? "s3-gateway";
}
