/** Configuration of the Ozone backend: its environment variables and flags, ozone-site.xml, checks. */
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULTS, loadConfig } from "../../runtime/config.js";
import { ozoneFromSiteXml } from "../../runtime/ozone-site-xml.js";
import { tempDir } from "../support/temp-dirs.js";

const HA_FIXTURE = fileURLToPath(new URL("./ozone-site-ha.xml", import.meta.url));

async function tmpFile(name: string, content: string): Promise<string> {
  const dir = await tempDir("s3gw-config-");
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

/** A Hadoop configuration file with these properties. */
function site(props: Record<string, string>): string {
  const body = Object.entries(props).map(([k, v]) => `  <property><name>${k}</name><value>${v}</value></property>`);
  return `<?xml version="1.0"?>\n<configuration>\n${body.join("\n")}\n</configuration>\n`;
}

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}

describe("loadConfig: ozone", () => {
  it("defaults: embedded backend; volume s3v, STANDARD sends no replication, REDUCED_REDUNDANCY is RATIS/ONE, STANDARD_IA EC rs-3-2-1024k, OBJECT_STORE buckets, 30 s deadline", async () => {
    const c = await loadConfig([], {});
    expect(c.backend).toBe("embedded");
    expect(c.ozone).toEqual({
      omAddresses: [],
      volume: "s3v",
      replication: { STANDARD: "DEFAULT", REDUCED_REDUNDANCY: "RATIS/ONE", STANDARD_IA: "EC/rs-3-2-1024k" },
      ecSchemesAllowed: "^(rs|xor)-(3-2|6-3|10-4)-(512|1024|2048|4096)k$",
      bucketLayout: "OBJECT_STORE",
      requestTimeoutMs: 30000,
    });
    expect(c.ozone).toEqual(DEFAULTS.ozone);
    expect("siteXml" in c.ozone).toBe(false);
  });

  it("honours S3G_BACKEND, S3G_OZONE_OM_ADDRESS (a comma list), S3G_OZONE_VOLUME, S3G_OZONE_SITE_XML", async () => {
    const xml = await tmpFile("ozone-site.xml", site({}));
    const c = await loadConfig([], {
      S3G_BACKEND: "ozone",
      S3G_OZONE_OM_ADDRESS: "om1.example.com:8981, 10.0.0.2:8981,,[fd00::3]:8981",
      S3G_OZONE_VOLUME: "s3-tenant.a",
      S3G_OZONE_SITE_XML: path.relative(process.cwd(), xml),
    });
    expect(c.backend).toBe("ozone");
    expect(c.ozone.omAddresses).toEqual(["om1.example.com:8981", "10.0.0.2:8981", "[fd00::3]:8981"]);
    expect(c.ozone.volume).toBe("s3-tenant.a");
    expect(c.ozone.siteXml).toBe(xml); // made absolute
  });

  it("honours --backend, --ozone-om-address, --ozone-volume, --ozone-site-xml, in both flag forms", async () => {
    const xml = await tmpFile("ozone-site.xml", site({}));
    const c = await loadConfig(["--backend", "ozone", "--ozone-om-address=om1:8981,om2:8981", "--ozone-volume", "vol1", `--ozone-site-xml=${xml}`], {});
    expect(c.backend).toBe("ozone");
    expect(c.ozone.omAddresses).toEqual(["om1:8981", "om2:8981"]);
    expect(c.ozone.volume).toBe("vol1");
    expect(c.ozone.siteXml).toBe(xml);
    expect(await problemsOf(loadConfig(["--ozone-volume"], {}))).toContain("--ozone-volume needs a value");
  });

  it("layers ozone-site.xml < file < environment < flags", async () => {
    const xml = await tmpFile("ozone-site.xml", site({ "ozone.om.address": "site-om:9862", "ozone.s3g.volume.name": "sitevol", "ozone.replication.type": "RATIS", "ozone.replication": "THREE" }));
    const file = await tmpFile("c.json", JSON.stringify({ ozone: { siteXml: xml, omAddresses: ["file-om:8981"], volume: "filevol", replication: { GLACIER: "EC/rs-6-3-1024k" }, requestTimeoutMs: 5000 } }));
    const env = { S3G_OZONE_OM_ADDRESS: "env-om:8981", S3G_OZONE_VOLUME: "envvol" };

    const onlySite = await loadConfig(["--ozone-site-xml", xml], {});
    expect(onlySite.ozone.omAddresses).toEqual(["site-om:8981"]);
    expect(onlySite.ozone.volume).toBe("sitevol");

    const withFile = await loadConfig(["--config", file], {});
    expect(withFile.ozone.omAddresses).toEqual(["file-om:8981"]);
    expect(withFile.ozone.volume).toBe("filevol");
    // replication merges per storage class: site's STANDARD, the default REDUCED_REDUNDANCY, the file's GLACIER
    expect(withFile.ozone.replication).toEqual({ STANDARD: "RATIS/THREE", REDUCED_REDUNDANCY: "RATIS/ONE", STANDARD_IA: "EC/rs-3-2-1024k", GLACIER: "EC/rs-6-3-1024k" });
    expect(withFile.ozone.requestTimeoutMs).toBe(5000);

    const withEnv = await loadConfig(["--config", file], env);
    expect(withEnv.ozone.omAddresses).toEqual(["env-om:8981"]);
    expect(withEnv.ozone.volume).toBe("envvol");

    const withFlags = await loadConfig(["--config", file, "--ozone-om-address", "flag-om:8981", "--ozone-volume", "flagvol"], env);
    expect(withFlags.ozone.omAddresses).toEqual(["flag-om:8981"]);
    expect(withFlags.ozone.volume).toBe("flagvol");
    expect(withFlags.ozone.siteXml).toBe(xml);
  });

  it("takes the layout of new buckets from ozone.s3g.default.bucket.layout, below the flag, and refuses one it does not make", async () => {
    const xml = await tmpFile("layout-site.xml", site({ "ozone.om.address": "site-om:9862", "ozone.s3g.default.bucket.layout": "FILE_SYSTEM_OPTIMIZED" }));
    expect((await loadConfig(["--ozone-site-xml", xml], {})).ozone.bucketLayout).toBe("FILE_SYSTEM_OPTIMIZED");
    expect((await loadConfig(["--ozone-site-xml", xml, "--ozone-bucket-layout", "OBJECT_STORE"], {})).ozone.bucketLayout).toBe("OBJECT_STORE");
    expect((await loadConfig([], {})).ozone.bucketLayout).toBe("OBJECT_STORE");
    const legacy = await tmpFile("legacy-site.xml", site({ "ozone.om.address": "site-om:9862", "ozone.s3g.default.bucket.layout": "LEGACY" }));
    expect((await problemsOf(loadConfig(["--ozone-site-xml", legacy], {}))).join("\n")).toMatch(/ozone\.s3g\.default\.bucket\.layout: "LEGACY" is not one of/);
    expect((await problemsOf(loadConfig([], { S3G_OZONE_BUCKET_LAYOUT: "LEGACY" }))).join("\n")).toMatch(/bucketLayout/);
  });

  it("reads the ozone-site.xml named by the highest layer only", async () => {
    const fileXml = await tmpFile("file-site.xml", site({ "ozone.s3g.volume.name": "fromfilexml" }));
    const flagXml = await tmpFile("flag-site.xml", site({ "ozone.s3g.volume.name": "fromflagxml" }));
    const file = await tmpFile("c.json", JSON.stringify({ ozone: { siteXml: fileXml } }));
    const c = await loadConfig(["--config", file, "--ozone-site-xml", flagXml], { S3G_OZONE_SITE_XML: "/nonexistent/ozone-site.xml" });
    expect(c.ozone.volume).toBe("fromflagxml");
    expect(c.ozone.siteXml).toBe(flagXml);
  });

  it("loads an HA ozone-site.xml file end to end", async () => {
    const c = await loadConfig(["--backend", "ozone", "--ozone-site-xml", HA_FIXTURE], {});
    expect(c.ozone.omAddresses).toEqual(["om1.example.com:8990", "om2.example.com:8990", "om3.example.com:9990"]);
    expect(c.ozone.volume).toBe("s3volume");
    expect(c.ozone.replication.STANDARD).toBe("RATIS/THREE");
  });

  it('backend "ozone" without OM addresses is an error that says how to give them', async () => {
    const problems = await problemsOf(loadConfig(["--backend", "ozone"], {}));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/ozone\.omAddresses/);
    expect(problems[0]).toMatch(/S3G_OZONE_OM_ADDRESS/);
    expect(problems[0]).toMatch(/--ozone-om-address/);
    expect(problems[0]).toMatch(/ozone-site\.xml/);
    // a site file that names no OM does not help
    const xml = await tmpFile("ozone-site.xml", site({ "ozone.s3g.volume.name": "vol" }));
    expect((await problemsOf(loadConfig([], { S3G_BACKEND: "ozone", S3G_OZONE_SITE_XML: xml }))).join("\n")).toMatch(/S3G_OZONE_OM_ADDRESS/);
    // the embedded backend needs none
    await expect(loadConfig(["--backend", "embedded"], {})).resolves.toBeDefined();
    expect((await problemsOf(loadConfig(["--backend", "hdfs"], {}))).join("\n")).toMatch(/backend: .*\(embedded, ozone\)/);
  });

  it("lists every bad address, volume, storage class, replication and deadline", async () => {
    const file = await tmpFile("c.json", JSON.stringify({
      ozone: { replication: { STANDARD: "RATIS/TWO", GLACIER: "EC/rs-3-2-1024", "deep archive": "RATIS/ONE", REDUCED_REDUNDANCY: "STANDALONE/ONE" }, requestTimeoutMs: 99 },
    }));
    const problems = await problemsOf(loadConfig(["--config", file, "--backend", "ozone", "--ozone-om-address", "ok:8981,no port,h:0,h:65536,h:65535,[::1]:8981,::1:8981,bad_:1", "--ozone-volume", "S3V"], {}));
    const text = problems.join("\n");
    for (const bad of ['"no port"', '"h:0"', '"h:65536"', '"::1:8981"', '"bad_:1"']) expect(text).toContain(bad);
    for (const good of ['"ok:8981"', '"h:65535"', '"[::1]:8981"']) expect(text).not.toContain(good);
    expect(text).toMatch(/ozone\.omAddresses\.1: "no port" is not host:port/);
    expect(text).toMatch(/ozone\.volume: "S3V" is not an Ozone volume name/);
    expect(text).toMatch(/ozone\.replication\.STANDARD: "RATIS\/TWO"/);
    expect(text).toMatch(/ozone\.replication\.GLACIER: "EC\/rs-3-2-1024"/);
    expect(text).toMatch(/ozone\.replication: "deep archive" is not an S3 storage class name/);
    expect(text).not.toMatch(/REDUCED_REDUNDANCY/);
    expect(text).toMatch(/ozone\.requestTimeoutMs: must be >= 100/);
    // addresses are present, so no "needs the OMs" problem on top
    expect(text).not.toMatch(/S3G_OZONE_OM_ADDRESS/);
  });

  it("bounds ozone.requestTimeoutMs at one day (a Ratis write's timer, twice it, stays within setTimeout's limit)", async () => {
    const args = ["--backend", "ozone", "--ozone-om-address", "om:8981"];
    const over = await tmpFile("c.json", JSON.stringify({ ozone: { requestTimeoutMs: 86_400_001 } }));
    expect((await problemsOf(loadConfig(["--config", over, ...args], {}))).join("\n")).toMatch(/ozone\.requestTimeoutMs: must be <= 86400000/);
    const day = await tmpFile("c.json", JSON.stringify({ ozone: { requestTimeoutMs: 86_400_000 } }));
    expect((await loadConfig(["--config", day, ...args], {})).ozone.requestTimeoutMs).toBe(86_400_000);
  });

  it("takes ozone.ecSchemesAllowed as a regular expression, and one that is not is a problem", async () => {
    const ok = await tmpFile("ok.json", JSON.stringify({ ozone: { ecSchemesAllowed: "^rs-6-3-1024k$" } }));
    expect((await loadConfig(["--config", ok], {})).ozone.ecSchemesAllowed).toBe("^rs-6-3-1024k$");
    const bad = await tmpFile("bad.json", JSON.stringify({ ozone: { ecSchemesAllowed: "^(rs-3" } }));
    expect((await problemsOf(loadConfig(["--config", bad], {}))).join("\n")).toMatch(/ozone\.ecSchemesAllowed: not a regular expression/);
  });

  it("accepts Ozone volume names and rejects what Ozone rejects", async () => {
    for (const ok of ["s3v", "a-b.c", "x".repeat(63), "0vol9"]) expect((await loadConfig(["--ozone-volume", ok], {})).ozone.volume).toBe(ok);
    for (const bad of ["ab", "x".repeat(64), "-ab", "ab-", "a..b", "a.-b", "a_b", "10.0.0.1"]) {
      expect((await problemsOf(loadConfig(["--ozone-volume", bad], {}))).join("\n")).toMatch(/ozone\.volume/);
    }
  });

  it("makes a malformed, foreign or missing ozone-site.xml a listed problem, not a crash", async () => {
    const malformed = await tmpFile("ozone-site.xml", "<configuration><property><name>ozone.om.address</name></configuration>");
    const problems = await problemsOf(loadConfig(["--ozone-site-xml", malformed, "--port", "99999"], {}));
    expect(problems.some((p) => p.startsWith(`ozone-site.xml ${malformed}: not well-formed XML`))).toBe(true);
    expect(problems.join("\n")).toMatch(/s3\.port/); // still every problem in one error

    const foreign = await tmpFile("ozone-site.xml", "<beans><bean id='x'/></beans>");
    expect((await problemsOf(loadConfig(["--ozone-site-xml", foreign], {}))).join("\n")).toMatch(/not a Hadoop configuration file/);

    const missing = path.join(os.tmpdir(), "s3gw-no-such-dir", "ozone-site.xml");
    expect((await problemsOf(loadConfig([], { S3G_OZONE_SITE_XML: missing }))).join("\n")).toMatch(new RegExp(`ozone-site.xml ${missing}: ENOENT`));
  });

  it("lists ozone-site.xml's own problems with the file's name", async () => {
    const xml = await tmpFile("ozone-site.xml", site({ "ozone.om.service.ids": "svc", "ozone.om.nodes.svc": "om1,om2", "ozone.om.address.svc.om1": "om1:9862" }));
    const problems = await problemsOf(loadConfig(["--ozone-site-xml", xml], {}));
    expect(problems).toEqual([`ozone-site.xml ${xml}: ozone.om.address.svc.om2: missing, but ozone.om.nodes.svc lists OM node om2`]);
  });

  it("returns the ozone section deep-frozen", async () => {
    const xml = await tmpFile("ozone-site.xml", site({ "ozone.om.address": "om:9862" }));
    const c = await loadConfig(["--ozone-site-xml", xml], {});
    expect(Object.isFrozen(c.ozone) && Object.isFrozen(c.ozone.omAddresses) && Object.isFrozen(c.ozone.replication)).toBe(true);
    expect(() => (c.ozone.omAddresses as string[]).push("x:1")).toThrow(TypeError);
    expect(() => {
      (c.ozone.replication as Record<string, string>).STANDARD = "RATIS/ONE";
    }).toThrow(TypeError);
    // and the defaults a later load starts from are untouched
    expect(DEFAULTS.ozone.omAddresses).toEqual([]);
    expect((await loadConfig([], {})).ozone.omAddresses).toEqual([]);
  });
});

