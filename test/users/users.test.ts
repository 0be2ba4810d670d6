/**
 * Users in the process: the snapshot (runtime/users.ts) and the watched users file
 * (runtime/users-file.ts), its stat poll included (the fallback where fs.watch reports nothing).
 */
import { createHash } from "node:crypto";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UserConfig } from "../../runtime/config.js";
import { UserSet, userOfCredential } from "../../runtime/users.js";
import { POLL_MS, UsersFileError, WatchedUsers } from "../../runtime/users-file.js";

const ANN: UserConfig = {
  canonicalId: "a".repeat(64),
  displayName: "Ann",
  email: "ann@example.com",
  accessKeys: [
    { accessKeyId: "ANNKEY1", secretAccessKey: "ann-secret-1" },
    { accessKeyId: "ANNKEY2", secretAccessKey: "ann-secret-2", status: "Inactive" },
  ],
};
const BEN: UserConfig = { canonicalId: "ben-id", displayName: "Ben B.", ozoneUser: "ben", accessKeys: [{ accessKeyId: "BENKEY1", secretAccessKey: "ben-secret-1" }] };

function setOf(users: UserConfig[]): UserSet {
  const r = UserSet.of(users);
  if (r.set === undefined) throw new Error(r.problems.join("; "));
  return r.set;
}

describe("UserSet", () => {
  it("answers the secret and user of an Active key only: an Inactive key is as unknown as a missing one", () => {
    const s = setOf([ANN, BEN]);
    expect(s.secretOf("ANNKEY1")).toBe("ann-secret-1");
    expect(s.userOfKey("ANNKEY1")?.displayName).toBe("Ann");
    expect(s.secretOf("ANNKEY2")).toBeUndefined();
    expect(s.userOfKey("ANNKEY2")).toBeUndefined();
    expect(s.secretOf("NOSUCHKEY")).toBeUndefined();
  });

  it("maps every stored owner name of a user to it: canonical id, Ozone user, any of its keys (Inactive too)", () => {
    const s = setOf([ANN, BEN]);
    for (const name of ["a".repeat(64), "ANNKEY1", "ANNKEY2"]) expect(s.ownerElement(name)).toEqual({ ID: "a".repeat(64), DisplayName: "Ann" });
    for (const name of ["ben-id", "ben", "BENKEY1"]) expect(s.ownerUser(name)?.canonicalId).toBe("ben-id");
    // the Ozone user defaults to the first access key (what Ozone's gateway names the owner)
    expect(s.ownerUser("ANNKEY1")?.ozoneUser).toBe("ANNKEY1");
  });

  it("shows an owner no user names any more as before users existed: SHA-256 of s3gw-owner:<name>, the name", () => {
    const s = setOf([ANN]);
    const id = createHash("sha256").update("s3gw-owner:GONEKEY").digest("hex");
    expect(s.ownerUser("GONEKEY")).toBeUndefined();
    expect(s.ownerElement("GONEKEY")).toEqual({ ID: id, DisplayName: "GONEKEY" });
  });

  it("makes each `credentials` pair the user it always was: the same Owner ID and DisplayName", () => {
    const u = userOfCredential({ accessKeyId: "AKIDOLD", secretAccessKey: "old-secret-1" });
    expect(setOf([u]).ownerElement("AKIDOLD")).toEqual({ ID: createHash("sha256").update("s3gw-owner:AKIDOLD").digest("hex"), DisplayName: "AKIDOLD" });
  });

  it("refuses a set in which a key or an owner name would lead to two users, listing every problem", () => {
    const r = UserSet.of([
      ANN,
      { ...BEN, accessKeys: [{ accessKeyId: "ANNKEY2", secretAccessKey: "x-secret-1" }] },
      { canonicalId: "ANNKEY1", displayName: "C", accessKeys: [{ accessKeyId: "CKEY", secretAccessKey: "c-secret-1" }] },
      { canonicalId: "ben-id", displayName: "D", accessKeys: [{ accessKeyId: "DKEY", secretAccessKey: "d-secret-1" }] },
      { canonicalId: "e", displayName: "E", ozoneUser: "ben", accessKeys: [{ accessKeyId: "EKEY", secretAccessKey: "e-secret-1" }] },
    ]);
    expect(r.set).toBeUndefined();
    const text = r.problems.join("\n");
    expect(text).toMatch(/access key "ANNKEY2" is listed twice/);
    expect(text).toMatch(/canonicalId "ANNKEY1" of user "ANNKEY1" is already a name of user "a{64}"/);
    expect(text).toMatch(/canonicalId "ben-id" is given to two users/);
    expect(text).toMatch(/ozoneUser "ben" of user "e" is already a name of user "ben-id"/);
  });
});

