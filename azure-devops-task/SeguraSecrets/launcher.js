// SPDX-License-Identifier: Apache-2.0
'use strict';

// Wiring only: the task maps its inputs onto segura-cli's environment and runs the CLI jar bundled next to this
// file on the agent's Java. The CLI does the work (the OIDC token request, the exchange, the lease, the ##vso
// commands, the revoke); this file finds Java, keeps the session's state file for the post-job step, and turns
// the CLI's exit into the task result with a message that names the task input at fault.

const fs = require('fs');
const os = require('os');
const path = require('path');
const tl = require('azure-pipelines-task-lib/task');

const CLI_JAR = path.join(__dirname, 'bin', 'segura-cli.jar');
const MINIMUM_JAVA = 17;
/** The task variable (main → post-job of the same task) that names the session's state file; not a secret. */
const STATE_VARIABLE = 'SEGURA_STATE_FILE';

/** Task input → the CLI's variable; the CLI's messages name the variable, the task's name the input. */
const INPUT_VARIABLES = {
    url: 'SEGURA_URL',
    role: 'SEGURA_ROLE',
    secrets: 'SEGURA_SECRETS',
    ttl: 'SEGURA_TTL',
    caCertificate: 'SEGURA_CA_CERT',
};

const JAVA_FIX = 'add a step before this task that provides Java 17 or later, e.g.\n'
    + '  - task: JavaToolInstaller@1\n'
    + '    inputs:\n'
    + "      versionSpec: '17'\n"
    + '      jdkArchitectureOption: x64\n'
    + '      jdkSourceOption: PreInstalled\n'
    + '(Microsoft-hosted images have it; it sets JAVA_HOME_17_X64)';

/** A wrong or missing input or agent setting: the task fails with this message alone. */
class TaskInputError extends Error {
}

/** The CLI's environment to reach the broker: inputs `url` and `caCertificate`. */
function brokerEnvironment() {
    const url = (tl.getInput('url') || '').trim();
    if (!url) {
        throw new TaskInputError("Input 'url' is required: the broker's base URL, e.g. url: https://segura.example.com");
    }
    const env = Object.assign({}, process.env, { SEGURA_PLATFORM: 'azure-devops', SEGURA_URL: url, SEGURA_CA_CERT: '' });
    // An empty filePath input arrives as the sources directory: only a path the user gave counts.
    if (tl.filePathSupplied('caCertificate')) {
        env.SEGURA_CA_CERT = tl.getPathInput('caCertificate');
    }
    return env;
}

/** The CLI's environment for `fetch`: every input; a missing required one fails naming the input and the fix. */
function fetchEnvironment() {
    const env = brokerEnvironment();
    const role = (tl.getInput('role') || '').trim();
    if (!role) {
        throw new TaskInputError("Input 'role' is required: the broker role bound to this pipeline, e.g. role: deploy-prod");
    }
    const secrets = (tl.getInput('secrets') || '').trim();
    if (!secrets) {
        throw new TaskInputError("Input 'secrets' is required: one per line, path[@version] > NAME, e.g."
            + ' db/prod/password > DB_PASSWORD');
    }
    env.SEGURA_ROLE = role;
    env.SEGURA_SECRETS = secrets;
    env.SEGURA_TTL = (tl.getInput('ttl') || '').trim();
    const token = accessToken();
    if (token) {
        env.SYSTEM_ACCESSTOKEN = token;
    }
    return env;
}

/** The job's access token for the OIDC request: the step's `env:` mapping, else the agent's SystemVssConnection. */
function accessToken() {
    const mapped = process.env.SYSTEM_ACCESSTOKEN;
    if (mapped) {
        return mapped;
    }
    // Not getEndpointAuthorizationParameter: it writes the value into a debug line.
    const auth = tl.getEndpointAuthorization('SystemVssConnection', true);
    return auth && auth.parameters ? auth.parameters.AccessToken : undefined;
}

/** The Java major version of a JDK/JRE home from its `release` file, else from `java -version`; 0 when unknown. */
function javaMajor(home, executable) {
    try {
        const release = fs.readFileSync(path.join(home, 'release'), 'utf8');
        const m = /^JAVA_VERSION="([^"]+)"/m.exec(release);
        if (m) {
            return major(m[1]);
        }
    } catch (e) {
        tl.debug('no release file in ' + home + ': ' + e.code);
    }
    const r = require('child_process').spawnSync(executable, ['-version'], { encoding: 'utf8' });
    const m = /version "([^"]+)"/.exec((r.stderr || '') + (r.stdout || ''));
    return m ? major(m[1]) : 0;
}

