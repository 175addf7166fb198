// SPDX-License-Identifier: Apache-2.0
// Build-time check: each action metadata file given must pass the published action metadata schema, through the
// validator of @action-validator/cli (npm; versions pinned by package-lock.json). Its bundled schema (SchemaStore's
// github-action.json as of 0.6.0) predates `runs.using: node24` and lists node12/16/20 only; GitHub runs node24 since
// runner 2.327 (PLATFORMS.md §1.5). So a `using: node24` line is read as node20, the one value the schema does not
// know yet, and everything else (keys, inputs, outputs, runs.main/post/post-if, branding) is checked as written.
import fs from 'node:fs';
import * as validator from '@action-validator/core';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs action.yml [more/action.yml …]');
  process.exit(2);
}
let failed = false;
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const node24 = /^(\s+using:\s*)['"]?node24['"]?\s*$/m;
  const result = validator.validateAction(text.replace(node24, '$1node20'));
  if (result.actionType !== 'action' || result.errors.length > 0) {
    console.error(`${file}: not a valid action metadata file\n${JSON.stringify(result, null, 2)}`);
    failed = true;
  } else {
    console.log(`${file}: valid action metadata (published schema, @action-validator/core)`);
  }
}
process.exit(failed ? 1 : 0);
