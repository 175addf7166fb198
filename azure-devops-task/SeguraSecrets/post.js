// SPDX-License-Identifier: Apache-2.0
'use strict';

// The task's post-job step (task.json `postjobexecution`): the agent runs it when the job ends, whatever the job's
// result. `segura-cli revoke` ends the session and every lease it holds; a session that already expired is not an
// error, and a main step that failed before leasing leaves nothing to revoke.

const fs = require('fs');
const tl = require('azure-pipelines-task-lib/task');
const launcher = require('./launcher');

launcher.asTask(async () => {
    const state = tl.getTaskVariable(launcher.STATE_VARIABLE);
    // No state file: the main step failed before leasing (its CLI revoked whatever it had begun).
    if (!state || !fs.existsSync(state)) {
        tl.setResult(tl.TaskResult.Succeeded, 'No Segura session to revoke (the main step did not lease)');
        return;
    }
    const env = launcher.brokerEnvironment();
    const java = launcher.findJava();
    const run = await launcher.runCli(java, ['revoke', '--state-file', state], env);
    if (run.code !== 0) {
        tl.setResult(tl.TaskResult.Failed, 'The Segura session was not revoked (it ends at its TTL): '
            + launcher.failureMessage(run.code, run.stderr));
        return;
    }
    tl.setResult(tl.TaskResult.Succeeded, 'Segura session and its leases revoked');
});
