#!/usr/bin/env node
// A real Apache Ozone 2.2.0 cluster on one machine (SCM, OM, one or more datanodes, optionally
// Ozone's own Java S3 gateway) run from the published Maven Central jars, for tests and for
// trying the Ozone storage backend (issues 3 and 8). Plain Node, no dependencies; needs `java`
// (8+, 17 tested) and `mvn` on PATH. See docs/ozone-backend-notes.md §1 for where the facts
// below come from.
//
//   node scripts/ozone/cluster.mjs up [--dir DIR] [--datanodes N] [--s3g] [--timeout SEC] [--heap SIZE] [--c1] [--set KEY=VALUE]...
//   node scripts/ozone/cluster.mjs down [--dir DIR] [--purge]
//   node scripts/ozone/cluster.mjs status [--dir DIR]
//   node scripts/ozone/cluster.mjs datanode stop|start I [--dir DIR]
//   node scripts/ozone/cluster.mjs om stop|start [--dir DIR]
//   node scripts/ozone/cluster.mjs shell [--dir DIR] ARGS...     (Ozone's `ozone sh ARGS...`)
//
// `up` is idempotent and quiet: progress goes to stderr only when a step is slow; stdout gets
// the result, whose LAST line is the OM gRPC address `127.0.0.1:<port>` (with --s3g the line
// before it is `S3G http://127.0.0.1:<port>`). <DIR>/cluster.json has ports, pids and paths.
// The state directory (default `.ozone/` in the project root) holds everything: the Maven pom
// and cached classpaths, conf/, data/, logs/, tmp/. Jars stay in the local Maven repository
// (~/.m2; MAVEN_OPTS=-Dmaven.repo.local=... is honoured because `mvn` reads it).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConf } from './conf.mjs';
import { initOnce, javaBin, javaMajor, jvmArgs, startDaemon } from './jvm.mjs';
import { resolveClasspaths } from './maven.mjs';
import { MARKER_FILE, acquireLock, canConnect, ensureStateDir, isOurs, layout, rssMiB, saveState, stopProcess } from './state.mjs';
import { CLASSPATHS, LOOPBACK, SHELL, coreNames, daemonNames, datanodeName, datanodeNames, endpoints, kindOf, pickPorts, portsStillFree } from './topology.mjs';
import { ClusterError, OZONE_VERSION, UsageError, log, logTails, readJson, runToLog, seconds, sleep, slowStep } from './util.mjs';

const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(SCRIPT_DIR, '..', '..');
const PROBE_SOURCE = path.join(SCRIPT_DIR, 'WriteProbe.java');
const DEFAULTS = { timeoutSec: 180, heap: '512m', stopTimeoutMs: 30_000, datanodes: 1 };

// ---------------------------------------------------------------------------------------------
// Small helpers

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = { command, dir: path.join(PROJECT_ROOT, '.ozone'), s3g: false, purge: false,
    timeoutSec: DEFAULTS.timeoutSec, heap: DEFAULTS.heap, c1: false, set: [], datanodes: undefined, args: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      if (i + 1 >= rest.length) throw new UsageError(`${arg} needs a value`);
      return rest[++i];
    };
    if (arg === '--dir') opts.dir = path.resolve(value());
    // `shell`: everything after the options is Ozone's; `datanode`: stop|start and an index; `om`: stop|start
    else if (command === 'shell' && !arg.startsWith('--')) {
      opts.args = rest.slice(i);
      break;
    } else if ((command === 'datanode' || command === 'om') && !arg.startsWith('--')) opts.args.push(arg);
    else if (command === 'shell') throw new UsageError(`shell: only --dir comes before Ozone's arguments, got ${arg}`);
    else if (arg === '--datanodes') opts.datanodes = Number(value());
    else if (arg === '--s3g') opts.s3g = true;
    else if (arg === '--purge') opts.purge = true;
    else if (arg === '--timeout') opts.timeoutSec = Number(value());
    else if (arg === '--heap') opts.heap = value();
    else if (arg === '--c1') opts.c1 = true;
    else if (arg === '--set') {
      const kv = value();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`--set wants KEY=VALUE, got ${kv}`);
      opts.set.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    } else throw new UsageError(`unknown option ${arg}`);
  }
  if (!['up', 'down', 'status', 'datanode', 'om', 'shell'].includes(command)) throw new UsageError(`unknown command ${command ?? '(none)'}`);
  if (opts.datanodes !== undefined && !(Number.isInteger(opts.datanodes) && opts.datanodes >= 1 && opts.datanodes <= 9)) {
    throw new UsageError('--datanodes wants a number from 1 to 9');
  }
  if (command === 'datanode' && !(opts.args.length === 2 && ['stop', 'start'].includes(opts.args[0]) && /^[1-9]$/.test(opts.args[1]))) {
    throw new UsageError('datanode wants stop|start and the datanode\'s number (1 = the first)');
  }
  if (command === 'om' && !(opts.args.length === 1 && ['stop', 'start'].includes(opts.args[0]))) throw new UsageError('om wants stop or start');
  if (command === 'shell' && opts.args.length === 0) throw new UsageError('shell wants the arguments of `ozone sh` (e.g. key info /s3v/BUCKET/KEY)');
  if (!(opts.timeoutSec > 0)) throw new UsageError('--timeout wants a positive number of seconds');
  if (!/^\d+[kmg]$/i.test(opts.heap)) throw new UsageError('--heap wants a JVM size such as 512m');
  // a state dir reached through a symlink is the cluster at its target (daemons are found by that path)
  if (fs.existsSync(opts.dir)) opts.dir = fs.realpathSync(opts.dir);
  return opts;
}

