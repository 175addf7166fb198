// SPDX-License-Identifier: Apache-2.0
'use strict';

// `tfx extension create` on the staged extension (target/extension: the manifests, the task folder with its
// production node_modules and the CLI jar), as the Maven build's package step. tfx only warns about an invalid
// task.json ("In the future, this warning will be treated as an error") and still writes the .vsix; this build
// treats every warning as the error it will become.
//
//   node build/package.js <staged extension dir> <output .vsix>

const cp = require('child_process');
const fs = require('fs');
const path = require('path');

const [root, output] = process.argv.slice(2);
if (!root || !output) {
    console.error('usage: node build/package.js <staged extension dir> <output .vsix>');
    process.exit(2);
}
const tfx = require.resolve('tfx-cli/_build/tfx-cli.js');
fs.rmSync(output, { force: true });
const run = cp.spawnSync(process.execPath, [tfx, 'extension', 'create', '--root', root,
    '--manifest-globs', 'vss-extension.json', '--output-path', output, '--no-prompt', '--no-color'],
    { cwd: root, encoding: 'utf8' });
process.stdout.write(run.stdout || '');
process.stderr.write(run.stderr || '');
const warnings = (run.stdout + run.stderr).split('\n').filter(line => /^\s*(warning|error)\b/i.test(line));
if (run.status !== 0 || warnings.length > 0 || !fs.existsSync(output)) {
    console.error('tfx extension create did not produce a clean .vsix (exit ' + run.status + ', '
        + warnings.length + ' warning(s)): fix vss-extension.json or ' + path.join('SeguraSecrets', 'task.json'));
    process.exit(1);
}
console.log('packaged ' + output);
