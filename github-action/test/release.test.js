// SPDX-License-Identifier: Apache-2.0
// The action getting its jar: a release server on loopback serves the built segura-cli.jar (SEGURA_CLI_JAR, else
// ../cli/target/segura-cli.jar) through the cli-download-url input; the tool cache is a temporary directory. Covers the
// first download, a second run hitting the cache, a tampered jar refused (and never run), a corrupted cache, an HTTP
// error, and main.js run as the runner runs it without Java and with a tampered jar.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const cli = require('../lib/cli.js');

const ACTION = path.join(__dirname, '..');
const JAR = process.env.SEGURA_CLI_JAR || path.join(ACTION, '..', 'cli', 'target', 'segura-cli.jar');
const VERSION = JSON.parse(fs.readFileSync(path.join(ACTION, 'package.json'), 'utf8')).version;

const temporary = [];
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
test.after(() => temporary.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A release server on 127.0.0.1 (ephemeral port): GET /v<version>/segura-cli.jar answers `body`, else 404. */
async function releaseServer(body) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    if (req.method === 'GET' && req.url === `/releases/v${VERSION}/segura-cli.jar`) {
      res.writeHead(200, { 'Content-Type': 'application/java-archive', 'Content-Length': body.length });
      res.end(body);
    } else if (req.url === '/redirect') {
      res.writeHead(302, { Location: `/releases/v${VERSION}/segura-cli.jar` });
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, jarUrl: `${origin}/releases/v${VERSION}/segura-cli.jar`, requests,
    close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A copy of the action (lib/, package.json) whose dist/segura-cli.sha256 pins `jarBytes`, as the build writes it. */
function actionCopy(jarBytes) {
  const dir = tempDir('segura-action-');
  fs.cpSync(path.join(ACTION, 'lib'), path.join(dir, 'lib'), { recursive: true });
  fs.copyFileSync(path.join(ACTION, 'package.json'), path.join(dir, 'package.json'));
  fs.mkdirSync(path.join(dir, 'dist'));
  const hex = crypto.createHash('sha256').update(jarBytes).digest('hex');
  fs.writeFileSync(path.join(dir, 'dist', 'segura-cli.sha256'), `${hex}  segura-cli.jar\n`);
  return dir;
}

function toolCache() {
  return tempDir('segura-toolcache-');
}

const jarBytes = () => {
  assert.ok(fs.existsSync(JAR), `${JAR} is missing: build it with ./mvnw -pl github-action -am package`);
  return fs.readFileSync(JAR);
};

test('first run downloads and caches the jar; a second run hits the cache and re-verifies it', async () => {
  const bytes = jarBytes();
  const server = await releaseServer(bytes);
  try {
    const actionDir = actionCopy(bytes);
    const env = { RUNNER_TOOL_CACHE: toolCache(), 'INPUT_CLI-DOWNLOAD-URL': server.jarUrl };
    const lines = [];
    const first = await cli.ensureCli({ env, actionDir, log: (l) => lines.push(l) });
    assert.equal(first, path.join(env.RUNNER_TOOL_CACHE, 'segura-cli', VERSION, os.arch(), 'segura-cli.jar'));
    assert.deepEqual(fs.readFileSync(first), bytes);
    assert.equal(server.requests.length, 1);
    assert.match(lines.join('\n'), /downloaded from .* verified/);
    assert.deepEqual(fs.readdirSync(path.dirname(first)), ['segura-cli.jar'], 'no partial download left');

    const second = await cli.ensureCli({ env, actionDir, log: (l) => lines.push(l) });
    assert.equal(second, first);
    assert.equal(server.requests.length, 1, 'the second run did not download');
    assert.match(lines.at(-1), /from the tool cache .* verified/);
  } finally {
    await server.close();
  }
});

test('a redirect is followed, as GitHub release assets redirect to their storage', async () => {
  const bytes = jarBytes();
  const server = await releaseServer(bytes);
  try {
    const env = { RUNNER_TOOL_CACHE: toolCache(), 'INPUT_CLI-DOWNLOAD-URL': `${server.origin}/redirect` };
    const jar = await cli.ensureCli({ env, actionDir: actionCopy(bytes), log: () => {} });
    assert.deepEqual(fs.readFileSync(jar), bytes);
  } finally {
    await server.close();
  }
});

test('a tampered jar is refused and deleted, nothing is cached', async () => {
  const bytes = jarBytes();
  const tampered = Buffer.concat([bytes, Buffer.from('tampered')]);
  const server = await releaseServer(tampered);
  try {
    const env = { RUNNER_TOOL_CACHE: toolCache(), 'INPUT_CLI-DOWNLOAD-URL': server.jarUrl };
    await assert.rejects(cli.ensureCli({ env, actionDir: actionCopy(bytes), log: () => {} }), (e) => {
      assert.ok(e instanceof cli.ActionError);
      assert.match(e.message, /refusing to run segura-cli downloaded from http:\/\/127\.0\.0\.1:\d+\/releases/);
      const actual = crypto.createHash('sha256').update(tampered).digest('hex');
      assert.ok(e.message.includes(actual), 'names the SHA-256 it got');
      return true;
    });
    const dir = cli.cacheDir(env, VERSION, os.arch(), process.platform);
    assert.deepEqual(fs.readdirSync(dir), [], 'neither the jar nor a partial download stays');
  } finally {
    await server.close();
  }
});

test('a cached jar that no longer matches the pin is downloaded again', async () => {
  const bytes = jarBytes();
  const server = await releaseServer(bytes);
  try {
    const actionDir = actionCopy(bytes);
    const env = { RUNNER_TOOL_CACHE: toolCache(), 'INPUT_CLI-DOWNLOAD-URL': server.jarUrl };
    const jar = await cli.ensureCli({ env, actionDir, log: () => {} });
    fs.appendFileSync(jar, 'changed in the cache');
    const lines = [];
    assert.equal(await cli.ensureCli({ env, actionDir, log: (l) => lines.push(l) }), jar);
    assert.deepEqual(fs.readFileSync(jar), bytes);
    assert.equal(server.requests.length, 2);
    assert.match(lines[0], /does not match the pinned SHA-256/);
  } finally {
    await server.close();
  }
});

test('a failed download shows the URL and the HTTP status', async () => {
  const bytes = jarBytes();
  const server = await releaseServer(bytes);
  try {
    const url = `${server.origin}/releases/v9.9.9/segura-cli.jar`;
    const env = { RUNNER_TOOL_CACHE: toolCache(), 'INPUT_CLI-DOWNLOAD-URL': url };
    await assert.rejects(cli.ensureCli({ env, actionDir: actionCopy(bytes), log: () => {} }), (e) => {
      assert.equal(e.exitCode, 5);
      assert.ok(e.message.includes(`from ${url}: HTTP 404 Not Found`), e.message);
      return true;
    });
  } finally {
    await server.close();
  }
});

test('an unreachable release server shows the URL', async () => {
  const bytes = jarBytes();
  const server = await releaseServer(bytes);
  const url = server.jarUrl;
  await server.close();
  const env = { RUNNER_TOOL_CACHE: toolCache(), 'INPUT_CLI-DOWNLOAD-URL': url };
  await assert.rejects(cli.ensureCli({ env, actionDir: actionCopy(bytes), log: () => {} }),
    (e) => e.exitCode === 5 && e.message.includes(url) && /ECONNREFUSED/.test(e.message));
});

test('an action copy without a pin refuses to download anything', async () => {
  const dir = actionCopy(Buffer.from('x'));
  fs.rmSync(path.join(dir, 'dist'), { recursive: true });
  await assert.rejects(cli.ensureCli({ env: { RUNNER_TOOL_CACHE: toolCache() }, actionDir: dir, log: () => {} }),
    /no checksum pin/);
});

/**
 * Runs the copy's lib/<stage>.js as the runner runs a node action: `node <file>` with the step's environment.
 * Asynchronously: the release server answers from this process's event loop.
 */
async function runStage(actionDir, stage, env) {
  const files = {};
  for (const name of ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE']) {
    files[name] = path.join(actionDir, `${name.toLowerCase()}_file`);
    fs.writeFileSync(files[name], '');
  }
  const child = childProcess.spawn(process.execPath, [path.join(actionDir, 'lib', `${stage}.js`)],
    { env: { ...files, GITHUB_ACTIONS: 'true', ...env } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const status = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { status, out, files };
}

test('main without Java >= 17 on the runner fails with "add actions/setup-java" and writes nothing', async () => {
  const bytes = jarBytes();
  const server = await releaseServer(bytes);
  try {
    const actionDir = actionCopy(bytes);
    const empty = tempDir('segura-nojava-');
    const r = await runStage(actionDir, 'main', { PATH: empty, RUNNER_TOOL_CACHE: toolCache(),
      'INPUT_VAULT-URL': 'https://segura.example.com', INPUT_SECRETS: 'db/prod/password > DB_PASSWORD',
      'INPUT_CLI-DOWNLOAD-URL': server.jarUrl });
    assert.equal(r.status, 2, r.out);
    assert.match(r.out, /^::error title=Segura::Segura needs Java 17 or later .*add actions\/setup-java/m);
    assert.equal(server.requests.length, 0, 'nothing downloaded');
    for (const file of Object.values(r.files)) {
      assert.equal(fs.readFileSync(file, 'utf8'), '');
    }
  } finally {
    await server.close();
  }
});

test('main with a tampered jar refuses to run it: exit 2, no file command written', async () => {
  const bytes = jarBytes();
  const server = await releaseServer(Buffer.concat([bytes, Buffer.from('x')]));
  try {
    const actionDir = actionCopy(bytes);
    const cache = toolCache();
    const r = await runStage(actionDir, 'main', { PATH: process.env.PATH, RUNNER_TOOL_CACHE: cache,
      'INPUT_VAULT-URL': 'https://segura.example.com', INPUT_SECRETS: 'db/prod/password > DB_PASSWORD',
      'INPUT_CLI-DOWNLOAD-URL': server.jarUrl });
    assert.equal(r.status, 2, r.out);
    assert.match(r.out, /::error title=Segura::refusing to run segura-cli downloaded from/);
    assert.doesNotMatch(r.out, /segura-cli:/, 'the CLI never ran');
    for (const file of Object.values(r.files)) {
      assert.equal(fs.readFileSync(file, 'utf8'), '');
    }
    assert.deepEqual(fs.readdirSync(cli.cacheDir({ RUNNER_TOOL_CACHE: cache }, VERSION, os.arch(),
      process.platform)), []);
  } finally {
    await server.close();
  }
});

test('post without a session needs neither Java nor the jar', async () => {
  const r = await runStage(actionCopy(Buffer.from('x')), 'post', { PATH: '' });
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /no session to revoke/);
});
