/**
 * HTTPS on the S3 port: the certificate, its key and optional intermediate CA certificates, read
 * from PEM files at start and again on SIGHUP.
 *
 * A reload swaps the server's secure context in place (tls.Server#setSecureContext): the listener
 * stays, connections already open keep the certificate they were given, new handshakes get the new
 * one. The new files are checked first by building a context from them (a key that does not match
 * its certificate, a truncated PEM, a missing file all fail there): a bad reload is logged and the
 * old certificate stays in service, as nginx and HAProxy do on a failed reload.
 */
import { readFile } from "node:fs/promises";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.js";

export type TlsFiles = Readonly<Config["s3"]["tls"]>;

/** What the files say, as node's TLS options; throws an Error naming the file or the problem. */
export async function readTlsFiles(files: TlsFiles): Promise<SecureContextOptions> {
  const read = (what: string, file: string) =>
    readFile(file).catch((err: Error) => {
      throw new Error(`${what} ${file}: ${err.message}`);
    });
  const [cert, key, ca] = await Promise.all([
    read("s3.tls.certFile", files.certFile!),
    read("s3.tls.keyFile", files.keyFile!),
    files.caFile === undefined ? undefined : read("s3.tls.caFile", files.caFile),
  ]);
  const options: SecureContextOptions = { cert, key, ...(ca && { ca }) };
  try {
    // the same check the server would make, now, so that a bad pair is refused before it is used
    createSecureContext(options);
  } catch (err) {
    throw new Error(`s3.tls: ${files.certFile} with ${files.keyFile}: ${(err as Error).message}`);
  }
  return options;
}

/** The part of node's https.Server a reload needs. */
interface SecureServer {
  setSecureContext(options: SecureContextOptions): void;
}

/**
 * What SIGHUP does: reads the files again and puts them into service. Reloads run one after the
 * other (two quick signals cannot put the older files in last). Never rejects: on any problem the
 * server keeps its current certificate and the problem is logged. Resolves true when the new files
 * are in use.
 */
export function tlsReloader(server: SecureServer, files: TlsFiles, logger: FastifyBaseLogger): () => Promise<boolean> {
  let last: Promise<boolean> = Promise.resolve(true);
  const once = async () => {
    try {
      server.setSecureContext(await readTlsFiles(files));
      logger.info({ certFile: files.certFile }, "TLS certificate reloaded");
      return true;
    } catch (err) {
      logger.error({ err: (err as Error).message }, "TLS certificate not reloaded: the previous one stays in use");
      return false;
    }
  };
  return () => (last = last.then(once));
}
