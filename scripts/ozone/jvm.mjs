// The JVMs of a local Ozone cluster (cluster.mjs): the options Ozone's own launcher would use
// (docs/ozone-backend-notes.md §1.3) plus ours, detached daemons and the one-off `--init` runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { confDirOf } from './conf.mjs';
import { saveState } from './state.mjs';
import { DAEMONS, kindOf } from './topology.mjs';
import { ClusterError, log, logTails, runToLog, sleep, slowStep } from './util.mjs';

export function javaBin() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

export async function javaMajor(L) {
  const out = path.join(L.logs, 'java-version.out');
  fs.rmSync(out, { force: true });
  const code = await runToLog(javaBin(), ['-version'], { cwd: L.dir, logFile: out });
  if (code !== 0) throw new ClusterError(`\`${javaBin()} -version\` failed`);
  const m = /version "(\d+)(?:\.(\d+))?/.exec(fs.readFileSync(out, 'utf8'));
  if (!m) throw new ClusterError(`cannot read the Java version from ${out}`);
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

/** The JVM options Ozone's own launcher would use (notes §1.3), plus ours. */
export function jvmArgs(L, state, name, classpath, heap, shortLived = false) {
  const args = [
    `-Xmx${heap}`,
    // The default initial heap is 1/64 of the machine's RAM (~380 MB here), committed and soon
    // touched by every JVM although each daemon uses ~50-100 MB; start small and grow instead.
    '-Xms64m',
    // start faster; C2 never pays off in a short-lived JVM, nor in a cluster that lives a few
    // minutes of tests (`up --c1`)
    ...(shortLived || state.c1 ? ['-XX:TieredStopAtLevel=1'] : []),
    '-XX:+UseSerialGC', // one small heap per daemon on a shared machine; fewer GC threads
    '-XX:+ExitOnOutOfMemoryError',
    `-XX:ErrorFile=${path.join(L.logs, `hs_err_${name}_%p.log`)}`,
    `-Djava.io.tmpdir=${L.tmp}`, // RocksDB unpacks its native library here
    '-Djava.net.preferIPv4Stack=true',
    '-Dorg.apache.ratis.thirdparty.io.netty.allocator.useCacheForAllThreads=false',
  ];
  if (state.javaMajor >= 9) {
    args.push('--add-opens', 'java.base/java.nio=ALL-UNNAMED', '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
      '--add-opens', 'java.base/java.lang.reflect=ALL-UNNAMED');
  }
  if (state.javaMajor >= 17) {
    args.push('--add-opens', 'java.management/com.sun.jmx.mbeanserver=ALL-UNNAMED',
      '--add-exports', 'java.management/com.sun.jmx.mbeanserver=ALL-UNNAMED');
  }
  args.push(
    `-Dlog4j.configuration=file:${path.join(L.conf, 'log4j.properties')}`,
    `-Dlog4j.configurationFile=${path.join(L.conf, 'log4j2.properties')}`,
    `-Dozone.log.dir=${L.logs}`,
    `-Dozone.log.file=${name}.log`,
    // These two identify our processes (see isOurs, state.mjs).
    `-Dozone.cluster.dir=${L.dir}`,
    `-Dozone.daemon=${name}`,
    // conf/ first: OzoneConfiguration loads ozone-site.xml from the classpath.
    '-cp', [confDirOf(L, name), ...classpath].join(path.delimiter),
  );
  return args;
}

/** Starts a daemon detached (own process group, survives this script), output to logs/<name>.out. */
export function startDaemon(L, state, name, classpath) {
  const args = [...jvmArgs(L, state, name, classpath, state.heap), DAEMONS[kindOf(name)].mainClass];
  const fd = fs.openSync(path.join(L.logs, `${name}.out`), 'a');
  fs.writeSync(fd, `\n=== ${new Date().toISOString()} starting ${name}\n`);
  const child = spawn(javaBin(), args, { cwd: L.dir, detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  child.on('error', (e) => log(`${name}: ${e.message}`));
  child.unref();
  state.pids[name] = child.pid;
  saveState(L, state); // recorded at once, so `down` finds it even if this script dies now
  return child;
}

/** `--init` of SCM or OM: runs once per state dir, then exits. */
export async function initOnce(L, state, name, classpath, deadline) {
  const marker = path.join(L.data, `.${name}-initialized`);
  if (fs.existsSync(marker)) return;
  const done = slowStep(`initialising ${name.toUpperCase()}`);
  const logFile = path.join(L.logs, `${name}-init.out`);
  // A slow-starting JVM does not need a big heap for this.
  const args = [...jvmArgs(L, state, `${name}-init`, classpath, '256m', true), DAEMONS[name].mainClass, '--init'];
  for (;;) {
    const code = await runToLog(javaBin(), args, { cwd: L.dir, logFile, timeoutMs: Math.max(1000, deadline - Date.now()) });
    if (code === 0) break;
    // OM --init asks SCM for its cluster id; SCM may still be starting.
    if (name !== 'om' || Date.now() + 2000 > deadline) {
      throw new ClusterError(`${name.toUpperCase()} --init failed (exit ${code}):\n${logTails(L, [`${name}-init`], 0, 40)}`);
    }
    await sleep(2000);
  }
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  done();
}