// ---------------------------------------------------------------------------------------------
// (1) Classpaths from Maven Central: maven.mjs
// (2) Daemons, ports and endpoints: topology.mjs; configuration files: conf.mjs
// (3) The state dir, its lock and processes: state.mjs; JVMs: jvm.mjs

// ---------------------------------------------------------------------------------------------
// (4) Readiness

async function scmBean(ports, name) {
  const url = `http://${LOOPBACK}:${ports.scmHttp}/jmx?qry=${name}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  const bean = (await res.json()).beans?.[0];
  if (!bean) throw new Error(`no ${name} bean yet`);
  return bean;
}

async function scmInSafeMode(ports) {
  const bean = await scmBean(ports, 'Hadoop:service=StorageContainerManager,name=StorageContainerManagerInfo,component=ServerRuntime');
  if (typeof bean.InSafeMode !== 'boolean') throw new Error('no InSafeMode attribute yet');
  return bean.InSafeMode;
}

/** For messages only: what SCM knows about datanodes and pipelines. */
async function scmSummary(ports) {
  const nodes = await scmBean(ports, 'Hadoop:service=StorageContainerManager,name=SCMNodeMetrics').catch(() => ({}));
  const pipelines = await scmBean(ports, 'Hadoop:service=SCMPipelineManager,name=SCMPipelineManagerInfo').catch(() => ({}));
  const open = pipelines.PipelineInfo?.find?.((e) => e.key === 'OPEN')?.value;
  return `healthy datanodes ${nodes.InServiceHealthyNodes ?? '?'}, open pipelines ${open ?? '?'}`;
}

function assertAlive(L, state, names, children) {
  for (const name of names) {
    if (children[name]?.exitCode != null || !isOurs(L, name, state.pids[name])) {
      throw new ClusterError(`${name} exited during start-up`);
    }
  }
}

/**
 * Waits until the cluster accepts writes:
 *   a. SCM's /jmx says it left safe mode (it needs the datanode registered for that);
 *   b. the OM gRPC port accepts connections;
 *   c. WriteProbe.java (Ozone's own client, same jars) writes a STAND_ALONE/ONE key through OM
 *      gRPC + datanode gRPC, reads it back and deletes it — retrying until the deadline.
 * Any daemon exiting meanwhile fails at once.
 */
async function waitUntilWritable(L, state, classpaths, children, deadline) {
  let stage = 'SCM leaving safe mode';
  let detail = '';
  const done = slowStep('waiting for the cluster to accept writes');
  let ok = false;
  try {
    for (;;) {
      assertAlive(L, state, coreNames(state), children);
      try {
        if (!(await scmInSafeMode(state.ports))) break;
        detail = `SCM in safe mode; ${await scmSummary(state.ports)}`;
      } catch (e) {
        detail = `SCM /jmx: ${e.cause?.code ?? e.message}`;
      }
      if (Date.now() > deadline) throw new ClusterError(`timed out waiting for ${stage} (${detail})`);
      await sleep(500);
    }
    stage = 'the OM gRPC port';
    while (!(await canConnect(state.ports.omGrpc))) {
      assertAlive(L, state, coreNames(state), children);
      if (Date.now() > deadline) throw new ClusterError(`timed out waiting for ${stage} ${state.ports.omGrpc}`);
      await sleep(500);
    }
    stage = 'a test write';
    const probeLog = path.join(L.logs, 'probe.out');
    // The probe retries until the deadline itself; the kill timer is a backstop (JVM start, a hung call).
    const remainingSec = Math.max(1, Math.floor((deadline - Date.now()) / 1000));
    const args = [...jvmArgs(L, state, 'probe', classpaths.probe, '256m', true), PROBE_SOURCE, String(remainingSec), 'ozone-cluster-probe'];
    const from = fs.existsSync(probeLog) ? fs.statSync(probeLog).size : 0;
    const code = await runToLog(javaBin(), args, { cwd: L.dir, logFile: probeLog, timeoutMs: (remainingSec + 10) * 1000 });
    const out = fs.readFileSync(probeLog, 'utf8').slice(from).trim().split('\n');
    const last = out[out.length - 1];
    if (code !== 0 || !last.startsWith('OK ')) {
      assertAlive(L, state, coreNames(state), children);
      throw new ClusterError(`${stage} failed (probe exit ${code}): ${last}`);
    }
    state.probe = last.slice(3);
    ok = true;
  } finally {
    done(ok);
  }
}

/** Ozone's own S3 gateway answers: a HEAD on a bucket reaches the OM (404 or 200 = it works). */
async function s3gAnswers(ports) {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  // Security is off, so the gateway reads the access key id from the header but checks no signature.
  const res = await fetch(`http://${LOOPBACK}:${ports.s3gHttp}/ozone-cluster-s3g-probe`, {
    method: 'HEAD',
    signal: AbortSignal.timeout(5000),
    headers: {
      'x-amz-date': now,
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      authorization: `AWS4-HMAC-SHA256 Credential=ozone-cluster/${now.slice(0, 8)}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'0'.repeat(64)}`,
    },
  });
  return res.status;
}

