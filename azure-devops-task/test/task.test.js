// SPDX-License-Identifier: Apache-2.0
'use strict';

// Unit cases of the task's launcher with task-lib's own mock-test runner: the inputs, the Java lookup, the
// state handed from the main step to the post-job step, and the task result for each CLI exit. The CLI itself is
// answered here (mock-toolrunner); AzureTaskEndToEndTest runs the real jar against a live broker.

const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { test } = require('node:test');
const { MockTestRunner } = require('azure-pipelines-task-lib/mock-test');

const TASK_DIR = path.resolve(process.env.SEGURA_TASK_DIR || path.join(__dirname, '..', 'target', 'extension',
    'SeguraSecrets'));
const CLI_JAR = path.join(TASK_DIR, 'bin', 'segura-cli.jar');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'segura-task-test-'));
const INSTANCE = '6f1c2b9e-0d4a-4e5b-9c8d-7a6b5c4d3e2f';
const AGENT_TEMP = path.join(work, 'agent-temp'); // the agent creates it for every job
fs.mkdirSync(AGENT_TEMP);
const STATE = path.join(AGENT_TEMP, 'segura-' + INSTANCE + '.session');
const INPUTS = { url: 'https://segura.example.com', role: 'deploy-prod', secrets: 'db/prod/password > DB_PASSWORD' };

/** A JDK home with a `release` file of that version (the exec itself is answered, never run). */
function javaHome(name, version) {
    const home = path.join(work, name);
    fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(home, 'bin', 'java'), '');
    fs.writeFileSync(path.join(home, 'release'), 'JAVA_VERSION="' + version + '"\n');
    return home;
}

const JAVA_17 = javaHome('jdk-17', '17.0.15');
const JAVA_21 = javaHome('jdk-21', '21.0.7');
const JAVA_11 = javaHome('jdk-11', '11.0.27');

function cli(java, args) {
    return path.join(java, 'bin', 'java') + ' -jar ' + CLI_JAR + ' ' + args;
}

/** Runs the stage under the mock runner with the agent variables `env` (cleared afterwards). */
async function run(stage, { inputs = INPUTS, env = {}, exec = {} } = {}) {
    const agent = Object.assign({ AGENT_TEMPDIRECTORY: AGENT_TEMP,
        SYSTEM_TASKINSTANCEID: INSTANCE, JAVA_HOME: '', JAVA_HOME_17_X64: '', PATH: '' }, env);
    const saved = {};
    for (const [k, v] of Object.entries(agent)) {
        saved[k] = process.env[k];
        process.env[k] = v;
    }
    process.env.SEGURA_TEST_CASE = JSON.stringify({ taskDir: TASK_DIR, stage, inputs, answers: { exec } });
    const runner = new MockTestRunner(path.join(__dirname, 'run-task.js'), path.join(TASK_DIR, 'task.json'));
    runner.nodePath = process.execPath; // the machine's Node (20: the Node20_1 handler's), not a download
    try {
        await runner.runAsync();
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = v;
            }
        }
        delete process.env.SEGURA_TEST_CASE;
    }
    return runner;
}

function failure(runner) {
    return runner.stdout.split('\n').filter(l => l.includes('##vso[task.complete result=Failed')).join('\n');
}