describe("ozoneFromSiteXml", () => {
  const derive = (props: Record<string, string>) => ozoneFromSiteXml(site(props));

  it("HA: the nodes of the service id, each at its own host, with per-node gRPC ports, else ozone.om.grpc.port, else 8981", () => {
    const ha = {
      "ozone.om.service.ids": "cluster1",
      "ozone.om.nodes.cluster1": "om1, om2 ,om3",
      "ozone.om.address.cluster1.om1": "om1.example.com:9862",
      "ozone.om.address.cluster1.om2": "om2.example.com",
      "ozone.om.address.cluster1.om3": "[fd00::3]:9862",
      "ozone.om.grpc.port.cluster1.om1": "18981",
      "ozone.om.grpc.port.cluster1.om2": "28981",
      "ozone.om.grpc.port.cluster1.om3": "38981",
    };
    expect(derive(ha)).toEqual({ values: { omAddresses: ["om1.example.com:18981", "om2.example.com:28981", "[fd00::3]:38981"] }, problems: [] });
    const { "ozone.om.grpc.port.cluster1.om2": _2, "ozone.om.grpc.port.cluster1.om3": _3, ...fewerPorts } = ha;
    expect(derive(fewerPorts).values.omAddresses).toEqual(["om1.example.com:18981", "om2.example.com:8981", "[fd00::3]:8981"]);
    expect(derive({ ...fewerPorts, "ozone.om.grpc.port": "9000" }).values.omAddresses).toEqual(["om1.example.com:18981", "om2.example.com:9000", "[fd00::3]:9000"]);
  });

  it("HA: ozone.om.internal.service.id picks among several service ids, else the first; decommissioned and listener OMs are left out", () => {
    const two = {
      "ozone.om.service.ids": "east,west",
      "ozone.om.nodes.east": "e1",
      "ozone.om.address.east.e1": "e1.example.com",
      "ozone.om.nodes.west": "w1,w2,w3,w4",
      "ozone.om.address.west.w1": "w1.example.com",
      "ozone.om.address.west.w2": "w2.example.com",
      "ozone.om.address.west.w3": "w3.example.com",
      "ozone.om.address.west.w4": "w4.example.com",
      "ozone.om.decommissioned.nodes.west": "w2",
      "ozone.om.listener.nodes.west": "w4",
    };
    expect(derive(two).values.omAddresses).toEqual(["e1.example.com:8981"]);
    expect(derive({ ...two, "ozone.om.internal.service.id": "west" }).values.omAddresses).toEqual(["w1.example.com:8981", "w3.example.com:8981"]);
    expect(derive({ ...two, "ozone.om.internal.service.id": "north" }).problems.join("\n")).toMatch(/ozone\.om\.internal\.service\.id: "north" is not one of ozone\.om\.service\.ids \(east, west\)/);
  });

  it("HA: a node without an address, a service without nodes and a bad port are problems", () => {
    const r = derive({
      "ozone.om.service.ids": "svc",
      "ozone.om.nodes.svc": "om1,om2,om3",
      "ozone.om.address.svc.om1": "om1:9862",
      "ozone.om.address.svc.om3": "om3",
      "ozone.om.grpc.port.svc.om3": "eighty",
    });
    expect(r.values.omAddresses).toEqual(["om1:8981"]);
    expect(r.problems).toEqual(["ozone.om.address.svc.om2: missing, but ozone.om.nodes.svc lists OM node om2", 'ozone.om.grpc.port.svc.om3: "eighty" is not a port']);
    expect(derive({ "ozone.om.service.ids": "svc" }).problems).toEqual(["ozone.om.nodes.svc: no OM node listed for service svc"]);
  });

  it("non-HA: the host of ozone.om.address (its Hadoop RPC port dropped) with ozone.om.grpc.port, else 8981", () => {
    expect(derive({ "ozone.om.address": "om.example.com:9862", "ozone.om.grpc.port": "8999" })).toEqual({ values: { omAddresses: ["om.example.com:8999"] }, problems: [] });
    expect(derive({ "ozone.om.address": "om.example.com:9862" }).values.omAddresses).toEqual(["om.example.com:8981"]);
    expect(derive({ "ozone.om.address": "10.1.2.3" }).values.omAddresses).toEqual(["10.1.2.3:8981"]);
    expect(derive({ "ozone.om.address": "fd00::1" }).values.omAddresses).toEqual(["[fd00::1]:8981"]);
    expect(derive({ "ozone.om.address": "[fd00::1]:9862" }).values.omAddresses).toEqual(["[fd00::1]:8981"]);
  });

  it("non-HA: 0.0.0.0 means this machine; no ozone.om.address means no address", () => {
    expect(derive({ "ozone.om.address": "0.0.0.0:9862" }).values.omAddresses).toEqual(["127.0.0.1:8981"]);
    expect(derive({ "ozone.om.address": "0.0.0.0" }).values.omAddresses).toEqual(["127.0.0.1:8981"]);
    expect(derive({ "ozone.om.grpc.port": "8999" })).toEqual({ values: {}, problems: [] });
    expect(derive({ "ozone.om.address": "" })).toEqual({ values: {}, problems: [] });
    expect(derive({ "ozone.om.address": "bad host" }).problems).toEqual(['ozone.om.address: "bad host" does not name a host']);
  });

  it("volume from ozone.s3g.volume.name", () => {
    expect(derive({ "ozone.s3g.volume.name": "tenant1" }).values).toEqual({ volume: "tenant1" });
  });

  it("STANDARD's replication from ozone.replication.type and ozone.replication, as Ozone's gateway sends for a request without a storage class", () => {
    const std = (type: string | undefined, factor: string) => derive(type === undefined ? { "ozone.replication": factor } : { "ozone.replication.type": type, "ozone.replication": factor });
    expect(std("STAND_ALONE", "ONE").values.replication).toEqual({ STANDARD: "STANDALONE/ONE" });
    expect(std("STANDALONE", "1").values.replication).toEqual({ STANDARD: "STANDALONE/ONE" });
    expect(std("RATIS", "THREE").values.replication).toEqual({ STANDARD: "RATIS/THREE" });
    expect(std("RATIS", "3").values.replication).toEqual({ STANDARD: "RATIS/THREE" });
    expect(std("RATIS", "1").values.replication).toEqual({ STANDARD: "RATIS/ONE" });
    expect(std("EC", "rs-3-2-1024k").values.replication).toEqual({ STANDARD: "EC/rs-3-2-1024k" });
    expect(std("EC", "RS-6-3-1024K").values.replication).toEqual({ STANDARD: "EC/rs-6-3-1024k" });
    expect(std("EC", "xor-10-4-1048576").values.replication).toEqual({ STANDARD: "EC/xor-10-4-1024k" }); // chunk in bytes
    // ozone.replication.type defaults to RATIS, as in Ozone
    expect(std(undefined, "ONE").values.replication).toEqual({ STANDARD: "RATIS/ONE" });
    // without ozone.replication Ozone's gateway sends no replication, and so does this one
    expect(derive({ "ozone.replication.type": "RATIS" })).toEqual({ values: {}, problems: [] });
  });

  it("replication without an equivalent is a problem naming both keys", () => {
    for (const [type, factor] of [["STAND_ALONE", "THREE"], ["RATIS", "TWO"], ["EC", "3"], ["EC", "rs-3-2-1000"], ["CHAINED", "ONE"]]) {
      const r = derive({ "ozone.replication.type": type, "ozone.replication": factor });
      expect(r.values).toEqual({});
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toContain(`ozone.replication.type "${type}" with ozone.replication "${factor}"`);
    }
  });

  it("reads Hadoop's format: trimmed values, a later duplicate wins, <final>/<description> ignored, the short attribute form", () => {
    const r = ozoneFromSiteXml(`<?xml version="1.0" encoding="UTF-8"?>
      <!-- comment -->
      <configuration>
        <property><name>ozone.s3g.volume.name</name><value>first</value></property>
        <property>
          <name> ozone.s3g.volume.name </name>
          <value>
            second
          </value>
          <final>true</final>
          <description>the S3 volume &amp; more</description>
        </property>
        <property name="ozone.om.address" value="om.example.com:9862"/>
        <property><name>ozone.om.grpc.port</name><value>8990<!-- gRPC --></value></property>
        <property><name>no.value</name></property>
        <property/>
      </configuration>`);
    expect(r).toEqual({ values: { volume: "second", omAddresses: ["om.example.com:8990"] }, problems: [] });
  });

  it("malformed XML and other roots are problems, never exceptions", () => {
    for (const text of ["", "not xml", "<configuration><property>", "<configuration><property><name>a</name></value></property></configuration>"]) {
      const r = ozoneFromSiteXml(text);
      expect(r.values).toEqual({});
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatch(/^not well-formed XML/);
    }
    expect(ozoneFromSiteXml("<beans/>").problems).toEqual(["not a Hadoop configuration file (no <configuration> element)"]);
    expect(ozoneFromSiteXml("<configuration/>")).toEqual({ values: {}, problems: [] });
  });
});
