/**
 * The FSO tree walk (runtime/storage/ozone/fso-listing.ts) across the OM's pages: directories
 * with more entries than one ListStatusLight answer holds, where the OM's name order and S3's
 * order disagree at the page boundaries (a directory "n0007" comes before "n0007-y" and
 * "n0007.x" from the OM, after them in S3's order, as "n0007/"). Against an in-memory OM that
 * answers ListStatusLight as Ozone does (entries in name order from the start key inclusive, at
 * most numEntries); the live cluster's suite (test/ozone/fso-bucket.test.ts) has fewer entries
 * than a page. Every listing is compared with S3's answer computed from the key set.
 */
import { describe, expect, it } from "vitest";
import { Listing } from "../../runtime/storage/ozone/listing.js";
import type { OzoneCore } from "../../runtime/storage/ozone/store-core.js";
import type { OmMessage } from "../../runtime/storage/ozone/om-client.js";
import { StorageError } from "../../runtime/storage/types.js";

const pad = (i: number) => String(i).padStart(4, "0");

/** path -> is a directory */
const tree = new Map<string, boolean>();
function addFile(p: string): void {
  const parts = p.split("/");
  for (let i = 1; i < parts.length; i++) tree.set(parts.slice(0, i).join("/"), true);
  tree.set(p, false);
}
for (let i = 0; i < 1300; i++) {
  if (i % 7 === 0) {
    addFile(`n${pad(i)}/f`);
    addFile(`n${pad(i)}.x`);
    addFile(`n${pad(i)}-y`);
  } else addFile(`n${pad(i)}`);
}
for (let i = 0; i < 2100; i++) addFile(i % 500 === 3 ? `big/e${pad(i)}/deep/g` : `big/e${pad(i)}`);
tree.set("big/e0999", true); // an empty directory at the first page's end
tree.set("zz-empty", true);
// without n0001, the root's first page (1000 entries) ends at the directory n0777, whose siblings
// n0777-y and n0777.x (S3 lists them first) open the second page
tree.delete("n0001");

const FILES = [...tree].filter(([, dir]) => !dir).map(([p]) => p);
const EMPTY_DIRS = [...tree].filter(([p, dir]) => dir && ![...tree.keys()].some((q) => q.startsWith(`${p}/`))).map(([p]) => `${p}/`);
const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ALL = [...FILES, ...EMPTY_DIRS].sort(cmp);

let calls = 0;
const core = {
  volume: "v",
  keyArgs: (bucket: string, key: string, extra: OmMessage = {}) => ({ volumeName: "v", bucketName: bucket, keyName: key, ...extra }),
  isFso: async () => true,
  getBucket: async () => ({}),
  storageClassOf: () => "STANDARD",
  keyInfo: async (_bucket: string, key: string) => {
    if (key.endsWith("/") && tree.get(key.slice(0, -1)) === true) return { keyName: key, isFile: false, dataSize: "0", modificationTime: "1000" };
    throw new StorageError("KEY_NOT_FOUND");
  },
  om: async (cmd: string, _field: string, r: OmMessage) => {
    if (cmd !== "ListStatusLight") throw new Error(`unexpected ${cmd}`);
    calls++;
    const dir = String(r.keyArgs.keyName);
    const inside = dir === "" ? "" : `${dir}/`;
    const names = [...tree.keys()].filter((p) => p.startsWith(inside) && p.length > inside.length && !p.slice(inside.length).includes("/")).sort();
    const start = String(r.startKey);
    const from = start === "" ? names : names.filter((p) => p >= start);
    return {
      listStatusLightResponse: {
        statuses: from.slice(0, Number(r.numEntries)).map((p) => ({
          isDirectory: tree.get(p),
          basicKeyInfo: { keyName: p, dataSize: tree.get(p) ? "0" : "1", eTag: tree.get(p) ? undefined : `etag-${p}`, modificationTime: "1000", ownerName: "u" },
        })),
      },
    };
  },
} as unknown as OzoneCore;

