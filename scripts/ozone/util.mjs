// Helpers shared by scripts/ozone/cluster.mjs and maven.mjs: errors, progress on stderr, small
// file utilities, and running a command into a log file.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const OZONE_VERSION = '2.2.0';
/** a step that takes longer than this says so on stderr (slowStep) */
const SLOW_MS = 2_000;

export class UsageError extends Error {}
export class ClusterError extends Error {}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
export const log = (msg) => process.stderr.write(`ozone-cluster: ${msg}\n`);

/** Says `msg` on stderr only if the step takes longer than SLOW_MS. */
export function slowStep(msg) {
  const started = Date.now();
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    log(`${msg} ...`);
  }, SLOW_MS);
  timer.unref();
  return (ok = true) => {
    clearTimeout(timer);
    if (shown) log(`${msg}: ${ok ? 'done' : 'failed'} after ${seconds(Date.now() - started)}`);
  };
}

export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
}

export function writeFileAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function tail(file, lines = 25) {
  let text;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** The ends of the logs of `names` that changed since `since` (ms), for error messages. */
export function logTails(L, names, since = 0, lines = 25) {
  const parts = [];
  for (const name of names) {
    for (const file of [`${name}.log`, `${name}.out`]) {
      const mtime = fs.statSync(path.join(L.logs, file), { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (mtime < since) continue;
      const t = tail(path.join(L.logs, file), lines);
      if (t) parts.push(`--- ${path.join(L.logs, file)} (last ${lines} lines) ---\n${t}`);
    }
  }
  return parts.join('\n');
}

/** Runs a command to completion, output appended to `logFile`; resolves to the exit code. */
export function runToLog(cmd, args, { cwd, logFile, env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `\n=== ${new Date().toISOString()} ${cmd} ${args.map((a) => (a.length > 200 ? `${a.slice(0, 200)}...` : a)).join(' ')}\n`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    let timer;
    if (timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new ClusterError(`${cmd} not found on PATH`) : e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
