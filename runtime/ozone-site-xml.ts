/**
 * What an ozone-site.xml (Hadoop's configuration format) says about the gateway's `ozone` settings,
 * read at start by config.ts (below the config file, environment and flags).
 */
import type { OzoneConfig } from "./config.js";
import { parseXmlTree, XmlSyntaxError, type XmlElement, type XmlLimits } from "./xml-parser.js";

/** host:port with a DNS name (underscores allowed: docker-compose service names), an IPv4 address or an [IPv6] address; port 1-65535 */
export const HOST_PORT = "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";
const HOST_PORT_RE = new RegExp(HOST_PORT);

/** "a, b,,c" -> ["a", "b", "c"]: Hadoop's list values, and the config's list settings given as text */
export function commaList(v: string): string[] {
  return v.split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * How an ozone-site.xml is read: the same XML rules as request bodies (./xml-parser.ts: XML's five
 * entities and character references, nothing else), with room for big files and the DOCTYPE some
 * Hadoop files carry (without an internal subset, so no entity can be declared).
 */
const SITE_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 1_000_000, maxAttributes: 64, allowDoctype: true };

/**
 * The properties of a Hadoop configuration file: `<property><name>k</name><value>v</value></property>`
 * or Hadoop's short form `<property name="k" value="v"/>`. A later duplicate wins, as in Hadoop;
 * <final>, <description> and <tag> are ignored, and so is `${var}` expansion. Names and values are
 * trimmed.
 */
function hadoopProperties(xmlText: string): Map<string, string> | string {
  let root: XmlElement;
  try {
    root = parseXmlTree(xmlText, SITE_XML_LIMITS);
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    return `not well-formed XML: ${err.message} (line ${err.lineIn(xmlText)})`;
  }
  if (root.name !== "configuration") return "not a Hadoop configuration file (no <configuration> element)";
  const props = new Map<string, string>();
  for (const p of root.children) {
    if (p.name !== "property") continue;
    const child = (n: string) => p.children.find((c) => c.name === n)?.text;
    const attribute = (n: string) => p.attributes.find(([q]) => q === n)?.[1];
    const name = (child("name") ?? attribute("name"))?.trim();
    const value = (child("value") ?? attribute("value"))?.trim();
    if (name && value !== undefined) props.set(name, value);
  }
  return props;
}

/** The host of a Hadoop "host[:port]" value (Guava HostAndPort's reading): "[v6]:port", bare IPv6, or a name or IPv4 address with an optional port. */
function hostOf(v: string): string {
  const bracketed = /^(\[[^\]]*\])(:\d*)?$/.exec(v);
  if (bracketed) return bracketed[1];
  const colons = v.split(":").length - 1;
  return colons > 1 ? `[${v}]` : colons === 1 ? v.slice(0, v.indexOf(":")) : v;
}

/**
 * Ozone's client-side replication (ozone.replication.type + ozone.replication) in this config's
 * notation. Factors are ONE/THREE or 1/3; EC follows ECReplicationConfig: <codec>-<data>-<parity>-<chunk>,
 * the chunk in bytes unless suffixed k.
 */
function replicationOf(type: string, factor: string): string | undefined {
  const t = type.toUpperCase();
  const f = factor === "1" ? "ONE" : factor === "3" ? "THREE" : factor.toUpperCase();
  if ((t === "STAND_ALONE" || t === "STANDALONE") && f === "ONE") return "STANDALONE/ONE";
  if (t === "RATIS" && (f === "ONE" || f === "THREE")) return `RATIS/${f}`;
  const ec = /^([a-z]+)-(\d+)-(\d+)-(\d+)(k?)$/i.exec(factor);
  if (t === "EC" && ec) {
    const chunkK = ec[5] ? Number(ec[4]) : Number(ec[4]) / 1024;
    if (Number.isInteger(chunkK) && chunkK > 0) return `EC/${ec[1].toLowerCase()}-${Number(ec[2])}-${Number(ec[3])}-${chunkK}k`;
  }
  return undefined;
}

