// Step (1) of scripts/ozone/cluster.mjs: the runtime classpaths of Ozone's daemons and clients,
// resolved from Maven Central by `mvn` in a small reactor of generated POMs, and cached.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterError, OZONE_VERSION, readJson, runToLog, slowStep, tail, writeFileAtomic } from './util.mjs';

function pomHeader(artifactId, extra = '') {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/ozone/cluster.mjs; rewritten on every classpath resolution. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
${extra}  <artifactId>${artifactId}</artifactId>
  <packaging>pom</packaging>
`;
}

/**
 * A small reactor: one module per classpath, so Maven mediates versions per daemon, the way the
 * official tarball's per-daemon classpaths were built (notes §1.2 fidelity check). The parent
 * imports Ozone's own version management (ozone-main BOM); without it ~40 jars drift.
 */
function mavenPoms(artifacts) {
  const files = {};
  const modules = Object.keys(artifacts);
  files['pom.xml'] = `${pomHeader('ozone-cluster-classpaths', '  <groupId>local.ozone-cluster</groupId>\n  <version>1</version>\n')}
  <modules>
${modules.map((m) => `    <module>${m}</module>`).join('\n')}
  </modules>

  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.apache.ozone</groupId>
        <artifactId>ozone-main</artifactId>
        <version>${OZONE_VERSION}</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
</project>
`;
  for (const [module, artifact] of Object.entries(artifacts)) {
    // The client libraries bring no SLF4J binding; the daemons get slf4j-reload4j from Ozone.
    const binding = module === 'probe' || module === 'shell' ? `
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
    </dependency>` : '';
    files[`${module}/pom.xml`] = `${pomHeader(`ozone-cluster-${module}`, `  <parent>
    <groupId>local.ozone-cluster</groupId>
    <artifactId>ozone-cluster-classpaths</artifactId>
    <version>1</version>
  </parent>
`)}
  <dependencies>
    <dependency>
      <groupId>org.apache.ozone</groupId>
      <artifactId>${artifact}</artifactId>
      <version>${OZONE_VERSION}</version>
    </dependency>${binding}
  </dependencies>
</project>
`;
  }
  return files;
}

// The POM of org.apache.ozone:hdds-hadoop-dependency-client:2.2.0 is missing from Maven Central
// (notes §0.1), yet it is the <parent> of hdds-common, ozone-common, ozone-client and others.
// The real one only holds a <dependencyManagement> for hadoop-common and declares no dependencies,
// so a stand-in whose parent is the published org.apache.ozone:hdds:2.2.0 resolves the same jars.
const STAND_IN_PARENT = { groupId: 'org.apache.ozone', artifactId: 'hdds-hadoop-dependency-client' };
const standInPom = () => `<?xml version="1.0" encoding="UTF-8"?>
<!-- Stand-in written by scripts/ozone/cluster.mjs: the real POM of this coordinate is missing from
     Maven Central. Installed into the local Maven repository only when a resolution failed on it. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.apache.ozone</groupId>
    <artifactId>hdds</artifactId>
    <version>${OZONE_VERSION}</version>
  </parent>
  <artifactId>${STAND_IN_PARENT.artifactId}</artifactId>
  <packaging>pom</packaging>
</project>
`;

/**
 * Classpaths resolved for one cluster's dir, kept for every other: they depend only on the POMs
 * and the local Maven repository (both in the key; the jars are checked to be there). The test
 * clusters (.ozone, .ozone-faults, .ozone-ec) and the bench's resolve the same ones, each in its
 * own dir, which `down --purge` removes: Maven took ~18 s for the daemons and ~13 s for the shell
 * each time (its JVM and the reactor's resolution), in the middle of a test run.
 */
const SHARED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.ozone-classpaths');

function cachedClasspaths(mavenDir, artifacts, inputsHash) {
  return validClasspaths(readJson(path.join(mavenDir, 'classpaths.json')), artifacts, inputsHash);
}

/** The shared copy (SHARED_DIR), written into `mavenDir` as a resolution there would have. */
function sharedClasspaths(mavenDir, artifacts, inputsHash) {
  const classpaths = validClasspaths(readJson(path.join(SHARED_DIR, `${inputsHash}.json`)), artifacts, inputsHash);
  if (classpaths) writeClasspaths(mavenDir, classpaths, inputsHash);
  return classpaths;
}

/** Each module's classpath.txt (as Maven writes it) and the stamp. */
function writeClasspaths(mavenDir, classpaths, inputsHash) {
  for (const [module, jars] of Object.entries(classpaths)) {
    fs.mkdirSync(path.join(mavenDir, module), { recursive: true });
    writeFileAtomic(path.join(mavenDir, module, 'classpath.txt'), jars.join(path.delimiter));
  }
  writeFileAtomic(path.join(mavenDir, 'classpaths.json'), stampText(classpaths, inputsHash));
}

/** What classpaths.json (and its shared copy) holds. */
function stampText(classpaths, inputsHash) {
  return `${JSON.stringify({ inputs: inputsHash, classpaths }, null, 2)}\n`;
}

function validClasspaths(stamp, artifacts, inputsHash) {
  if (!stamp || stamp.inputs !== inputsHash) return undefined;
  const out = {};
  for (const module of Object.keys(artifacts)) {
    const jars = stamp.classpaths[module];
    if (!jars?.length || !jars.every((j) => fs.existsSync(j))) return undefined;
    out[module] = jars;
  }
  return out;
}

/**
 * One runtime classpath per module of `artifacts` (module -> Ozone artifact), resolved in the
 * Maven reactor `mavenDir` and cached there. The daemons' and the probe's live in DIR/maven; the
 * shell's in DIR/maven/shell, resolved on its first use only.
 */
export async function resolveClasspaths(L, artifacts, mavenDir = L.maven) {
  const poms = mavenPoms(artifacts);
  const inputsHash = createHash('sha256').update(JSON.stringify(poms)).update(process.env.MAVEN_OPTS ?? '').digest('hex');
  const cached = cachedClasspaths(mavenDir, artifacts, inputsHash) ?? sharedClasspaths(mavenDir, artifacts, inputsHash);
  if (cached) return cached;

  const done = slowStep(`resolving Ozone ${OZONE_VERSION} jars with Maven (the first run downloads ~270 MB into the local Maven repository; log: ${path.join(L.logs, 'maven.log')})`);
  for (const [file, text] of Object.entries(poms)) {
    fs.mkdirSync(path.dirname(path.join(mavenDir, file)), { recursive: true });
    fs.writeFileSync(path.join(mavenDir, file), text);
  }
  const mavenLog = path.join(L.logs, 'maven.log');
  const buildClasspath = () => runToLog('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', path.join(mavenDir, 'pom.xml'),
    'dependency:build-classpath', '-Dmdep.includeScope=runtime', '-Dmdep.outputFile=classpath.txt'],
  { cwd: mavenDir, logFile: mavenLog });

  const logSize = () => (fs.existsSync(mavenLog) ? fs.statSync(mavenLog).size : 0);
  let from = logSize();
  let code = await buildClasspath();
  if (code !== 0) {
    const out = fs.readFileSync(mavenLog, 'utf8').slice(from);
    if (!out.includes(STAND_IN_PARENT.artifactId)) {
      throw new ClusterError(`Maven failed to resolve the Ozone jars (exit ${code}):\n${tail(mavenLog, 40)}`);
    }
    // Resolution stopped on the missing parent POM: install the stand-in, then try again.
    const standInDir = path.join(L.maven, 'stand-in');
    fs.mkdirSync(standInDir, { recursive: true });
    const pomFile = path.join(standInDir, `${STAND_IN_PARENT.artifactId}-${OZONE_VERSION}.pom`);
    fs.writeFileSync(pomFile, standInPom());
    // Run where there is no pom.xml, so install-file works without a project.
    code = await runToLog('mvn', ['-B', '-q', '-Dstyle.color=never', 'install:install-file', `-Dfile=${pomFile}`, `-DpomFile=${pomFile}`, '-Dpackaging=pom'],
      { cwd: standInDir, logFile: mavenLog });
    if (code !== 0) throw new ClusterError(`Maven could not install the stand-in parent POM (exit ${code}):\n${tail(mavenLog, 40)}`);
    from = logSize();
    code = await buildClasspath();
    if (code !== 0) throw new ClusterError(`Maven failed to resolve the Ozone jars (exit ${code}):\n${tail(mavenLog, 40)}`);
  }
  const classpaths = {};
  for (const module of Object.keys(artifacts)) {
    const text = fs.readFileSync(path.join(mavenDir, module, 'classpath.txt'), 'utf8').trim();
    classpaths[module] = text.split(path.delimiter).filter(Boolean);
    if (!classpaths[module].length) throw new ClusterError(`Maven wrote an empty classpath for ${module}`);
  }
  writeFileAtomic(path.join(mavenDir, 'classpaths.json'), stampText(classpaths, inputsHash));
  fs.mkdirSync(SHARED_DIR, { recursive: true });
  writeFileAtomic(path.join(SHARED_DIR, `${inputsHash}.json`), stampText(classpaths, inputsHash));
  done();
  return classpaths;
}
