// Configuration files of a cluster.mjs cluster: conf/ozone-site.xml (and a copy per datanode
// after the first, with its own ports and directories) and the daemons' log4j settings. See
// cluster.mjs's header and docs/ozone-backend-notes.md §1 for where the settings come from.

import fs from 'node:fs';
import path from 'node:path';
import { LOOPBACK, datanodeNames, kindOf } from './topology.mjs';
import { OZONE_VERSION, writeFileAtomic } from './util.mjs';

/**
 * A datanode's own settings: its ports and directories. The first datanode's are in the shared
 * conf/ozone-site.xml (where a one-datanode cluster always had them); datanode `dn2` and later
 * get a conf/<name>/ozone-site.xml of their own (confDirOf), with their metadata dir too.
 */
function datanodeProps(L, ports, name) {
  const at = (port) => `${LOOPBACK}:${port}`;
  const d = (sub) => path.join(L.data, sub);
  const p = (suffix) => ports[`${name}${suffix}`];
  return [
    [`# Datanode ${name}: its ports and directories`],
    ['hdds.container.ipc.port', p('Standalone'), 'datanode gRPC (STAND_ALONE data path); binds the wildcard address'],
    ['hdds.container.ratis.ipc.port', p('RatisIpc'), 'what Ratis clients (RATIS keys) connect to'],
    ['hdds.container.ratis.admin.port', p('RatisAdmin')],
    ['hdds.container.ratis.server.port', p('RatisServer'), 'datanode-to-datanode Raft traffic'],
    ['hdds.container.ratis.datastream.port', p('RatisDatastream')],
    ['hdds.datanode.replication.port', p('Replication')],
    ['hdds.datanode.http-address', at(p('Http'))],
    ['hdds.datanode.http-bind-host', LOOPBACK],
    ['hdds.datanode.https-address', at(p('Https'))],
    ['hdds.datanode.https-bind-host', LOOPBACK],
    ['hdds.datanode.client.address', at(p('Client'))],
    ['hdds.datanode.client.bind.host', LOOPBACK],
    ['hdds.datanode.client.port', p('Client')],
    ['hdds.datanode.dir', d(name), 'mandatory in 2.2.0'],
    ['hdds.container.ratis.datanode.storage.dir', d(`${name}-ratis`)],
    ['ozone.scm.datanode.id.dir', d(`${name}-id`), 'datanode.id: who this datanode is to SCM'],
    ...(name === 'dn' ? [] : [['ozone.metadata.dirs', d(`${name}-meta`)]]),
  ];
}

/**
 * Replication defaults: with three datanodes or more, Ozone's own (RATIS/THREE); with fewer, the
 * STAND_ALONE/ONE the single-node test cluster has always had. `--set` overrides either.
 */
function replicationProps(datanodes) {
  if (datanodes >= 3) {
    return [
      ['ozone.replication', 'THREE', 'Ozone\'s default, stated: client default (Java s3g PUT without storage class, ozone sh)'],
      ['ozone.replication.type', 'RATIS'],
      ['ozone.server.default.replication', 'THREE', 'OM fallback when neither key nor bucket says'],
      ['ozone.server.default.replication.type', 'RATIS'],
    ];
  }
  return [
    ['ozone.replication', 'ONE', 'client default (Java s3g PUT without storage class, ozone sh)'],
    ['ozone.replication.type', 'STAND_ALONE', 'the pure-gRPC data path the TypeScript backend uses'],
    ['ozone.server.default.replication', 'ONE', 'OM fallback when neither key nor bucket says'],
    ['ozone.server.default.replication.type', 'STAND_ALONE'],
  ];
}