async function waitForS3g(L, state, children, deadline) {
  const done = slowStep('waiting for the S3 gateway');
  let detail = '';
  let ok = false;
  try {
    for (;;) {
      assertAlive(L, state, daemonNames(state), children);
      try {
        const status = await s3gAnswers(state.ports);
        if (status === 200 || status === 404) {
          ok = true;
          return;
        }
        detail = `HEAD answered ${status}`;
      } catch (e) {
        detail = e.cause?.code ?? e.message;
      }
      if (Date.now() > deadline) throw new ClusterError(`timed out waiting for the S3 gateway on ${state.ports.s3gHttp} (${detail})`);
      await sleep(500);
    }
  } finally {
    done(ok);
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

async function up(opts) {
  const L = layout(opts.dir);
  ensureStateDir(L);
  const started = Date.now();
  const deadline = started + opts.timeoutSec * 1000;
  const release = await acquireLock(L, deadline);

  let state = readJson(L.clusterJson);
  const alive = (name) => state && isOurs(L, name, state.pids?.[name]);
  if (state && opts.datanodes !== undefined && opts.datanodes !== (state.datanodes ?? 1)) {
    release();
    throw new ClusterError(`the cluster in ${L.dir} has ${state.datanodes ?? 1} datanode(s), not ${opts.datanodes}; \`down --purge\` first to make a new one (or use another --dir)`);
  }
  const core = state ? coreNames(state) : [];
  const wanted = opts.s3g ? [...core, 's3g'] : core;
  const sameSettings = !state || JSON.stringify(state.settings) === JSON.stringify(opts.set) || opts.set.length === 0;

  if (state && core.every(alive) && state.readyAt && wanted.every(alive)) {
    if (!sameSettings) log('the cluster is already running; --set is ignored until it is restarted (down, then up)');
    printResult(state, wanted.includes('s3g') || alive('s3g'));
    release();
    return;
  }

  const classpaths = await resolveClasspaths(L, CLASSPATHS);
  // A port is picked free here and bound by its daemon seconds to a minute later, and another
  // cluster picking meanwhile finds it free too: two clusters starting at once (the fault and EC
  // test clusters) picked the same one (a datanode then failed with "Address already in use").
  // So one cluster starts at a time on this machine; an `up` of another --dir waits.
  const releaseStart = await acquireLock(STARTING, deadline);
  try {
    await startCluster(L, opts, state, classpaths, started, deadline);
  } finally {
    releaseStart();
  }
  release();
}

/** The lock of `up` across state dirs: held from picking the ports until the daemons listen. */
const STARTING = { dir: 'a cluster start on this machine', lock: path.join(os.tmpdir(), 'ozone-cluster-starting.lock') };

async function startCluster(L, opts, state, classpaths, started, deadline) {
  const alive = (name) => state && isOurs(L, name, state.pids?.[name]);
  const anyAlive = state && daemonNames(state).some(alive);
  if (!state) {
    const datanodes = opts.datanodes ?? DEFAULTS.datanodes;
    state = {
      ozoneVersion: OZONE_VERSION,
      dir: L.dir,
      createdAt: new Date().toISOString(),
      datanodes,
      ports: await pickPorts(datanodes),
      settings: opts.set,
      pids: {},
    };
  } else if (!anyAlive) {
    const taken = await portsStillFree(state.ports, state.datanodes ?? 1);
    if (taken.length) {
      throw new ClusterError(`ports of this cluster are now taken by other processes (${taken.join(', ')}); \`down --purge\` and \`up\` again to pick new ones`);
    }
  }
  if (!anyAlive && opts.set.length) state.settings = opts.set;
  state.heap = opts.heap;
  state.c1 = opts.c1;
  state.javaMajor = await javaMajor(L);
  state.endpoints = endpoints(state.ports);
  state.paths = {
    ozoneSite: path.join(L.conf, 'ozone-site.xml'),
    conf: L.conf,
    data: L.data,
    logs: L.logs,
    classpaths: Object.fromEntries(Object.keys(CLASSPATHS).map((m) => [m, path.join(L.maven, m, 'classpath.txt')])),
  };
  state.pids ??= {};
  delete state.readyAt;
  if (!anyAlive) writeConf(L, state);
  saveState(L, state);

  const children = {};
  const startIfDown = (name) => {
    if (!alive(name)) children[name] = startDaemon(L, state, name, classpaths[kindOf(name)]);
  };
  try {
    const coreDown = coreNames(state).some((n) => !alive(n));
    if (coreDown) {
      // SCM first; the datanodes can register while OM initialises (OM --init needs SCM up).
      await initOnce(L, state, 'scm', classpaths.scm, deadline);
      startIfDown('scm');
      for (const dn of datanodeNames(state)) startIfDown(dn);
      const waitScm = slowStep('waiting for SCM');
      while (!(await canConnect(state.ports.scmClient))) {
        assertAlive(L, state, ['scm'], children);
        if (Date.now() > deadline) throw new ClusterError('timed out waiting for the SCM client port');
        await sleep(300);
      }
      waitScm();
      await initOnce(L, state, 'om', classpaths.om, deadline);
      startIfDown('om');
    }
    if (coreDown || !state.probe) await waitUntilWritable(L, state, classpaths, children, deadline);
    state.readyAt = new Date().toISOString();
    state.upSeconds = Number(((Date.now() - started) / 1000).toFixed(1));
    saveState(L, state);
    if (opts.s3g && !alive('s3g')) {
      startIfDown('s3g');
      await waitForS3g(L, state, children, Math.max(deadline, Date.now() + 60_000));
      state.upSeconds = Number(((Date.now() - started) / 1000).toFixed(1));
      saveState(L, state);
    }
  } catch (e) {
    if (!(e instanceof ClusterError)) throw e;
    const names = daemonNames(state).filter((n) => state.pids[n]);
    const message = `${e.message}\n${logTails(L, [...names, 'probe'], started)}`;
    // Leave nothing half-started behind; the logs stay in the state dir.
    await stopAll(L, state);
    throw new ClusterError(`${message}\nozone-cluster: stopped the cluster again; logs are in ${L.logs}`);
  }
  printResult(state, opts.s3g || alive('s3g'));
}

function printResult(state, withS3g) {
  const lines = [];
  if (withS3g) lines.push(`S3G ${state.endpoints.s3g}`);
  lines.push(state.endpoints.omGrpc);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Stops every daemon: SCM last, the others side by side before it (one after the other, the six
 * JVMs of a 3-datanode cluster with the S3 gateway took ~19 s to stop, mostly each one's shutdown
 * waiting on its own threads).
 */
async function stopAll(L, state) {
  const results = {};
  const stop = async (name) => {
    const pid = state.pids?.[name];
    if (!pid) return;
    results[name] = await stopProcess(L, name, pid, DEFAULTS.stopTimeoutMs);
    delete state.pids[name];
  };
  await Promise.all(daemonNames(state).filter((n) => n !== 'scm').map(stop));
  await stop('scm');
  delete state.readyAt;
  delete state.probe;
  if (fs.existsSync(L.dir)) saveState(L, state);
  return results;
}

async function down(opts) {
  const L = layout(opts.dir);
  if (!fs.existsSync(L.dir)) return;
  if (!fs.existsSync(L.marker)) throw new ClusterError(`${L.dir} is not an ozone-cluster state dir (no ${MARKER_FILE}); not touching it`);
  const release = await acquireLock(L);
  const state = readJson(L.clusterJson);
  if (state) {
    const results = await stopAll(L, state);
    for (const [name, result] of Object.entries(results)) {
      if (result.startsWith('killed')) log(`${name} ${result}`);
    }
  }
  release();
  if (opts.purge) fs.rmSync(L.dir, { recursive: true, force: true });
}

async function status(opts) {
  const L = layout(opts.dir);
  const state = fs.existsSync(L.marker) ? readJson(L.clusterJson) : undefined;
  if (!state) {
    process.stdout.write(`down (no cluster in ${L.dir})\n`);
    return 3;
  }
  const lines = [];
  let coreUp = true;
  for (const name of daemonNames(state)) {
    const pid = state.pids?.[name];
    const running = isOurs(L, name, pid);
    if (name !== 's3g' && !running) coreUp = false;
    if (running) lines.push(`  ${name.padEnd(4)} pid ${pid}, RSS ${rssMiB(pid) ?? '?'} MiB`);
    else lines.push(`  ${name.padEnd(4)} not running`);
  }
  let safeMode = '';
  if (coreUp) {
    safeMode = await scmInSafeMode(state.ports).then((s) => (s ? ', SCM in safe mode' : ''), () => ', SCM /jmx not answering');
  }
  const up = coreUp && state.readyAt && !safeMode;
  const anyRunning = daemonNames(state).some((n) => isOurs(L, n, state.pids?.[n]));
  const head = up ? 'up' : coreUp ? `starting or unhealthy${safeMode}` : anyRunning ? 'partly running (`up` starts what is missing)' : 'down';
  process.stdout.write(`${head} (${L.dir})\n${lines.join('\n')}\n`);
  if (up) {
    const e = state.endpoints;
    process.stdout.write(`  OM gRPC ${e.omGrpc}, datanode gRPC ${e.datanodeGrpc}, SCM web ${e.scmWeb}${isOurs(L, 's3g', state.pids.s3g) ? `, S3G ${e.s3g}` : ''}\n`);
  }
  return up ? 0 : 3;
}

/** Stops or starts one datanode of a running cluster (to see what writes do when one goes away). */
async function datanode(opts) {
  const [action, index] = opts.args;
  const name = datanodeName(Number(index));
  await stopOrStart(opts, action, name, `datanode ${index} (${name})`, (state) => {
    if (!datanodeNames(state).includes(name)) throw new ClusterError(`the cluster in ${opts.dir} has ${state.datanodes ?? 1} datanode(s); there is no datanode ${index}`);
  });
}

/**
 * Stops or starts the OM of a running cluster (to see what clients do while the OM is away).
 * `start` returns once the OM gRPC port accepts connections again (the OM serves requests a
 * moment later, once its Ratis server leads).
 */
async function om(opts) {
  const [action] = opts.args;
  await stopOrStart(opts, action, 'om', 'OM', () => {});
  if (action !== 'start') return;
  const state = readJson(layout(opts.dir).clusterJson);
  for (const deadline = Date.now() + opts.timeoutSec * 1000; !(await canConnect(state.ports.omGrpc));) {
    if (Date.now() > deadline) throw new ClusterError(`the OM gRPC port ${state.ports.omGrpc} does not accept connections after ${opts.timeoutSec} s; see logs/om.log`);
    await sleep(300);
  }
}

/** `datanode`/`om`: SIGTERM one daemon of a running cluster, or start it again with its classpath. */
async function stopOrStart(opts, action, name, label, check) {
  const L = layout(opts.dir);
  if (!fs.existsSync(L.marker)) throw new ClusterError(`no cluster in ${L.dir}`);
  const release = await acquireLock(L);
  try {
    // read under the lock: two of these at once (two datanodes started together) must not lose
    // each other's pid, or `up` starts a second JVM on the same directories and `down` misses one
    const state = readJson(L.clusterJson);
    if (!state) throw new ClusterError(`no cluster in ${L.dir}`);
    check(state);
    if (action === 'stop') {
      log(`${label}: ${await stopProcess(L, name, state.pids[name], DEFAULTS.stopTimeoutMs)}`);
      delete state.pids[name];
    } else if (isOurs(L, name, state.pids[name])) {
      log(`${label} is already running (pid ${state.pids[name]})`);
    } else {
      const classpaths = await resolveClasspaths(L, CLASSPATHS);
      startDaemon(L, state, name, classpaths[kindOf(name)]);
      log(`${label} started (pid ${state.pids[name]})${kindOf(name) === 'dn' ? '; it registers with SCM within seconds' : ''}`);
    }
    saveState(L, state);
  } finally {
    release();
  }
}

/** Ozone's own `ozone sh` against the cluster (e.g. `key info /s3v/BUCKET/KEY` shows a key's replication). */
async function shell(opts) {
  const L = layout(opts.dir);
  const state = fs.existsSync(L.marker) ? readJson(L.clusterJson) : undefined;
  if (!state) throw new ClusterError(`no cluster in ${L.dir}`);
  const { shell: classpath } = await resolveClasspaths(L, { shell: SHELL.artifact }, path.join(L.maven, 'shell'));
  // the shell's own log goes to logs/shell.log (the daemons' log4j config); its answers to stdout
  const args = [...jvmArgs(L, state, 'shell', classpath, '256m', true), SHELL.mainClass, ...opts.args];
  const child = spawn(javaBin(), args, { cwd: L.dir, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const USAGE = `usage: node scripts/ozone/cluster.mjs <command> [options]
  up       [--dir DIR] [--datanodes N (1)] [--s3g] [--timeout SEC (180)] [--heap SIZE (512m)] [--c1] [--set KEY=VALUE]...
           start (or find running) an Ozone ${OZONE_VERSION} cluster; last stdout line: OM gRPC host:port.
           N is fixed when DIR is first made; with N >= 3 the defaults are Ozone's (RATIS/THREE),
           with fewer STAND_ALONE/ONE; --c1: the daemons JIT with C1 only (not for benchmarks)
  down     [--dir DIR] [--purge]   stop it (SIGTERM, SIGKILL after 30 s); --purge deletes DIR
  status   [--dir DIR]             exit 0 when up, 3 otherwise
  datanode stop|start I [--dir DIR]   stop or start datanode I (1 = the first)
  om       stop|start [--dir DIR]  stop or start the OM (start waits for its gRPC port; --timeout)
  shell    [--dir DIR] ARGS...     run Ozone's \`ozone sh ARGS...\` against the cluster
DIR defaults to ${path.join(PROJECT_ROOT, '.ozone')}`;

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  try {
    if (opts.command === 'up') await up(opts);
    else if (opts.command === 'down') await down(opts);
    else if (opts.command === 'datanode') await datanode(opts);
    else if (opts.command === 'om') await om(opts);
    else if (opts.command === 'shell') return await shell(opts);
    else return await status(opts);
    return 0;
  } catch (e) {
    if (!(e instanceof ClusterError)) throw e;
    log(e.message);
    return 1;
  }
}

// `status | head -1` and the like: a closed stdout is not an error.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});
process.exitCode = await main();
