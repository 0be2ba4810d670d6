/** Configuration: precedence, the documented environment variables and flags, one error for all problems. */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULTS, loadConfig } from "../../runtime/config.js";
import { tempDir } from "../support/temp-dirs.js";

describe("loadConfig", () => {
  it("starts from the defaults: S3 on 127.0.0.1:9878, admin on 19878, ./data", async () => {
    const c = await loadConfig([], {});
    expect(c.s3).toEqual(DEFAULTS.s3);
    expect(c.admin.port).toBe(19878);
    expect(c.dataDir).toBe(path.resolve("./data"));
    expect(c.credentials).toEqual([]);
  });

  it("honours S3G_ACCESS_KEY, S3G_SECRET_KEY, S3G_PORT, S3G_ADMIN_PORT, S3G_DATA_DIR", async () => {
    const c = await loadConfig([], { S3G_ACCESS_KEY: "AKID1", S3G_SECRET_KEY: "secret-1234", S3G_PORT: "9000", S3G_ADMIN_PORT: "9001", S3G_DATA_DIR: "/tmp/x" });
    expect(c.credentials).toEqual([{ accessKeyId: "AKID1", secretAccessKey: "secret-1234" }]);
    expect(c.s3.port).toBe(9000);
    expect(c.admin.port).toBe(9001);
    expect(c.dataDir).toBe("/tmp/x");
  });

  it("accepts SigV2 by default; S3G_SIGNATURE_V2=false or the file turns it off; anything else is a problem", async () => {
    expect((await loadConfig([], {})).s3.signatureV2).toBe(true);
    expect((await loadConfig([], { S3G_SIGNATURE_V2: "false" })).s3.signatureV2).toBe(false);
    const dir = await tempDir("s3gw-config-");
    const file = path.join(dir, "c.json");
    await writeFile(file, JSON.stringify({ s3: { signatureV2: false } }));
    expect((await loadConfig(["--config", file], {})).s3.signatureV2).toBe(false);
    const err = await loadConfig([], { S3G_SIGNATURE_V2: "maybe" }).catch((e: unknown) => e);
    expect((err as ConfigError).problems.join("\n")).toMatch(/s3\.signatureV2/);
  });

  it("writes large bodies direct by default; S3G_DIRECT_WRITES=false or the file turns it off", async () => {
    expect((await loadConfig([], {})).embedded.directWrites).toBe(true);
    expect((await loadConfig([], { S3G_DIRECT_WRITES: "false" })).embedded.directWrites).toBe(false);
    const dir = await tempDir("s3gw-config-");
    const file = path.join(dir, "c.json");
    await writeFile(file, JSON.stringify({ embedded: { directWrites: false } }));
    expect((await loadConfig(["--config", file], {})).embedded.directWrites).toBe(false);
    await writeFile(file, JSON.stringify({ embedded: { directWrite: false } }));
    const err = await loadConfig(["--config", file], {}).catch((e: unknown) => e);
    expect((err as ConfigError).problems.join("\n")).toMatch(/embedded/);
  });

  it("layers file < environment < flags", async () => {
    const dir = await tempDir("s3gw-config-");
    const file = path.join(dir, "c.json");
    await writeFile(file, JSON.stringify({ s3: { port: 1111, region: "eu-west-1", domains: ["s3.local"] }, log: { level: "debug" } }));
    const c = await loadConfig(["--config", file, "--port=3333"], { S3G_PORT: "2222", S3G_LOG_LEVEL: "warn" });
    expect(c.s3.port).toBe(3333);
    expect(c.s3.region).toBe("eu-west-1");
    expect(c.s3.domains).toEqual(["s3.local"]);
    expect(c.log.level).toBe("warn");
  });

  it("lists every problem in one error", async () => {
    const err = await loadConfig(["--port", "99999", "--bogus"], { S3G_LOG_LEVEL: "loud", S3G_ACCESS_KEY: "only-half" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join("\n");
    expect(problems).toMatch(/unknown argument --bogus/);
    expect(problems).toMatch(/S3G_ACCESS_KEY and S3G_SECRET_KEY go together/);
    expect(problems).toMatch(/s3\.port/);
    expect(problems).toMatch(/log\.level/);
  });

  it("rejects unknown keys in the file and returns a frozen object", async () => {
    const dir = await tempDir("s3gw-config-");
    const file = path.join(dir, "c.json");
    await writeFile(file, JSON.stringify({ s3: { prot: 1 } }));
    await expect(loadConfig(["--config", file], {})).rejects.toThrow(/prot/);
    const c = await loadConfig([], {});
    expect(Object.isFrozen(c) && Object.isFrozen(c.s3) && Object.isFrozen(c.credentials)).toBe(true);
  });

  it("HTTPS: certificate and key from the file, S3G_TLS_* or --tls-*, made absolute; one without the other, or a CA alone, is a problem", async () => {
    expect((await loadConfig([], {})).s3.tls).toEqual({});
    const c = await loadConfig(["--tls-cert", "certs/s3.crt"], { S3G_TLS_KEY: "/etc/s3/s3.key", S3G_TLS_CA: "chain.pem" });
    expect(c.s3.tls).toEqual({ certFile: path.resolve("certs/s3.crt"), keyFile: "/etc/s3/s3.key", caFile: path.resolve("chain.pem") });
    const dir = await tempDir("s3gw-config-");
    const file = path.join(dir, "c.json");
    await writeFile(file, JSON.stringify({ s3: { tls: { certFile: "/a.crt", keyFile: "/a.key" } } }));
    expect((await loadConfig(["--config", file], {})).s3.tls).toEqual({ certFile: "/a.crt", keyFile: "/a.key" });
    const half = await loadConfig(["--tls-cert", "/a.crt"], {}).catch((e: unknown) => e);
    expect((half as ConfigError).problems).toEqual(["s3.tls: certFile and keyFile go together (S3G_TLS_CERT and S3G_TLS_KEY, --tls-cert and --tls-key)"]);
    const caOnly = await loadConfig([], { S3G_TLS_CA: "/ca.pem" }).catch((e: unknown) => e);
    expect((caOnly as ConfigError).problems).toEqual(["s3.tls.caFile: needs s3.tls.certFile and s3.tls.keyFile"]);
    const unknown = await loadConfig(["--config", file], { S3G_TLS_CERT: "" }).then(() => "ok");
    expect(unknown).toBe("ok"); // an empty variable counts as unset
  });
});

describe("users", () => {
  const MAIN = {
    canonicalId: "testid",
    displayName: "M. Tester",
    email: "tester@ceph.com",
    accessKeys: [
      { accessKeyId: "0555b35654ad1656d804", secretAccessKey: "h7GhxuBLTrlhVUyxSPUKUV8r/2EI4ngqJxD7iBdBYLhwluN30JaT3Q==" },
      { accessKeyId: "MAINKEY2", secretAccessKey: "main-secret-2", status: "Inactive" },
    ],
  };

  async function fileWith(content: unknown): Promise<string> {
    const dir = await tempDir("s3gw-config-");
    const file = path.join(dir, "c.json");
    await writeFile(file, JSON.stringify(content));
    return file;
  }

  it("takes users from the file (frozen) and the users file from the file, S3G_USERS_FILE or --users-file, made absolute", async () => {
    const c = await loadConfig(["--config", await fileWith({ users: [MAIN], usersFile: "/etc/s3/users.json" })], {});
    expect(c.users).toEqual([MAIN]);
    expect(Object.isFrozen(c.users[0].accessKeys[1])).toBe(true);
    expect(c.usersFile).toBe("/etc/s3/users.json");
    expect((await loadConfig([], { S3G_USERS_FILE: "users.json" })).usersFile).toBe(path.resolve("users.json"));
    expect((await loadConfig(["--users-file", "u/users.json"], { S3G_USERS_FILE: "other.json" })).usersFile).toBe(path.resolve("u/users.json"));
    expect((await loadConfig([], {})).users).toEqual([]);
  });

  it("lists every problem of every user at once: required fields, status, empty key list, ids and names out of their alphabet", async () => {
    const err = await loadConfig(
      [
        "--config",
        await fileWith({
          users: [
            { displayName: "no id", accessKeys: MAIN.accessKeys },
            { canonicalId: "has space", displayName: "x", accessKeys: [{ accessKeyId: "K1KEY", secretAccessKey: "k1-secret", status: "Disabled" }] },
            { canonicalId: "c", displayName: "", accessKeys: [] },
            { canonicalId: "d", displayName: "tab\there", email: "not-an-email", ozoneUser: "a/b", accessKeys: [{ accessKeyId: "K", secretAccessKey: "short" }] },
          ],
        }),
      ],
      {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.join("\n");
    for (const expected of [
      /users\.0: .*canonicalId/,
      /users\.1\.canonicalId/,
      /users\.1\.accessKeys\.0\.status/,
      /users\.2\.displayName/,
      /users\.2\.accessKeys/,
      /users\.3\.displayName/,
      /users\.3\.email/,
      /users\.3\.ozoneUser/,
      /users\.3\.accessKeys\.0\.accessKeyId/,
      /users\.3\.accessKeys\.0\.secretAccessKey/,
    ]) {
      expect(text).toMatch(expected);
    }
  });

  it("refuses a key given to two users, also between `credentials` (S3G_ACCESS_KEY) and `users`", async () => {
    const file = await fileWith({ users: [MAIN, { ...MAIN, canonicalId: "other", accessKeys: [MAIN.accessKeys[1]] }] });
    const err = await loadConfig(["--config", file], { S3G_ACCESS_KEY: "0555b35654ad1656d804", S3G_SECRET_KEY: "another-secret" }).catch((e: unknown) => e);
    const problems = (err as ConfigError).problems;
    expect(problems.some((p) => /users: access key "0555b35654ad1656d804" is listed twice/.test(p))).toBe(true);
    expect(problems.some((p) => /users: access key "MAINKEY2" is listed twice/.test(p))).toBe(true);
  });
});
