// SPDX-License-Identifier: Apache-2.0
// The Segura GitHub Action's runtime: finds Java >= 17 on the runner, gets the segura-cli.jar of the action's own
// version (downloaded once per runner into the tool cache, its SHA-256 checked against the pin in dist/ every time,
// never run when it differs) and runs it. Node's built-ins only: the action ships no node_modules.
'use strict';

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MINIMUM_JAVA = 17;
const JAR = 'segura-cli.jar';
const DEFAULT_RELEASE_BASE = 'https://github.com/segura-ci/segura/releases/download';

/** An error the action reports as `::error::` with an exit code of the CLI's convention (2 config, 5 unavailable). */
class ActionError extends Error {
  constructor(message, exitCode) {
    super(message);
    this.name = 'ActionError';
    this.exitCode = exitCode;
  }
}

/** `path.win32` on Windows runners, `path.posix` elsewhere, so that tests can ask for either on any machine. */
function pathFor(platform) {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** A runner input as the runner passes it: `INPUT_<NAME>`, upper-cased, spaces as underscores (hyphens stay). */
function input(env, name) {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return value === undefined ? '' : value.trim();
}

/**
 * Where to look for Java, in order: the hosted images' `JAVA_HOME_17_X64`/`_arm64`, then 21, then `JAVA_HOME`
 * (actions/setup-java sets it), then `java` on the PATH. Each candidate is a path, or the bare command name.
 */
function javaCandidates(env, platform) {
  const p = pathFor(platform);
  const exe = platform === 'win32' ? 'java.exe' : 'java';
  const homes = ['JAVA_HOME_17_X64', 'JAVA_HOME_17_arm64', 'JAVA_HOME_17_ARM64', 'JAVA_HOME_21_X64',
    'JAVA_HOME_21_arm64', 'JAVA_HOME_21_ARM64', 'JAVA_HOME'];
  const candidates = [];
  for (const name of homes) {
    const home = env[name];
    if (home && home.trim()) {
      const java = p.join(home.trim(), 'bin', exe);
      if (!candidates.includes(java)) {
        candidates.push(java);
      }
    }
  }
  const pathVariable = env.PATH ?? env.Path ?? '';
  for (const dir of pathVariable.split(p.delimiter)) {
    if (dir.trim()) {
      const java = p.join(dir.trim(), exe);
      if (!candidates.includes(java)) {
        candidates.push(java);
      }
    }
  }
  return candidates;
}

/** The feature release of a `java -version` banner: `1.8.0_392` → 8, `17.0.15` → 17, `21` → 21; else null. */
function javaMajor(banner) {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(banner);
  if (!m) {
    return null;
  }
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/** Runs `java -version` (it prints to stderr); the major version, or null when it cannot run. */
function probeJava(java) {
  if (!fs.existsSync(java)) {
    return null;
  }
  const r = childProcess.spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 60000, windowsHide: true });
  if (r.error || r.status !== 0) {
    return null;
  }
  return javaMajor(`${r.stderr}\n${r.stdout}`);
}

/** The first Java >= 17 among the candidates; else an error that says how to get one. */
function findJava(env, platform = process.platform, probe = probeJava) {
  const seen = [];
  for (const java of javaCandidates(env, platform)) {
    const major = probe(java);
    if (major === null) {
      continue;
    }
    if (major >= MINIMUM_JAVA) {
      return { java, major };
    }
    seen.push(`${java} is Java ${major}`);
  }
  throw new ActionError(`Segura needs Java ${MINIMUM_JAVA} or later on the runner and found none`
    + (seen.length ? ` (${seen.join('; ')})` : '')
    + ' in JAVA_HOME_17_X64, JAVA_HOME_17_arm64, JAVA_HOME_21_X64, JAVA_HOME_21_arm64, JAVA_HOME or the PATH.'
    + ' Fix: add actions/setup-java before this step, e.g. `- uses: actions/setup-java@v4` with'
    + ' `distribution: temurin` and `java-version: 17`; or, on a Linux runner with Docker and no Java, use'
    + ' the container variant `segura-security/action/container@v2`.', 2);
}

