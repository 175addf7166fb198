// SPDX-License-Identifier: Apache-2.0
// Build check of the packed orb (target/orb.yml) with CircleCI's config SDK and its parser package
// (@circleci/circleci-config-parser, built on @circleci/circleci-config-sdk; versions pinned by package-lock.json):
//  1. the orb's manifest (every command's, job's and executor's parameters) parses as an orb import manifest;
//  2. its executors, commands and jobs parse (JSON-schema validated) as the components of a config;
//  3. every example's usage parses as a config importing the orb with that manifest (an unknown orb command, job or
//     executor fails), and regenerates with the SDK;
//  4. every use of the orb in an example passes only parameters the component declares, and all its required ones
//     (the parser resolves orb references but does not check their parameters).
// Exit 1 with the reason on the first failure.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const parser = require('@circleci/circleci-config-parser');

const WORKFLOW_JOB_KEYS = new Set(['requires', 'context', 'filters', 'name', 'matrix', 'type', 'pre-steps',
  'post-steps', 'serial-group']);

function fail(message) {
  console.error(`parse-orb: ${message}`);
  process.exit(1);
}

const file = process.argv[2];
if (!file) {
  fail('usage: node parse-orb.mjs ORB_YML');
}
const orb = YAML.parse(readFileSync(file, 'utf8'));
const parametersOf = (section) => Object.fromEntries(
  Object.entries(orb[section] ?? {}).map(([name, component]) => [name, component.parameters ?? {}]));

let manifest;
const counts = {};
try {
  manifest = parser.parseOrbManifest({
    commands: parametersOf('commands'), jobs: parametersOf('jobs'), executors: parametersOf('executors'),
  });
  const executors = parser.parseReusableExecutors(orb.executors ?? {});
  const commands = parser.parseReusableCommands(orb.commands ?? {});
  const jobs = parser.parseJobList(orb.jobs ?? {}, commands, executors);
  Object.assign(counts, { executors: executors.length, commands: commands.length, jobs: jobs.length });
} catch (e) {
  fail(`${file}: ${e.message}`);
}

function checkUse(example, kind, ref, args) {
  const [alias, name] = ref.split('/');
  const declared = orb[kind]?.[name]?.parameters ?? {};
  const given = Object.keys(args ?? {}).filter((k) => kind !== 'jobs' || !WORKFLOW_JOB_KEYS.has(k));
  for (const key of given) {
    if (!(key in declared)) {
      fail(`example ${example}: ${alias}/${name} has no parameter '${key}' (it has: ${Object.keys(declared).join(', ')})`);
    }
  }
  for (const [key, spec] of Object.entries(declared)) {
    if (!('default' in spec) && !given.includes(key)) {
      fail(`example ${example}: ${alias}/${name} needs parameter '${key}'`);
    }
  }
}

const examples = Object.entries(orb.examples ?? {});
if (examples.length === 0) {
  fail(`${file} has no examples`);
}
for (const [name, example] of examples) {
  const usage = example.usage;
  const aliases = Object.keys(usage?.orbs ?? {});
  if (aliases.length !== 1) {
    fail(`example ${name}: usage.orbs must import this orb (and only it), found ${aliases.join(', ') || 'none'}`);
  }
  const alias = aliases[0];
  let config;
  try {
    config = parser.parseConfig(usage, { [alias]: manifest });
    config.stringify();
  } catch (e) {
    fail(`example ${name}: ${e.message}`);
  }
  const mine = (ref) => typeof ref === 'string' && ref.startsWith(`${alias}/`);
  for (const job of Object.values(usage.jobs ?? {})) {
    const executor = job.executor;
    if (mine(executor)) checkUse(name, 'executors', executor, {});
    if (executor && mine(executor.name)) {
      const { name: ref, ...args } = executor;
      checkUse(name, 'executors', ref, args);
    }
    for (const step of job.steps ?? []) {
      if (mine(step)) checkUse(name, 'commands', step, {});
      else if (step && typeof step === 'object') {
        const [ref, args] = Object.entries(step)[0];
        if (mine(ref)) checkUse(name, 'commands', ref, args);
      }
    }
  }
  for (const workflow of Object.values(usage.workflows ?? {})) {
    for (const job of workflow.jobs ?? []) {
      if (mine(job)) checkUse(name, 'jobs', job, {});
      else if (job && typeof job === 'object') {
        const [ref, args] = Object.entries(job)[0];
        if (mine(ref)) checkUse(name, 'jobs', ref, args);
      }
    }
  }
}
console.log(`parse-orb: ${file}: ${counts.commands} commands, ${counts.jobs} jobs, ${counts.executors} executors`
  + ` and ${examples.length} examples parsed by @circleci/circleci-config-parser`);