function major(version) {
    const parts = version.split(/[.+-]/);
    const first = parseInt(parts[0], 10);
    return first === 1 ? parseInt(parts[1], 10) : first; // 1.8.0_392 is Java 8
}

/**
 * The first Java ≥ 17 of: JAVA_HOME_17_X64, the other JAVA_HOME_<n>_<arch> the hosted images set (n ≥ 17,
 * lowest first), JAVA_HOME, then `java` on the PATH. Older ones are skipped, with a debug line saying why.
 */
function findJava() {
    const exe = process.platform === 'win32' ? 'java.exe' : 'java';
    const homes = [];
    const rank = c => (c.name.toUpperCase() === 'JAVA_HOME_17_X64' ? 0 : parseInt(c.m[1], 10));
    Object.keys(process.env)
        .map(name => ({ name, m: /^JAVA_HOME_(\d+)_(X64|ARM64)$/i.exec(name) }))
        .filter(c => c.m && parseInt(c.m[1], 10) >= MINIMUM_JAVA)
        .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
        .forEach(c => homes.push({ source: c.name, home: process.env[c.name] }));
    if (process.env.JAVA_HOME) {
        homes.push({ source: 'JAVA_HOME', home: process.env.JAVA_HOME });
    }
    const seen = [];
    for (const candidate of homes) {
        const executable = path.join(candidate.home, 'bin', exe);
        if (!fs.existsSync(executable)) {
            tl.debug(candidate.source + ' has no ' + executable);
            continue;
        }
        const version = javaMajor(candidate.home, executable);
        seen.push(candidate.source + ' (Java ' + (version || '?') + ')');
        if (version >= MINIMUM_JAVA) {
            return executable;
        }
    }
    const onPath = tl.which('java', false);
    if (onPath) {
        const real = fs.realpathSync(onPath);
        const version = javaMajor(path.dirname(path.dirname(real)), real);
        seen.push('java on the PATH (Java ' + (version || '?') + ')');
        if (version >= MINIMUM_JAVA) {
            return real;
        }
    }
    throw new TaskInputError('No Java ' + MINIMUM_JAVA + ' or later on this agent'
        + (seen.length ? ' (found ' + seen.join(', ') + ')' : ' (no JAVA_HOME_17_X64, JAVA_HOME or java on the PATH)')
        + ': ' + JAVA_FIX);
}

/** Runs `java -jar segura-cli.jar args…`; stdout (the ##vso commands) goes to the agent as is. */
async function runCli(java, args, env) {
    let stderr = '';
    const cli = tl.tool(java).arg(['-jar', CLI_JAR]).arg(args);
    cli.on('stderr', data => {
        stderr += data.toString();
    });
    const code = await cli.exec({ env, ignoreReturnCode: true, failOnStdErr: false });
    return { code, stderr };
}

/** The CLI's error lines, with its variable names turned into the task's input names. */
function failureMessage(code, stderr) {
    const lines = stderr.split(/\r?\n/)
        .filter(line => line.trim() && !/^segura-cli: (warning|lease|session)/.test(line))
        .map(line => line.replace(/^segura-cli: /, ''));
    let message = lines.join('\n') || ('segura-cli exited with code ' + code);
    for (const [input, variable] of Object.entries(INPUT_VARIABLES)) {
        message = message.split(variable).join("input '" + input + "'");
    }
    return message;
}

/** Where this task instance keeps its session for the post-job step: the agent's per-job temp directory. */
function stateFile() {
    const dir = tl.getVariable('Agent.TempDirectory') || os.tmpdir();
    const instance = (tl.getVariable('System.TaskInstanceId') || require('crypto').randomUUID())
        .replace(/[^A-Za-z0-9-]/g, '');
    return path.join(dir, 'segura-' + instance + '.session');
}

/** Runs `body`; any failure becomes the task result Failed with a message that says what to fix. */
async function asTask(body) {
    try {
        await body();
    } catch (e) {
        const message = e instanceof TaskInputError ? e.message : 'Segura task failed: ' + (e && e.message || e);
        tl.setResult(tl.TaskResult.Failed, message);
    }
}

module.exports = {
    STATE_VARIABLE,
    TaskInputError,
    asTask,
    brokerEnvironment,
    fetchEnvironment,
    failureMessage,
    findJava,
    runCli,
    stateFile,
};
