/**
 * The Apache Ozone storage engine: opens the OM client and checks, once, that the OM answers for
 * the S3 volume (a gateway started before its cluster still starts: it logs the problem and its
 * /health reports it until Ozone answers).
 */
import { openOzoneStore as open, type OzoneStore, type OzoneStoreOptions } from "./store.js";

export type { OzoneStore, OzoneStoreOptions };

export async function openOzoneStore(opts: OzoneStoreOptions): Promise<OzoneStore> {
  const store = open(opts);
  try {
    await store.checkVolume();
  } catch (err) {
    opts.logger?.warn({ err: (err as Error).message }, "Ozone is not answering yet");
  }
  return store;
}
