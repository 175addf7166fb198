// SPDX-License-Identifier: Apache-2.0
// Unit tests of lib/cli.js: Java discovery and version checks on every runner OS (path.win32 and java.exe on Windows,
// the hosted images' JAVA_HOME_* variables), the tool cache layout, the download URL and the inputs.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const cli = require('../lib/cli.js');

test('javaCandidates on Windows: JAVA_HOME_17_X64 first, java.exe, PATH split on ;', () => {
  const env = {
    JAVA_HOME_17_X64: 'C:\\hostedtoolcache\\windows\\Java_Temurin-Hotspot_jdk\\17.0.13-11\\x64',
    JAVA_HOME_21_X64: 'C:\\hostedtoolcache\\windows\\Java_Temurin-Hotspot_jdk\\21.0.5-11\\x64',
    JAVA_HOME: 'C:\\hostedtoolcache\\windows\\Java_Temurin-Hotspot_jdk\\8.0.432-6\\x64',
    Path: 'C:\\Windows\\system32;C:\\Program Files\\Java\\jdk-17\\bin',
  };
  assert.deepEqual(cli.javaCandidates(env, 'win32'), [
    'C:\\hostedtoolcache\\windows\\Java_Temurin-Hotspot_jdk\\17.0.13-11\\x64\\bin\\java.exe',
    'C:\\hostedtoolcache\\windows\\Java_Temurin-Hotspot_jdk\\21.0.5-11\\x64\\bin\\java.exe',
    'C:\\hostedtoolcache\\windows\\Java_Temurin-Hotspot_jdk\\8.0.432-6\\x64\\bin\\java.exe',
    'C:\\Windows\\system32\\java.exe',
    'C:\\Program Files\\Java\\jdk-17\\bin\\java.exe',
  ]);
});

test('javaCandidates on macOS arm64: JAVA_HOME_17_arm64 (Contents/Home) before JAVA_HOME and the PATH', () => {
  const home17 = '/Users/runner/hostedtoolcache/Java_Temurin-Hotspot_jdk/17.0.13-11/arm64/Contents/Home';
  const env = { JAVA_HOME: '/opt/jdk8', JAVA_HOME_17_arm64: home17, PATH: '/usr/bin:/opt/homebrew/bin' };
  assert.deepEqual(cli.javaCandidates(env, 'darwin'), [
    `${home17}/bin/java`, '/opt/jdk8/bin/java', '/usr/bin/java', '/opt/homebrew/bin/java',
  ]);
});

test('javaCandidates on Linux: 17, then 21, then JAVA_HOME, then PATH, without duplicates', () => {
  const env = {
    PATH: '/usr/lib/jvm/temurin-17-jdk-amd64/bin:/usr/bin',
    JAVA_HOME: '/usr/lib/jvm/temurin-17-jdk-amd64',
    JAVA_HOME_21_X64: '/usr/lib/jvm/temurin-21-jdk-amd64',
    JAVA_HOME_17_X64: '/usr/lib/jvm/temurin-17-jdk-amd64',
  };
  assert.deepEqual(cli.javaCandidates(env, 'linux'), [
    '/usr/lib/jvm/temurin-17-jdk-amd64/bin/java', '/usr/lib/jvm/temurin-21-jdk-amd64/bin/java', '/usr/bin/java',
  ]);
});

test('javaMajor reads every banner format', () => {
  assert.equal(cli.javaMajor('java version "1.8.0_432"\nJava(TM) SE Runtime Environment'), 8);
  assert.equal(cli.javaMajor('openjdk version "11.0.25" 2024-10-15'), 11);
  assert.equal(cli.javaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
  assert.equal(cli.javaMajor('openjdk version "21" 2023-09-19'), 21);
  assert.equal(cli.javaMajor('openjdk version "25-ea" 2025-09-16'), 25);
  assert.equal(cli.javaMajor('bash: java: command not found'), null);
});

test('findJava skips a Java older than 17 and takes the next', () => {
  const versions = { '/jdk8/bin/java': 8, '/jdk21/bin/java': 21 };
  const found = cli.findJava({ JAVA_HOME: '/jdk8', PATH: '/jdk21/bin' }, 'linux', (j) => versions[j] ?? null);
  assert.deepEqual(found, { java: '/jdk21/bin/java', major: 21 });
});

test('findJava with only Java 11 names it and says to add actions/setup-java', () => {
  assert.throws(() => cli.findJava({ JAVA_HOME_11_X64: '/x', JAVA_HOME: '/jdk11' }, 'linux',
    (j) => (j === '/jdk11/bin/java' ? 11 : null)), (e) => {
    assert.ok(e instanceof cli.ActionError);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /\/jdk11\/bin\/java is Java 11/);
    assert.match(e.message, /add actions\/setup-java/);
    return true;
  });
});

