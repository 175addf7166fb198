// SPDX-License-Identifier: Apache-2.0
// The action's post step (post-if: always()): revokes the session the main step kept in GITHUB_STATE (back here as
// STATE_SEGURA_SESSION) and with it every lease, whatever the job's result. No session (the main step failed before
// it got one) is not an error and needs neither Java nor the jar.
'use strict';

const path = require('node:path');
const cli = require('./cli.js');

const log = (line) => process.stdout.write(`${line}\n`);

cli.stage(async () => {
  const env = process.env;
  if (!env.STATE_SEGURA_SESSION) {
    log('Segura: no session to revoke (the main step did not get one)');
    return 0;
  }
  const cliEnv = cli.cliEnvironment(env, { requireUrl: false });
  const { java } = cli.findJava(env);
  const jar = await cli.ensureCli({ env, actionDir: path.join(__dirname, '..'), log });
  return cli.runCli(java, jar, ['revoke'], cliEnv);
});
