/**
 * How fast V8 lets the old generation grow, set once at start in every gateway process (primary,
 * workers, or the one process).
 *
 * V8 counts the bytes of ArrayBuffers allocated since its last full collection against the old
 * generation's limit (Heap::OldGenerationSpaceAvailable), and sets that limit from the live heap
 * times a growing factor it picks from how cheap its last collections were. The gateway's live heap
 * is small (~20 MB) and its collections are cheap, so V8 picks its least factor, 1.1, and leaves
 * ~24 MB of slack; but every body it receives arrives in new Buffers (a socket's reads), so under a
 * PUT load that slack is used up at once and a full collection follows every ~12 MB received:
 * warp's 1 MiB PUTs at c=8 ran ~9 full collections a second, whose marking threads used a third
 * of a core. A fixed factor of 4 (V8's own largest; `--heap-growing-percent=300`) leaves ~80 MB
 * of slack: 2-4 full collections in 14 s of the same load, and 20-30% less CPU per MiB received
 * (bench figures in the README). The heap may then hold up to ~4x its live size in garbage before
 * a collection, tens of MiB for this process.
 *
 * The flag is read at each limit computation, so it takes effect when set at run time. A node
 * started with its own --heap-growing-percent (command line or NODE_OPTIONS) keeps it.
 */
import v8 from "node:v8";

export const HEAP_GROWING_PERCENT = 300;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/** Sets V8's heap growing factor unless this node was started with one; returns the flag set, if any. */
export function tuneHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
  setFlags: (flags: string) => void = (flags) => v8.setFlagsFromString(flags),
): string | undefined {
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((a) => FLAG.test(a))) return undefined;
  const flag = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
  setFlags(flag);
  return flag;
}
