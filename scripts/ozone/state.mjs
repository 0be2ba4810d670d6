// The state directory of a local Ozone cluster (cluster.mjs): its layout, its lock and
// cluster.json, and the processes recorded there.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LOOPBACK } from './topology.mjs';
import { ClusterError, seconds, sleep, writeFileAtomic } from './util.mjs';

export const MARKER_FILE = 'OZONE-CLUSTER-STATE';

export function layout(dir) {
  return {
    dir,
    marker: path.join(dir, MARKER_FILE),
    clusterJson: path.join(dir, 'cluster.json'),
    lock: path.join(dir, 'lock'),
    maven: path.join(dir, 'maven'),
    conf: path.join(dir, 'conf'),
    data: path.join(dir, 'data'),
    logs: path.join(dir, 'logs'),
    tmp: path.join(dir, 'tmp'),
  };
}

// ---------------------------------------------------------------------------------------------
// Processes. A pid counts as ours only if its command line carries this state dir and the
// daemon name, so a recycled pid is never signalled.

export function procCmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

export function isZombie(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

export function isOurs(L, name, pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (isZombie(pid)) return false;
  const args = procCmdline(pid);
  // Without /proc (not Linux) trust the recorded pid: it was ours when it was written.
  if (!args) return true;
  return args.includes(`-Dozone.cluster.dir=${L.dir}`) && args.includes(`-Dozone.daemon=${name}`);
}

export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export async function stopProcess(L, name, pid, timeoutMs) {
  if (!isOurs(L, name, pid)) return 'not running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(200);
    if (!isOurs(L, name, pid)) return 'stopped';
  }
  process.kill(pid, 'SIGKILL');
  while (isOurs(L, name, pid)) await sleep(100);
  return `killed after ${seconds(timeoutMs)}`;
}

export function canConnect(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// State dir, lock, cluster.json

export function ensureStateDir(L) {
  if (fs.existsSync(L.dir) && !fs.existsSync(L.marker) && fs.readdirSync(L.dir).length > 0) {
    throw new ClusterError(`${L.dir} exists, is not empty and is not an ozone-cluster state dir (no ${MARKER_FILE}); pick another --dir`);
  }
  for (const d of [L.dir, L.maven, L.conf, L.data, L.logs, L.tmp]) fs.mkdirSync(d, { recursive: true });
  if (!fs.existsSync(L.marker)) {
    fs.writeFileSync(L.marker, 'State of a local Apache Ozone cluster run by scripts/ozone/cluster.mjs. `cluster.mjs down --purge` deletes this directory.\n');
  }
}

/** One `up`/`down` at a time per state dir: waits for another one (until `deadline`); a lock
 *  left by a dead process is taken over. */
export async function acquireLock(L, deadline = Date.now() + 10 * 60_000) {
  for (;;) {
    try {
      fs.writeFileSync(L.lock, String(process.pid), { flag: 'wx' });
      const release = () => {
        try {
          if (fs.readFileSync(L.lock, 'utf8') === String(process.pid)) fs.unlinkSync(L.lock);
        } catch { /* already gone */ }
      };
      process.on('exit', release);
      return release;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const holder = Number(fs.readFileSync(L.lock, 'utf8'));
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = holder !== process.pid;
    } catch { /* dead */ }
    if (!alive) {
      fs.rmSync(L.lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new ClusterError(`another cluster.mjs (pid ${holder}) is still working on ${L.dir}`);
    await sleep(300);
  }
}

export function saveState(L, state) {
  writeFileAtomic(L.clusterJson, `${JSON.stringify(state, null, 2)}\n`);
}
