// SPDX-License-Identifier: Apache-2.0
// Writes the action's checksum pin, dist/segura-cli.sha256 ("<sha256>  segura-cli.jar", sha256sum's format), from a
// segura-cli.jar: the Maven build from the jar it built, the release workflow from the jar it attaches to the release.
// Usage: node scripts/write-pin.js path/to/segura-cli.jar [dist/segura-cli.sha256]
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const [jar, out = path.join(__dirname, '..', 'dist', 'segura-cli.sha256')] = process.argv.slice(2);
if (!jar) {
  console.error('usage: node scripts/write-pin.js path/to/segura-cli.jar [dist/segura-cli.sha256]');
  process.exit(2);
}
const hex = crypto.createHash('sha256').update(fs.readFileSync(jar)).digest('hex');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${hex}  segura-cli.jar\n`);
console.log(`${out}: ${hex} (${jar})`);