/** conf/ozone-site.xml, or with `datanode` set, that datanode's own copy (its ports and dirs instead of the first's). */
function ozoneSite(L, ports, extra, datanodes, datanode = 'dn') {
  const at = (port) => `${LOOPBACK}:${port}`;
  const d = (sub) => path.join(L.data, sub);
  /** [key, value, why] */
  const props = [
    ['# Addresses: everything on loopback, on ports picked free by cluster.mjs'],
    ['ozone.scm.names', at(ports.scmDatanode), 'the datanode finds SCM here; the port must be given unless it is 9861'],
    ['ozone.scm.client.address', at(ports.scmClient)],
    ['ozone.scm.client.bind.host', LOOPBACK],
    ['ozone.scm.client.port', ports.scmClient],
    ['ozone.scm.block.client.address', at(ports.scmBlock)],
    ['ozone.scm.block.client.bind.host', LOOPBACK],
    ['ozone.scm.block.client.port', ports.scmBlock],
    ['ozone.scm.datanode.address', at(ports.scmDatanode)],
    ['ozone.scm.datanode.bind.host', LOOPBACK],
    ['ozone.scm.datanode.port', ports.scmDatanode],
    ['ozone.scm.security.service.address', at(ports.scmSecurity)],
    ['ozone.scm.security.service.bind.host', LOOPBACK],
    ['ozone.scm.security.service.port', ports.scmSecurity],
    ['ozone.scm.http-address', at(ports.scmHttp)],
    ['ozone.scm.http-bind-host', LOOPBACK],
    ['ozone.scm.https-address', at(ports.scmHttps)],
    ['ozone.scm.https-bind-host', LOOPBACK],
    ['ozone.scm.ratis.port', ports.scmRatis, 'no bind-host key'],
    ['ozone.scm.grpc.port', ports.scmGrpc, 'no bind-host key'],
    ['ozone.om.address', at(ports.omRpc), 'Hadoop RPC; OM --init and Hadoop-RPC clients use it'],
    ['ozone.om.http-address', at(ports.omHttp)],
    ['ozone.om.http-bind-host', LOOPBACK],
    ['ozone.om.https-address', at(ports.omHttps)],
    ['ozone.om.https-bind-host', LOOPBACK],
    ['ozone.om.ratis.port', ports.omRatis, 'the OM always runs Ratis, even alone'],
    ['ozone.om.grpc.port', ports.omGrpc, 'OM gRPC: what the TypeScript backend talks to; binds the wildcard address'],
    ['ozone.s3g.http-address', at(ports.s3gHttp)],
    ['ozone.s3g.http-bind-host', LOOPBACK],
    ['ozone.s3g.https-address', at(ports.s3gHttps)],
    ['ozone.s3g.https-bind-host', LOOPBACK],
    ['ozone.s3g.webadmin.http-address', at(ports.s3gAdminHttp)],
    ['ozone.s3g.webadmin.http-bind-host', LOOPBACK],
    ['ozone.s3g.webadmin.https-address', at(ports.s3gAdminHttps)],
    ['ozone.s3g.webadmin.https-bind-host', LOOPBACK],

    ['# Directories: one per component, so none adopts another one\'s Ratis dir'],
    ['ozone.metadata.dirs', d('meta')],
    ['ozone.scm.db.dirs', d('scm')],
    ['ozone.scm.ha.ratis.storage.dir', d('scm-ratis')],
    ['ozone.om.db.dirs', d('om')],
    ['ozone.om.ratis.storage.dir', d('om-ratis')],

    ...datanodeProps(L, ports, datanode),

    [`# ${datanodes === 1 ? 'One node' : `${datanodes} datanodes on one machine`}`],
    ['hdds.scm.safemode.min.datanode', datanodes, 'every datanode registered (the default 3 would keep a one-node SCM in safe mode forever)'],
    ['hdds.scm.safemode.pipeline.creation', false],
    ['hdds.scm.wait.time.after.safemode.exit', '1s', 'default 5m delays background pipeline creation'],
    ['hdds.heartbeat.interval', '1s', 'default 30s; speeds up registration and safe-mode exit'],
    ...replicationProps(datanodes),
    // A lone Ratis server still waits one election timeout (5 s) before it leads; SCM --init, SCM
    // and OM each paid that on every start.
    ['ozone.scm.ha.raft.server.rpc.first-election.timeout', '1s', 'SCM: default falls back to 5s'],
    ['ozone.om.ratis.minimum.timeout', '1s', 'OM: default 5s; also its first-election wait'],
    ['hdds.raft.server.rpc.first-election.timeout', '1s', 'datanode Ratis pipelines (RATIS/ONE keys)'],
    ['ozone.scm.container.size', '1GB', 'default 5GB'],
    // Hadoop RPC handler threads: 100 per server by default (SCM alone ran ~400 threads).
    ['ozone.scm.handler.count.key', 10],
    ['ozone.scm.client.handler.count.key', 10],
    ['ozone.scm.block.handler.count.key', 10],
    ['ozone.scm.datanode.handler.count.key', 10],
    ['ozone.om.handler.count.key', 10, 'Hadoop RPC only; OM gRPC has its own pool (ozone.om.grpc.read.thread.num)'],
    // SCM's container-report threads each poll their queue every millisecond, busy or not
    // (2.2.0: FixedThreadPoolWithAffinityExecutor.ContainerReportProcessTask; the count is read by
    // ScmUtils.initContainerReportQueue under this key, not the ContainerReport.thread.pool.size
    // that ozone-default.xml documents), each wake costing ~40 us here: an idle SCM took ~15% of a
    // core with the default 10 threads, 8% with 2, ~5% with 1.
    ['ozone.scm.event.ContainerReportOrIncrementalContainerReport.thread.pool.size', 1, 'default 10; one keeps up with the reports of a few datanodes'],
    ['hdds.datanode.volume.min.free.space', '100MB'],
    // Leave the datanode's write-time checksum check off (its default). Turned on, a WriteChunk
    // of 64 KiB or more from the Java client (a Java s3g PutObject) sends the 2.2.0 datanode into
    // an endless allocation of checksum ByteStrings until OutOfMemoryError (seen with 512m and 1g
    // heaps; 16 KiB writes pass). Wrong checksums still show up on read: Java readers verify.
    ['hdds.datanode.chunk.data.validation.check', false, 'true makes the 2.2.0 datanode run out of heap on writes of 64 KiB or more'],

    ['# Security off; plaintext gRPC'],
    ['ozone.security.enabled', false],
    ['ozone.acl.enabled', false],
    ['hdds.block.token.enabled', false],
    ['hdds.grpc.tls.enabled', false],
    ['ozone.http.policy', 'HTTP_ONLY'],
    ['ozone.om.s3.grpc.server_enabled', true, 'the default; stated because the TypeScript backend needs it'],
    ['ozone.om.transport.class', 'org.apache.hadoop.ozone.om.protocolPB.GrpcOmTransportFactory',
      'Java clients of this cluster (the s3g, the readiness probe) reach the OM over gRPC like the TypeScript backend'],
  ];
  if (extra.length) props.push(['# From --set']);
  for (const [k, v] of extra) props.push([k, v]);

  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // XML comments must not contain "--".
  const comment = (s) => esc(s).replace(/--/g, '- -');
  const body = props.map(([key, value, why]) => {
    if (value === undefined) return `\n  <!-- ${comment(key.slice(2))} -->`;
    const note = why ? ` <!-- ${comment(why)} -->` : '';
    return `  <property><name>${esc(key)}</name><value>${esc(value)}</value></property>${note}`;
  }).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/ozone/cluster.mjs for an Ozone ${OZONE_VERSION} cluster in
     ${comment(L.dir)}${datanode === 'dn' ? '' : `, for its datanode ${datanode}`}. Rewritten on every start from a stopped state: to change a setting
     for good, give it to \`cluster.mjs up\` as a set option (KEY=VALUE). -->
<configuration>
${body}
</configuration>
`;
}