/** S3's whole answer: keys and common prefixes in order ("P " marks a prefix). */
function expected(prefix: string, delimiter: string, startAfter: string): string[] {
  const out: string[] = [];
  for (const k of ALL) {
    if (!k.startsWith(prefix) || (startAfter !== "" && cmp(k, startAfter) <= 0)) continue;
    const d = delimiter === "" ? -1 : k.indexOf(delimiter, prefix.length);
    if (d < 0) {
      out.push(k);
      continue;
    }
    const cp = k.slice(0, d + delimiter.length);
    // a start-after inside a common prefix: that prefix was listed already
    if (startAfter.startsWith(cp)) continue;
    if (out[out.length - 1] !== `P ${cp}`) out.push(`P ${cp}`);
  }
  return out;
}

async function listed(prefix: string, delimiter: string, startAfter: string, maxKeys: number): Promise<string[]> {
  const listing = new Listing(core);
  const out: string[] = [];
  let after = startAfter;
  for (let round = 0; round < 10_000; round++) {
    const r = await listing.listObjects({ bucket: "b", prefix, delimiter, maxKeys, ...(after !== "" && { startAfter: after }) });
    // each list in S3's order as it came; then the two merged as S3 orders the entries of a page
    const keys = r.objects.map((o) => o.key);
    expect(keys).toEqual([...keys].sort(cmp));
    expect(r.commonPrefixes).toEqual([...r.commonPrefixes].sort(cmp));
    const page = [...keys, ...r.commonPrefixes.map((p) => `P ${p}`)].sort((a, b) => cmp(a.replace(/^P /, ""), b.replace(/^P /, "")));
    expect(page.length).toBeLessThanOrEqual(maxKeys);
    out.push(...page);
    if (!r.isTruncated) return out;
    after = r.nextMarker!;
  }
  throw new Error("listing does not end");
}

describe("FSO listing across the OM's pages", () => {
  it("lists a tree with more entries per directory than a page holds in S3's order, flat and by \"/\"", async () => {
    calls = 0;
    const flat = await listed("", "", "", 1000);
    expect(flat).toEqual(expected("", "", ""));
    expect(flat.length).toBe(ALL.length);
    expect(flat).toContain("big/e0999/");
    expect(flat).toContain("zz-empty/");
    // one call per directory page, not per key
    expect(calls).toBeLessThan(tree.size / 2);
    expect(await listed("", "/", "", 1000)).toEqual(expected("", "/", ""));
    expect(await listed("big/", "/", "", 1000)).toEqual(expected("big/", "/", ""));
  });

  it("does not enter a directory whose keys all fold into the common prefix just listed", async () => {
    calls = 0;
    // every key below big/ starting with "big/e" folds into "big/e": the directories
    // big/e0003, big/e0503 ... and their subdirectories are not listed
    expect(await listed("big/", "e", "", 1000)).toEqual(expected("big/", "e", ""));
    expect(calls).toBe(3);
    calls = 0;
    // every key that starts with "n" folds into "n": none of the 186 directories n0000/, n0007/
    // ... is listed (22 calls over the three responses big/'s 2,100 keys take; 200 and more if
    // they were entered)
    expect(await listed("", "n", "", 1000)).toEqual(expected("", "n", ""));
    expect(calls).toBeLessThan(30);
  });

  it("pages by max-keys and start-after across page boundaries, for prefixes inside the tree and other delimiters", async () => {
    for (const [prefix, delimiter, startAfter, maxKeys] of [
      ["", "", "", 333],
      ["", "/", "", 97],
      ["n", "/", "n0699", 50],
      ["n0", "", "n0700", 211],
      ["", "/", "n0994.x", 7],
      ["", "/", "n0994/f", 7],
      ["big/e09", "", "", 13],
      ["big/", "/", "big/e0998", 3],
      ["big/", "", "big/e0503/deep/g", 100],
      ["", "-", "", 250],
      ["", ".", "n0350", 100],
      // prefixes no key of the tree can start with
      ["/", "d", "", 1000],
      ["/n", "", "", 1000],
      ["big//", "/", "", 1000],
    ] as const) {
      expect(await listed(prefix, delimiter, startAfter, maxKeys), JSON.stringify([prefix, delimiter, startAfter, maxKeys])).toEqual(expected(prefix, delimiter, startAfter));
    }
  });
});
