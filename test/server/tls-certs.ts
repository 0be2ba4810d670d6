/**
 * Test certificates, made by the `openssl` command line at test time (node:crypto makes keys but
 * not X.509 certificates); nothing private is committed. EC P-256 keys: quick to generate.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The openssl executable, or undefined when this machine has none. */
export async function opensslVersion(): Promise<string | undefined> {
  try {
    return (await run("openssl", ["version"])).stdout.trim();
  } catch {
    return undefined;
  }
}

export interface Issued {
  cert: string;
  key: string;
  /** the certificate's serial number as node's getPeerCertificate() writes it (upper-case hex) */
  serial: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A self-signed root CA in `dir`. */
export async function makeCa(dir: string, name: string): Promise<Issued> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  await run("openssl", [
    "req", "-x509", ...EC, "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`, "-set_serial", "1",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return { cert: await readFile(cert, "utf8"), key: await readFile(key, "utf8"), serial: "01" };
}

/**
 * A certificate signed by `issuer`: for 127.0.0.1 and localhost (a server's), or a CA's when `ca`.
 * `serial` is a hex number.
 */
export async function issue(dir: string, name: string, issuer: Issued, serial: string, opts: { ca?: boolean } = {}): Promise<Issued> {
  const file = (ext: string) => path.join(dir, `${name}.${ext}`);
  await writeFile(file("issuer.crt"), issuer.cert);
  await writeFile(file("issuer.key"), issuer.key, { mode: 0o600 });
  await writeFile(
    file("ext"),
    opts.ca
      ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
      : "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  await run("openssl", ["req", "-new", ...EC, "-keyout", file("key"), "-out", file("csr"), "-subj", `/CN=${name}`]);
  await run("openssl", [
    "x509", "-req", "-in", file("csr"), "-CA", file("issuer.crt"), "-CAkey", file("issuer.key"), "-set_serial", `0x${serial}`,
    "-days", "2", "-extfile", file("ext"), "-out", file("crt"),
  ]);
  return { cert: await readFile(file("crt"), "utf8"), key: await readFile(file("key"), "utf8"), serial: serial.toUpperCase() };
}