// reload4j (log4j 1) for the daemons' own logs; ${ozone.log.dir}/${ozone.log.file} are system
// properties set per JVM. Without a config file the daemons log nothing at all.
const LOG4J = `# Written by scripts/ozone/cluster.mjs
log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.RollingFileAppender
log4j.appender.FILE.File=\${ozone.log.dir}/\${ozone.log.file}
log4j.appender.FILE.MaxFileSize=20MB
log4j.appender.FILE.MaxBackupIndex=2
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p %c{1}: %m%n
# Hadoop's native-library and metrics chatter
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.org.apache.hadoop.metrics2=WARN
# Jetty request logs of the web UIs (every /jmx poll)
log4j.logger.http.requests=WARN
`;

// log4j2, used only by Ozone's audit loggers (OMAudit, SCMAudit, DNAudit, S3GAudit).
const LOG4J2_AUDIT = `# Written by scripts/ozone/cluster.mjs
status = error
appender.audit.type = RollingFile
appender.audit.name = AUDIT
appender.audit.fileName = \${sys:ozone.log.dir}/\${sys:ozone.daemon}-audit.log
appender.audit.filePattern = \${sys:ozone.log.dir}/\${sys:ozone.daemon}-audit.log.%i
appender.audit.layout.type = PatternLayout
appender.audit.layout.pattern = %d{DEFAULT} | %-5level | %c{1} | %msg%n
appender.audit.policies.type = Policies
appender.audit.policies.size.type = SizeBasedTriggeringPolicy
appender.audit.policies.size.size = 20MB
appender.audit.strategy.type = DefaultRolloverStrategy
appender.audit.strategy.max = 2
rootLogger.level = info
rootLogger.appenderRef.audit.ref = AUDIT
`;

/** Where a daemon's ozone-site.xml is (first on its classpath): conf/, or conf/<name>/ for datanodes after the first. */
export function confDirOf(L, name) {
  return kindOf(name) === 'dn' && name !== 'dn' ? path.join(L.conf, name) : L.conf;
}

export function writeConf(L, state) {
  const datanodes = state.datanodes ?? 1;
  writeFileAtomic(path.join(L.conf, 'ozone-site.xml'), ozoneSite(L, state.ports, state.settings, datanodes));
  for (const name of datanodeNames(state).slice(1)) {
    fs.mkdirSync(confDirOf(L, name), { recursive: true });
    writeFileAtomic(path.join(confDirOf(L, name), 'ozone-site.xml'), ozoneSite(L, state.ports, state.settings, datanodes, name));
  }
  writeFileAtomic(path.join(L.conf, 'log4j.properties'), LOG4J);
  writeFileAtomic(path.join(L.conf, 'log4j2.properties'), LOG4J2_AUDIT);
}
