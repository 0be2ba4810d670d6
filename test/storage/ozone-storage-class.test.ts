/**
 * Storage classes and Ozone replications (runtime/storage/ozone/storage-class.ts), as Ozone's S3
 * gateway maps them: STANDARD_IA is EC rs-3-2-1024k unless x-amz-meta-storage-config names another
 * allowed scheme (anything else is INVALID_ARGUMENT), only for a class mapped to EC; EC keys are
 * shown as STANDARD_IA unless their own class says EC.
 */
import { describe, expect, it } from "vitest";
import { parseReplication, replicationLabel, StorageClasses, storedUserMetadata } from "../../runtime/storage/ozone/storage-class.js";
import { StorageError } from "../../runtime/storage/types.js";
import { DEFAULTS } from "../../runtime/config.js";

const classes = (map: Record<string, string> = DEFAULTS.ozone.replication) =>
  new StorageClasses(new Map(Object.entries({ STANDARD: "DEFAULT", ...map }).map(([c, l]) => [c, parseReplication(l)])), new RegExp(DEFAULTS.ozone.ecSchemesAllowed));

const ec = (codec: string, data: number, parity: number, chunk: number) => ({ type: "EC", ecReplicationConfig: { codec, data, parity, ecChunkSize: chunk } });

describe("storage class -> replication", () => {
  it("STANDARD_IA is EC rs-3-2-1024k by default, as on Ozone's gateway; STANDARD sends none; an unlisted class is STANDARD's", () => {
    const c = classes();
    expect(c.forWrite("STANDARD_IA", {}).fields).toEqual(ec("rs", 3, 2, 1024 * 1024));
    expect(c.forWrite("STANDARD", {}).fields).toEqual({});
    expect(c.forWrite("REDUCED_REDUNDANCY", {}).fields).toEqual({ type: "RATIS", factor: "ONE" });
    expect(c.forWrite("GLACIER", {}).fields).toEqual({});
  });

  it("x-amz-meta-storage-config names another allowed scheme for an EC class (either case), and nothing for another class", () => {
    const c = classes();
    expect(c.forWrite("STANDARD_IA", { "storage-config": "rs-6-3-1024k" }).fields).toEqual(ec("rs", 6, 3, 1024 * 1024));
    expect(c.forWrite("STANDARD_IA", { "storage-config": "RS-10-4-4096K" }).fields).toEqual(ec("rs", 10, 4, 4096 * 1024));
    expect(c.forWrite("STANDARD_IA", { "storage-config": "xor-3-2-512k" }).fields).toEqual(ec("xor", 3, 2, 512 * 1024));
    expect(c.forWrite("STANDARD_IA", { "storage-config": "" }).fields).toEqual(ec("rs", 3, 2, 1024 * 1024));
    // Ozone's gateway reads it for STANDARD_IA only; here for whatever class maps to EC
    expect(c.forWrite("STANDARD", { "storage-config": "rs-6-3-1024k" }).fields).toEqual({});
    expect(c.forWrite("REDUCED_REDUNDANCY", { "storage-config": "nonsense" }).fields).toEqual({ type: "RATIS", factor: "ONE" });
  });

  it("a scheme that is malformed or not allowed is INVALID_ARGUMENT", () => {
    const c = classes();
    for (const bad of ["rs-4-2-1024k", "rs-3-2-1000k", "rs-3-2", "lrc-3-2-1024k", "rs-3-2-1024", "RATIS/THREE", "rs-3-2-1024k; rm"]) {
      let err: unknown;
      try {
        c.forWrite("STANDARD_IA", { "storage-config": bad });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(StorageError);
      expect((err as StorageError).kind).toBe("INVALID_ARGUMENT");
      expect((err as StorageError).clientMessage).toMatch(/x-amz-meta-storage-config/);
    }
  });

  it("the scheme request is not kept with the key's metadata", () => {
    expect(storedUserMetadata({ "storage-config": "rs-6-3-1024k", a: "b" })).toEqual({ a: "b" });
    const none = { a: "b" };
    expect(storedUserMetadata(none)).toBe(none);
  });
});

describe("replication -> storage class shown", () => {
  const c = classes();
  it("the class written with, when it says what the key is", () => {
    expect(c.shown(ec("rs", 3, 2, 1024 * 1024), "STANDARD_IA")).toBe("STANDARD_IA");
    expect(c.shown({ type: "RATIS", factor: "THREE" }, "GLACIER")).toBe("GLACIER");
    expect(c.shown({ type: "RATIS", factor: "ONE" })).toBe("REDUCED_REDUNDANCY");
    expect(c.shown({ type: "RATIS", factor: "THREE" })).toBe("STANDARD");
  });

  it("STANDARD_IA for an EC key whose class does not map to EC (a bucket's EC default, another client)", () => {
    expect(c.shown(ec("rs", 3, 2, 1024 * 1024))).toBe("STANDARD_IA");
    expect(c.shown(ec("RS", 6, 3, 1024 * 1024))).toBe("STANDARD_IA");
    expect(c.shown(ec("rs", 3, 2, 1024 * 1024), "ONEZONE_IA")).toBe("STANDARD_IA");
    // a class the configuration maps to EC keeps its name
    expect(classes({ GLACIER: "EC/rs-6-3-1024k" }).shown(ec("rs", 6, 3, 1024 * 1024), "GLACIER")).toBe("GLACIER");
    expect(classes({ STANDARD: "EC/rs-3-2-1024k" }).shown(ec("rs", 3, 2, 1024 * 1024), "ONEZONE_IA")).toBe("ONEZONE_IA");
  });

  it("labels EC keys as the configuration writes them, whatever the codec's case", () => {
    expect(replicationLabel(ec("RS", 3, 2, 1024 * 1024))).toBe("EC/rs-3-2-1024k");
  });
});