describe("WatchedUsers", () => {
  let dir: string;
  let file: string;
  const logger = pino({ level: "silent" });
  const open: WatchedUsers[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "s3gw-users-unit-"));
    file = path.join(dir, "users.json");
  });
  afterEach(async () => {
    for (const w of open.splice(0)) w.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function watched(opts: { strict?: boolean; fsWatch?: boolean; fixed?: UserConfig[] } = {}): Promise<WatchedUsers> {
    const w = await WatchedUsers.open({ file, fixed: opts.fixed ?? [], logger, strict: opts.strict ?? true, fsWatch: opts.fsWatch ?? true });
    open.push(w);
    return w;
  }

  async function write(users: UserConfig[] | string): Promise<void> {
    await writeFile(`${file}.tmp`, typeof users === "string" ? users : JSON.stringify({ users }));
    await rename(`${file}.tmp`, file);
  }

  it("sees a change by its stat poll alone within the poll period (no fs.watch), and keeps the last good set through a broken and a missing file", async () => {
    await write([ANN]);
    const w = await watched({ fsWatch: false });
    expect(w.current.secretOf("BENKEY1")).toBeUndefined();
    await write([ANN, BEN]);
    const start = Date.now();
    await expect.poll(() => w.current.secretOf("BENKEY1"), { timeout: POLL_MS * 3, interval: 20 }).toBe("ben-secret-1");
    expect(Date.now() - start).toBeLessThan(POLL_MS * 2);
    const good = w.current;
    await write("{ not json");
    await new Promise((r) => setTimeout(r, POLL_MS * 1.5));
    expect(w.current).toBe(good);
    await write([{ ...BEN, accessKeys: [] }]);
    await new Promise((r) => setTimeout(r, POLL_MS * 1.5));
    expect(w.current).toBe(good);
    await rm(file);
    await new Promise((r) => setTimeout(r, POLL_MS * 1.5));
    expect(w.current).toBe(good);
    await write([BEN]);
    await expect.poll(() => w.current.secretOf("ANNKEY1"), { timeout: POLL_MS * 3, interval: 20 }).toBeUndefined();
    expect(w.current.secretOf("BENKEY1")).toBe("ben-secret-1");
  });

  it("sees a change through fs.watch well within the poll period", async () => {
    await write([ANN]);
    const w = await watched();
    const start = Date.now();
    await write([ANN, BEN]);
    await expect.poll(() => w.current.secretOf("BENKEY1"), { timeout: POLL_MS * 3, interval: 10 }).toBe("ben-secret-1");
    expect(Date.now() - start).toBeLessThan(POLL_MS / 2);
  });

  it("adds the configuration's fixed users to the file's, and refuses a file whose keys clash with them", async () => {
    await write([BEN]);
    const w = await watched({ fixed: [ANN] });
    expect(w.current.userOfKey("ANNKEY1")?.displayName).toBe("Ann");
    expect(w.current.userOfKey("BENKEY1")?.displayName).toBe("Ben B.");
    await write([BEN, { ...ANN, canonicalId: "other" }]);
    await new Promise((r) => setTimeout(r, POLL_MS * 1.5));
    expect(w.current.userOfKey("ANNKEY1")?.canonicalId).toBe("a".repeat(64));
  });

  it("refuses to start on a broken file when strict (the first process), starts on the fixed users otherwise (a later worker)", async () => {
    await write('{"users": [{"canonicalId": "x"}]}');
    const err = await WatchedUsers.open({ file, fixed: [ANN], logger, strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsersFileError);
    expect((err as UsersFileError).problems.join("\n")).toMatch(/displayName/);
    const w = await watched({ strict: false, fixed: [ANN] });
    expect(w.current.secretOf("ANNKEY1")).toBe("ann-secret-1");
    await write([BEN]);
    await expect.poll(() => w.current.secretOf("BENKEY1"), { timeout: POLL_MS * 3, interval: 20 }).toBe("ben-secret-1");
  });
});
