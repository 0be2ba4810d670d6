// The daemons of a cluster.mjs cluster, their names and the ports they open: what `up` starts
// and what configuration (conf.mjs) addresses. See cluster.mjs's header.

import fs from 'node:fs';
import net from 'node:net';

/** Every listener that can be kept off the wildcard address binds here. */
export const LOOPBACK = '127.0.0.1';

// ---------------------------------------------------------------------------------------------
// What runs, in start order (the datanodes start right after SCM, so they register while OM
// initialises). `down` stops in reverse: s3g, OM, datanodes, SCM; about 2-5 s each.
// DAEMONS is keyed by kind; a cluster has one daemon of each kind but `dn`, of which it has
// `datanodes` (see datanodeNames).

export const DAEMONS = {
  scm: {
    artifact: 'hdds-server-scm',
    mainClass: 'org.apache.hadoop.hdds.scm.server.StorageContainerManagerStarter',
  },
  dn: {
    // ozone-datanode is a 9 KB jar that only carries the classpath; the class is in
    // hdds-container-service.
    artifact: 'ozone-datanode',
    mainClass: 'org.apache.hadoop.ozone.HddsDatanodeService',
  },
  om: {
    artifact: 'ozone-manager',
    mainClass: 'org.apache.hadoop.ozone.om.OzoneManagerStarter',
  },
  s3g: {
    artifact: 'ozone-s3gateway',
    mainClass: 'org.apache.hadoop.ozone.s3.Gateway',
  },
};
// The readiness probe (WriteProbe.java) runs against the plain client library.
export const CLASSPATHS = { ...Object.fromEntries(Object.entries(DAEMONS).map(([k, v]) => [k, v.artifact])), probe: 'ozone-client' };
// Ozone's `ozone sh` (OzoneShell), resolved on first use only: clusters made before it existed
// keep their cached daemon classpaths.
export const SHELL = { artifact: 'ozone-cli-shell', mainClass: 'org.apache.hadoop.ozone.shell.OzoneShell' };

/** Datanode i (from 1): `dn` for the first (the name a one-datanode cluster always had), then dn2, dn3... */
export const datanodeName = (i) => (i === 1 ? 'dn' : `dn${i}`);
export const datanodeNames = (state) => Array.from({ length: state.datanodes ?? 1 }, (_, i) => datanodeName(i + 1));
export const kindOf = (name) => (/^dn\d*$/.test(name) ? 'dn' : name);
/** What must run for the cluster to be up, in start order. */
export const coreNames = (state) => ['scm', ...datanodeNames(state), 'om'];
export const daemonNames = (state) => [...coreNames(state), 's3g'];

// Every port the daemons open that configuration can move, all picked free on first `up` and kept
// for the life of the state dir (SCM records the datanode's ports in its pipelines).
//
// `wildcard`: these listeners bind 0.0.0.0 whatever the address keys say, and no bind-host key
// exists for them, so they CANNOT be kept on loopback: the Ratis servers of SCM, OM and datanode,
// SCM's gRPC, the OM gRPC server and the datanode's gRPC and replication servers (Netty
// `forPort`, no host). Their ports are found by binding 0.0.0.0:0, because a wildcard bind needs
// the port free on every interface. Everything else binds 127.0.0.1 (address + bind-host keys)
// and is found by binding 127.0.0.1:0. Checked with `ss -ltnp` on a running 2.2.0 cluster: 19
// listeners, 9 of them wildcard, none on a port this table does not set. Defaults in comments.
// Every datanode has its own set of DATANODE_PORTS, named after it: dnStandalone, dn2Standalone...
const CLUSTER_PORTS = [
  // SCM
  ['scmClient', 'loopback'], // ozone.scm.client.port 9860 (Hadoop RPC)
  ['scmBlock', 'loopback'], // ozone.scm.block.client.port 9863
  ['scmDatanode', 'loopback'], // ozone.scm.datanode.port 9861
  ['scmSecurity', 'loopback'], // ozone.scm.security.service.port 9961, opened only with security on
  ['scmHttp', 'loopback'], // ozone.scm.http-address 9876 (/jmx)
  ['scmHttps', 'loopback'], // 9877, not opened under HTTP_ONLY
  ['scmRatis', 'wildcard'], // ozone.scm.ratis.port 9894: SCM always runs Ratis, even alone
  ['scmGrpc', 'wildcard'], // ozone.scm.grpc.port 9895
  // OM
  ['omRpc', 'loopback'], // ozone.om.address 9862 (Hadoop RPC)
  ['omHttp', 'loopback'], // ozone.om.http-address 9874
  ['omHttps', 'loopback'], // 9875, not opened under HTTP_ONLY
  ['omRatis', 'wildcard'], // ozone.om.ratis.port 9872
  ['omGrpc', 'wildcard'], // ozone.om.grpc.port 8981: what the TypeScript backend talks to
  // Java S3 gateway (picked always, so a later `up --s3g` needs no new config)
  ['s3gHttp', 'loopback'], // ozone.s3g.http-address 9878
  ['s3gHttps', 'loopback'], // 9879, not opened under HTTP_ONLY
  ['s3gAdminHttp', 'loopback'], // ozone.s3g.webadmin.http-address 19878
  ['s3gAdminHttps', 'loopback'], // 19879, not opened under HTTP_ONLY
];
const DATANODE_PORTS = [
  ['Standalone', 'wildcard'], // hdds.container.ipc.port 9859: the gRPC data path (STAND_ALONE)
  ['RatisIpc', 'wildcard'], // hdds.container.ratis.ipc.port 9858: Ratis clients (RATIS pipelines)
  ['RatisAdmin', 'wildcard'], // hdds.container.ratis.admin.port 9857
  ['RatisServer', 'wildcard'], // hdds.container.ratis.server.port 9856: datanode to datanode
  ['RatisDatastream', 'wildcard'], // hdds.container.ratis.datastream.port 9855, opened only with datastream on
  ['Replication', 'wildcard'], // hdds.datanode.replication.port 9886
  ['Http', 'loopback'], // hdds.datanode.http-address 9882
  ['Https', 'loopback'], // 9883, not opened under HTTP_ONLY
  ['Client', 'loopback'], // hdds.datanode.client.port 19864 (Hadoop RPC)
];

