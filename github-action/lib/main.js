// SPDX-License-Identifier: Apache-2.0
// The action's main step: check the inputs, find Java >= 17, get the pinned segura-cli.jar, then `fetch
// --github-action`, which masks every line and variant of each value (::add-mask::) before writing anything, exports
// the values (GITHUB_ENV, step outputs) and keeps the session in GITHUB_STATE for the post step.
'use strict';

const path = require('node:path');
const cli = require('./cli.js');

const log = (line) => process.stdout.write(`${line}\n`);

cli.stage(async () => {
  const env = process.env;
  const cliEnv = cli.cliEnvironment(env);
  const exportEnv = cli.exportEnv(env);
  const { java, major } = cli.findJava(env);
  log(`Java ${major}: ${java}`);
  const jar = await cli.ensureCli({ env, actionDir: path.join(__dirname, '..'), log });
  return cli.runCli(java, jar, ['fetch', '--github-action', `--export-env=${exportEnv}`], cliEnv);
});