/** The action's own version (package.json) and the pinned SHA-256 of its jar (dist/segura-cli.sha256). */
function readPin(actionDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(actionDir, 'package.json'), 'utf8'));
  const pinFile = path.join(actionDir, 'dist', 'segura-cli.sha256');
  let text;
  try {
    text = fs.readFileSync(pinFile, 'utf8');
  } catch (e) {
    throw new ActionError(`this copy of the action has no checksum pin (${pinFile}: ${e.code}); use a released`
      + ' version (e.g. segura-security/action@v2), whose release workflow writes the pin', 2);
  }
  // sha256sum format, as released next to the jar: "<64 hex>  segura-cli.jar".
  const m = /^([0-9a-f]{64})\s+\*?segura-cli\.jar\s*$/m.exec(text);
  if (!m) {
    throw new ActionError(`${pinFile} is not a sha256sum line for ${JAR}`, 2);
  }
  return { version: pkg.version, sha256: m[1] };
}

/** The release URL of the jar of `version`, or `cli-download-url` (a mirror or GitHub Enterprise Server). */
function downloadUrl(version, override) {
  if (override) {
    let url;
    try {
      url = new URL(override);
    } catch {
      throw new ActionError(`input cli-download-url "${override}" is not a URL; give the jar's full URL,`
        + ` e.g. https://mirror.example.com/segura/v${version}/${JAR}`, 2);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ActionError(`input cli-download-url must be an http(s) URL, not ${url.protocol}`, 2);
    }
    return url.toString();
  }
  return `${DEFAULT_RELEASE_BASE}/v${version}/${JAR}`;
}

/** Where the jar of `version` for `arch` lives in the runner's tool cache (the layout of @actions/tool-cache). */
function cacheDir(env, version, arch, platform) {
  const p = pathFor(platform);
  const root = env.RUNNER_TOOL_CACHE || env.RUNNER_TEMP || os.tmpdir();
  return p.join(root, 'segura-cli', version, arch);
}

/**
 * `url` as the log may show it: without user info, and with a query (a signed mirror URL's token) shown as `?…`;
 * the action never prints credentials, even those of a mirror.
 */