test('findJava probes real processes: this machine\'s java on the PATH is found, an empty PATH is not', () => {
  const javaHome = process.env.JAVA_HOME || path.dirname(path.dirname(fs.realpathSync(
    require('node:child_process').execSync(process.platform === 'win32' ? 'where java' : 'command -v java',
      { encoding: 'utf8', shell: process.platform === 'win32' ? undefined : '/bin/sh' }).trim().split(/\r?\n/)[0])));
  const found = cli.findJava({ PATH: path.join(javaHome, 'bin') });
  assert.ok(found.major >= 17, `found ${JSON.stringify(found)}`);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'segura-nojava-'));
  try {
    assert.throws(() => cli.findJava({ PATH: empty }), /add actions\/setup-java/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test('cacheDir follows the tool cache layout on Windows, macOS and Linux', () => {
  assert.equal(cli.cacheDir({ RUNNER_TOOL_CACHE: 'C:\\hostedtoolcache\\windows' }, '0.1.0', 'x64', 'win32'),
    'C:\\hostedtoolcache\\windows\\segura-cli\\0.1.0\\x64');
  assert.equal(cli.cacheDir({ RUNNER_TOOL_CACHE: '/Users/runner/hostedtoolcache' }, '0.1.0', 'arm64', 'darwin'),
    '/Users/runner/hostedtoolcache/segura-cli/0.1.0/arm64');
  assert.equal(cli.cacheDir({ RUNNER_TEMP: '/home/runner/work/_temp' }, '0.1.0', 'x64', 'linux'),
    '/home/runner/work/_temp/segura-cli/0.1.0/x64');
});

test('downloadUrl: the release asset of the action\'s version, or cli-download-url as given', () => {
  assert.equal(cli.downloadUrl('0.1.0', ''), `${cli.DEFAULT_RELEASE_BASE}/v0.1.0/segura-cli.jar`);
  assert.equal(cli.downloadUrl('0.1.0', 'https://ghes.example.com/mirror/segura-cli.jar'),
    'https://ghes.example.com/mirror/segura-cli.jar');
  assert.throws(() => cli.downloadUrl('0.1.0', 'not a url'), /cli-download-url .*not a URL/);
  assert.throws(() => cli.downloadUrl('0.1.0', 'file:///etc/passwd'), /must be an http\(s\) URL/);
});

test('cliEnvironment: vault-url (url as alias), role optional, inputs to SEGURA_*', () => {
  const env = cli.cliEnvironment({ 'INPUT_VAULT-URL': 'https://segura.example.com', INPUT_ROLE: '',
    INPUT_SECRETS: 'db/prod/password > DB_PASSWORD\n', 'INPUT_CA-CERTIFICATE': 'ca.pem', SEGURA_ROLE: 'stale' });
  assert.equal(env.SEGURA_URL, 'https://segura.example.com');
  assert.equal(env.SEGURA_PLATFORM, 'github-actions');
  assert.equal(env.SEGURA_SECRETS, 'db/prod/password > DB_PASSWORD');
  assert.equal(env.SEGURA_CA_CERT, 'ca.pem');
  assert.ok(!('SEGURA_ROLE' in env), 'no role input: the broker picks the one matching role');
  assert.equal(cli.cliEnvironment({ INPUT_URL: 'https://a.example' }).SEGURA_URL, 'https://a.example');
  assert.throws(() => cli.cliEnvironment({}), /input vault-url is required/);
  assert.throws(() => cli.cliEnvironment({ 'INPUT_VAULT-URL': 'https://a', INPUT_URL: 'https://b' }),
    /vault-url and url/);
  assert.ok(!('SEGURA_URL' in cli.cliEnvironment({}, { requireUrl: false })));
});

test('exportEnv accepts true/false only', () => {
  assert.equal(cli.exportEnv({}), 'true');
  assert.equal(cli.exportEnv({ 'INPUT_EXPORT-ENV': 'False' }), 'false');
  assert.throws(() => cli.exportEnv({ 'INPUT_EXPORT-ENV': 'yes' }), /export-env must be true or false/);
});

test('displayUrl never shows a mirror\'s credentials or signed query', () => {
  assert.equal(cli.displayUrl('https://user:s3cr3t@mirror.example.com/segura/segura-cli.jar?X-Amz-Signature=abc'),
    'https://mirror.example.com/segura/segura-cli.jar?…');
  assert.equal(cli.displayUrl('http://127.0.0.1:8080/releases/v0.1.0/segura-cli.jar'),
    'http://127.0.0.1:8080/releases/v0.1.0/segura-cli.jar');
});

test('escapeData keeps a message on one workflow command line', () => {
  assert.equal(cli.escapeData('50%\r\nnext'), '50%25%0D%0Anext');
});