/** Every port of a cluster with `datanodes` datanodes: [name, scope]. */
function portTable(datanodes) {
  const dnPorts = Array.from({ length: datanodes }, (_, i) => DATANODE_PORTS.map(([suffix, scope]) => [`${datanodeName(i + 1)}${suffix}`, scope]));
  return [...CLUSTER_PORTS, ...dnPorts.flat()];
}

// ---------------------------------------------------------------------------------------------
// Ports picked free, and the endpoints they make

/**
 * The ports a cluster picks from: below the kernel's ephemeral range, which it hands out to every
 * outgoing connection. A port picked in that range is free only until the daemons bind it, and a
 * connection opened meanwhile (a test's load on another cluster) can take it as its local port;
 * below the range only a listener can, and the bind below sees one that is already there.
 */
export function portRange() {
  let ephemeralLow = 32768; // Linux's default; macOS's range starts at 49152
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 11000) ephemeralLow = low;
  } catch { /* not Linux: the default */ }
  return { low: 10000, high: ephemeralLow - 1 };
}

/** Binds `port` on the scope's address, or resolves undefined when it is taken. */
function tryListen(port, scope) {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen({ host: scope === 'wildcard' ? '0.0.0.0' : LOOPBACK, port, exclusive: true }, () => resolve(server));
  });
}

/** `from`: the first port tried (tests); else a random place in the range, so that a cluster
 *  picked again does not try the same taken ports first. */
export async function pickPorts(datanodes, from = undefined) {
  const servers = [];
  const ports = {};
  const { low, high } = portRange();
  const span = high - low + 1;
  let next = from ?? low + Math.floor(Math.random() * span);
  try {
    // All listeners stay open until every port is picked, so no two names get the same port.
    for (const [name, scope] of portTable(datanodes)) {
      for (let tried = 0; ; tried++) {
        if (tried >= span) throw new Error(`no free port left in ${low}-${high}`);
        const port = next;
        next = next === high ? low : next + 1;
        const server = await tryListen(port, scope);
        if (server === undefined) continue;
        servers.push(server);
        ports[name] = port;
        break;
      }
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
  return ports;
}

/** Ports of a stopped cluster are reused on restart (the datanode's are recorded in SCM). */
export async function portsStillFree(ports, datanodes) {
  const taken = [];
  for (const [name, scope] of portTable(datanodes)) {
    const server = await tryListen(ports[name], scope);
    if (server !== undefined) await new Promise((r) => server.close(() => r()));
    else taken.push(`${name}=${ports[name]}`);
  }
  return taken;
}

export function endpoints(ports) {
  return {
    omGrpc: `${LOOPBACK}:${ports.omGrpc}`,
    omRpc: `${LOOPBACK}:${ports.omRpc}`,
    datanodeGrpc: `${LOOPBACK}:${ports.dnStandalone}`,
    s3g: `http://${LOOPBACK}:${ports.s3gHttp}`,
    scmWeb: `http://${LOOPBACK}:${ports.scmHttp}`,
    omWeb: `http://${LOOPBACK}:${ports.omHttp}`,
    datanodeWeb: `http://${LOOPBACK}:${ports.dnHttp}`,
  };
}