/**
 * What an ozone-site.xml says about the settings here, read the way Ozone's own Java S3 gateway
 * reads it:
 * - OM gRPC addresses (GrpcOMFailoverProxyProvider): with ozone.om.service.ids, the nodes of
 *   ozone.om.internal.service.id or else the first service id (ozone.om.nodes.<svc>, less
 *   decommissioned and listener nodes), each at the host of ozone.om.address.<svc>.<node>; without,
 *   the host of ozone.om.address (0.0.0.0 meaning this machine). The port in those keys is Hadoop
 *   RPC's; the gRPC port is ozone.om.grpc.port.<svc>.<node>, else ozone.om.grpc.port, else 8981.
 * - volume: ozone.s3g.volume.name.
 * - the layout of buckets CreateBucket makes: ozone.s3g.default.bucket.layout (OBJECT_STORE or
 *   FILE_SYSTEM_OPTIMIZED; Ozone's gateway also takes LEGACY, which this gateway does not make).
 * - STANDARD's replication: the client-side default a request without x-amz-storage-class gets
 *   (OzoneClientUtils.getClientConfiguredReplicationConfig): ozone.replication when set, of type
 *   ozone.replication.type (default RATIS). Without ozone.replication Ozone sends none, so nothing is derived.
 */
export function ozoneFromSiteXml(xmlText: string): { values: Partial<OzoneConfig>; problems: string[] } {
  const values: Partial<OzoneConfig> = {};
  const problems: string[] = [];
  const props = hadoopProperties(xmlText);
  if (typeof props === "string") return { values, problems: [props] };
  // an empty value counts as unset, as in Ozone's HddsUtils
  const get = (k: string) => props.get(k) || undefined;

  /** host:port of one OM: undefined when addressKey is unset, null when a problem was listed */
  const omAddress = (addressKey: string, portKeys: string[]): string | undefined | null => {
    const value = get(addressKey);
    if (value === undefined) return undefined;
    const portKey = portKeys.find((k) => get(k) !== undefined);
    const port = portKey ? get(portKey)! : "8981";
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      problems.push(`${portKey}: ${JSON.stringify(port)} is not a port`);
      return null;
    }
    let host = hostOf(value);
    if (host === "0.0.0.0") host = "127.0.0.1";
    else if (host === "[::]") host = "[::1]";
    const address = `${host}:${Number(port)}`;
    if (!HOST_PORT_RE.test(address)) {
      problems.push(`${addressKey}: ${JSON.stringify(value)} does not name a host`);
      return null;
    }
    return address;
  };

  const serviceIds = commaList(get("ozone.om.service.ids") ?? "");
  if (serviceIds.length > 0) {
    const internal = get("ozone.om.internal.service.id");
    if (internal && !serviceIds.includes(internal)) problems.push(`ozone.om.internal.service.id: ${JSON.stringify(internal)} is not one of ozone.om.service.ids (${serviceIds.join(", ")})`);
    const svc = internal ?? serviceIds[0];
    // decommissioned OMs are gone and listener OMs never lead (OmUtils.getActiveNonListenerOMNodeIds)
    const skip = new Set([...commaList(get(`ozone.om.decommissioned.nodes.${svc}`) ?? ""), ...commaList(get(`ozone.om.listener.nodes.${svc}`) ?? "")]);
    const nodes = commaList(get(`ozone.om.nodes.${svc}`) ?? "").filter((n) => !skip.has(n));
    if (nodes.length === 0) problems.push(`ozone.om.nodes.${svc}: no OM node listed for service ${svc}`);
    const addresses: string[] = [];
    for (const node of nodes) {
      const key = `ozone.om.address.${svc}.${node}`;
      const address = omAddress(key, [`ozone.om.grpc.port.${svc}.${node}`, "ozone.om.grpc.port"]);
      if (address === undefined) problems.push(`${key}: missing, but ozone.om.nodes.${svc} lists OM node ${node}`);
      else if (address) addresses.push(address);
    }
    if (addresses.length > 0) values.omAddresses = addresses;
  } else {
    const address = omAddress("ozone.om.address", ["ozone.om.grpc.port"]);
    if (address) values.omAddresses = [address];
  }

  const volume = get("ozone.s3g.volume.name");
  if (volume !== undefined) values.volume = volume;

  const layout = get("ozone.s3g.default.bucket.layout");
  if (layout === "OBJECT_STORE" || layout === "FILE_SYSTEM_OPTIMIZED") values.bucketLayout = layout;
  else if (layout !== undefined) problems.push(`ozone.s3g.default.bucket.layout: ${JSON.stringify(layout)} is not one of OBJECT_STORE, FILE_SYSTEM_OPTIMIZED`);

  const factor = get("ozone.replication");
  if (factor !== undefined) {
    const type = get("ozone.replication.type") ?? "RATIS";
    const replication = replicationOf(type, factor);
    if (replication) values.replication = { STANDARD: replication };
    else problems.push(`ozone.replication.type ${JSON.stringify(type)} with ozone.replication ${JSON.stringify(factor)}: no equivalent here (STAND_ALONE with ONE, RATIS with ONE or THREE, EC with <codec>-<data>-<parity>-<chunk>k)`);
  }
  return { values, problems };
}
