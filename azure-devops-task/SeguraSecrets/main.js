// SPDX-License-Identifier: Apache-2.0
'use strict';

// The task's main step: `segura-cli fetch` masks every value and its variants (##vso[task.setsecret]) and sets
// one secret variable per NAME (##vso[task.setvariable …;issecret=true]); the session stays in a 0600 state file
// in the agent's temp directory, which the post-job step (post.js) revokes.

const tl = require('azure-pipelines-task-lib/task');
const launcher = require('./launcher');

launcher.asTask(async () => {
    const env = launcher.fetchEnvironment();
    const java = launcher.findJava();
    const state = launcher.stateFile();
    // Before the CLI runs: the post-job step revokes whatever session this file ends up holding.
    tl.setTaskVariable(launcher.STATE_VARIABLE, state, false);
    const run = await launcher.runCli(java, ['fetch', '--state-file', state], env);
    if (run.code !== 0) {
        tl.setResult(tl.TaskResult.Failed, launcher.failureMessage(run.code, run.stderr));
        return;
    }
    tl.setResult(tl.TaskResult.Succeeded, 'Secrets leased; they are secret variables of this job until the'
        + ' post-job step revokes the session');
});