test('main without url fails naming the input and an example', async () => {
    const r = await run('main', { inputs: { role: 'deploy-prod', secrets: 'a/b > C' }, env: { JAVA_HOME_17_X64: JAVA_17 } });
    assert.ok(r.failed);
    assert.match(failure(r), /Input 'url' is required: the broker's base URL, e.g. url: https:\/\/segura.example.com/);
    assert.equal(r.invokedToolCount, 0);
});

test('main without role fails naming the input', async () => {
    const r = await run('main', { inputs: { url: INPUTS.url, secrets: 'a/b > C' }, env: { JAVA_HOME_17_X64: JAVA_17 } });
    assert.ok(r.failed);
    assert.match(failure(r), /Input 'role' is required/);
});

test('main with blank secrets fails naming the input and the syntax', async () => {
    const r = await run('main', { inputs: { url: INPUTS.url, role: 'deploy-prod', secrets: '  \n ' },
        env: { JAVA_HOME_17_X64: JAVA_17 } });
    assert.ok(r.failed);
    assert.match(failure(r), /Input 'secrets' is required: one per line, path\[@version\] > NAME/);
    assert.equal(r.invokedToolCount, 0);
});

test('main on an agent with only Java 11 fails saying how to add Java 17', async () => {
    const r = await run('main', { env: { JAVA_HOME: JAVA_11 } });
    assert.ok(r.failed);
    const message = failure(r);
    assert.match(message, /No Java 17 or later on this agent \(found JAVA_HOME \(Java 11\)\)/);
    assert.match(message, /JavaToolInstaller@1/);
    assert.equal(r.invokedToolCount, 0);
});

test('main prefers JAVA_HOME_17_X64, keeps the state file for the post step and succeeds', async () => {
    const r = await run('main', {
        env: { JAVA_HOME: JAVA_11, JAVA_HOME_21_X64: JAVA_21, JAVA_HOME_17_X64: JAVA_17 },
        exec: { [cli(JAVA_17, 'fetch --state-file ' + STATE)]: { code: 0, stdout: '', stderr: 'segura-cli: lease l-1' } },
    });
    assert.ok(r.succeeded, r.stdout);
    assert.ok(r.ran(cli(JAVA_17, 'fetch --state-file ' + STATE)));
    assert.ok(r.stdout.includes('##vso[task.settaskvariable variable=SEGURA_STATE_FILE;issecret=false;]' + STATE));
});

test('main without JAVA_HOME_17_X64 takes the lowest newer JAVA_HOME_<n>_X64', async () => {
    const r = await run('main', {
        env: { JAVA_HOME: JAVA_11, JAVA_HOME_21_X64: JAVA_21 },
        exec: { [cli(JAVA_21, 'fetch --state-file ' + STATE)]: { code: 0, stdout: '' } },
    });
    assert.ok(r.succeeded, r.stdout);
});

test('main relays a CLI usage error with the task input named instead of the CLI variable', async () => {
    const r = await run('main', {
        inputs: Object.assign({}, INPUTS, { url: 'http://segura.example.com' }),
        env: { JAVA_HOME_17_X64: JAVA_17 },
        exec: { [cli(JAVA_17, 'fetch --state-file ' + STATE)]: { code: 2,
            stderr: 'segura-cli: SEGURA_URL must use https (plain http is accepted for loopback only)' } },
    });
    assert.ok(r.failed);
    assert.match(failure(r), /input 'url' must use https \(plain http is accepted for loopback only\)/);
    assert.doesNotMatch(failure(r), /SEGURA_URL/);
});

test('main relays a denial with the broker reason and without the CLI warnings', async () => {
    const r = await run('main', {
        env: { JAVA_HOME_17_X64: JAVA_17 },
        exec: { [cli(JAVA_17, 'fetch --state-file ' + STATE)]: { code: 3, stderr:
            'segura-cli: warning: secret db/prod/password is 95 days old\n'
            + 'segura-cli: blocked by policy: change freeze until 2026-12-28 (https://segura.dev/problems/policy-denied)' } },
    });
    assert.ok(r.failed);
    assert.match(failure(r), /blocked by policy: change freeze until 2026-12-28/);
    assert.doesNotMatch(failure(r), /95 days old/);
});

test('post without a session from the main step succeeds without running the CLI', async () => {
    const r = await run('post', { env: { JAVA_HOME_17_X64: JAVA_17 } });
    assert.ok(r.succeeded, r.stdout);
    assert.equal(r.invokedToolCount, 0);
    assert.ok(r.stdout.includes('No Segura session to revoke'));
});

test('post when the main step left no state file succeeds without running the CLI', async () => {
    const r = await run('post', { env: { JAVA_HOME_17_X64: JAVA_17,
        VSTS_TASKVARIABLE_SEGURA_STATE_FILE: path.join(AGENT_TEMP, 'segura-never-written.session') } });
    assert.ok(r.succeeded, r.stdout);
    assert.equal(r.invokedToolCount, 0);
});

test('post revokes the session named by the task variable the main step set', async () => {
    fs.writeFileSync(STATE, '{}', { mode: 0o600 }); // what fetch leaves (its content is the CLI's business)
    const r = await run('post', {
        env: { JAVA_HOME_17_X64: JAVA_17, VSTS_TASKVARIABLE_SEGURA_STATE_FILE: STATE },
        exec: { [cli(JAVA_17, 'revoke --state-file ' + STATE)]: { code: 0, stderr: 'segura-cli: session revoked' } },
    });
    assert.ok(r.succeeded, r.stdout);
    assert.ok(r.ran(cli(JAVA_17, 'revoke --state-file ' + STATE)));
});

test('post that cannot reach the broker fails and says the session ends at its TTL', async () => {
    fs.writeFileSync(STATE, '{}', { mode: 0o600 });
    const r = await run('post', {
        env: { JAVA_HOME_17_X64: JAVA_17, VSTS_TASKVARIABLE_SEGURA_STATE_FILE: STATE },
        exec: { [cli(JAVA_17, 'revoke --state-file ' + STATE)]: { code: 5,
            stderr: 'segura-cli: broker unavailable after 4 attempts: connection refused' } },
    });
    assert.ok(r.failed);
    assert.match(failure(r), /not revoked \(it ends at its TTL\): broker unavailable after 4 attempts/);
});