function displayUrl(url) {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  const query = u.search ? '?…' : '';
  u.search = '';
  return `${u.toString()}${query}`;
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Downloads `url` (following redirects, as GitHub release assets redirect) into `file`. */
async function download(url, file) {
  const shown = displayUrl(url);
  let response;
  try {
    response = await fetch(url, { redirect: 'follow', headers: { 'User-Agent': 'segura-github-action' } });
  } catch (e) {
    const cause = e.cause ? `: ${e.cause.code || e.cause.message}` : '';
    throw new ActionError(`could not download segura-cli from ${shown} (${e.message}${cause}); check the runner's`
      + ' network, or give a reachable mirror in the cli-download-url input', 5);
  }
  if (!response.ok) {
    throw new ActionError(`could not download segura-cli from ${shown}: HTTP ${response.status}`
      + `${response.statusText ? ` ${response.statusText}` : ''}; check that the release exists, or give a`
      + ' reachable mirror in the cli-download-url input', 5);
  }
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

/**
 * The verified jar: from the tool cache when its SHA-256 still matches the pin, else downloaded, checked and then
 * moved into the cache. A download that does not match is deleted and never run.
 */
async function ensureCli({ env, actionDir, log, platform = process.platform, arch = os.arch() }) {
  const pin = readPin(actionDir);
  const dir = cacheDir(env, pin.version, arch, platform);
  const jar = pathFor(platform).join(dir, JAR);
  if (fs.existsSync(jar)) {
    if (sha256(jar) === pin.sha256) {
      log(`segura-cli ${pin.version} from the tool cache (${jar}), SHA-256 ${pin.sha256} verified`);
      return jar;
    }
    log(`::warning::the cached ${jar} does not match the pinned SHA-256; downloading it again`);
    fs.rmSync(jar, { force: true });
  }
  const url = downloadUrl(pin.version, input(env, 'cli-download-url'));
  fs.mkdirSync(dir, { recursive: true });
  const unique = `${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  const partial = pathFor(platform).join(dir, `${JAR}.${unique}.download`);
  try {
    await download(url, partial);
    const actual = sha256(partial);
    if (actual !== pin.sha256) {
      throw new ActionError(`refusing to run segura-cli downloaded from ${displayUrl(url)}: its SHA-256 is`
        + ` ${actual}, but this action (version ${pin.version}) pins ${pin.sha256}. The file was deleted. Fix: point`
        + ` cli-download-url at the jar of release v${pin.version} exactly as released, or use the action version`
        + ' that matches the jar', 2);
    }
    fs.renameSync(partial, jar);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  log(`segura-cli ${pin.version} downloaded from ${displayUrl(url)}, SHA-256 ${pin.sha256} verified, cached in ${dir}`);
  return jar;
}

/**
 * The CLI's environment: the step's, plus the inputs as SEGURA_* (only those given, so the CLI's defaults hold).
 * The post step may run without a URL input: the CLI then takes the one the main step kept in GITHUB_STATE.
 */
function cliEnvironment(env, { requireUrl = true } = {}) {
  const url = input(env, 'vault-url');
  const alias = input(env, 'url');
  if (url && alias && url !== alias) {
    throw new ActionError('inputs vault-url and url are the same setting (url is an alias) and differ; give only'
      + ' vault-url', 2);
  }
  const brokerUrl = url || alias;
  if (!brokerUrl && requireUrl) {
    throw new ActionError('input vault-url is required: the base URL of the Segura broker, e.g.'
      + ' `vault-url: https://segura.example.com`', 2);
  }
  const out = { ...env, SEGURA_PLATFORM: 'github-actions' };
  if (brokerUrl) {
    out.SEGURA_URL = brokerUrl;
  }
  const mapping = { role: 'SEGURA_ROLE', audience: 'SEGURA_AUDIENCE', secrets: 'SEGURA_SECRETS', ttl: 'SEGURA_TTL',
    'ca-certificate': 'SEGURA_CA_CERT' };
  for (const [name, variable] of Object.entries(mapping)) {
    const value = input(env, name);
    if (value) {
      out[variable] = value;
    } else {
      delete out[variable];
    }
  }
  return out;
}

/** `export-env` as the CLI's boolean; anything else is an input error. */
function exportEnv(env) {
  const value = (input(env, 'export-env') || 'true').toLowerCase();
  if (value !== 'true' && value !== 'false') {
    throw new ActionError(`input export-env must be true or false, not "${value}"`, 2);
  }
  return value;
}

/** Runs `java -jar jar args…` with the runner's stdout/stderr (the ::add-mask:: commands go straight to the log). */
function runCli(java, jar, args, env) {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(java, ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', jar, ...args],
      { env, stdio: 'inherit', windowsHide: true });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Runs an action stage: errors become `::error::` lines and the exit code, never a stack trace. */
async function stage(body) {
  try {
    process.exitCode = await body();
  } catch (e) {
    if (e instanceof ActionError) {
      process.stdout.write(`::error title=Segura::${escapeData(e.message)}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stdout.write(`::error title=Segura::${escapeData(`unexpected failure: ${e.message}`)}\n`);
      process.exitCode = 1;
    }
  }
}

/** Workflow command data escaping (as @actions/core): a message cannot end the command early. */
function escapeData(s) {
  return String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

module.exports = {
  ActionError, MINIMUM_JAVA, DEFAULT_RELEASE_BASE, input, javaCandidates, javaMajor, probeJava, findJava, readPin,
  downloadUrl, displayUrl, cacheDir, sha256, ensureCli, cliEnvironment, exportEnv, runCli, stage, escapeData,
};
