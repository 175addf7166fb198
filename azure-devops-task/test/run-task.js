// SPDX-License-Identifier: Apache-2.0
'use strict';

// One task run under task-lib's mock runner (azure-pipelines-task-lib/mock-run): the case, as JSON in
// SEGURA_TEST_CASE, gives the stage (main.js or post.js), the task inputs and the answers for the tool runs, so
// `java -jar segura-cli.jar …` is answered instead of run. task.test.js drives it through MockTestRunner.

const path = require('path');
const tmrm = require('azure-pipelines-task-lib/mock-run');

const testCase = JSON.parse(process.env.SEGURA_TEST_CASE);
const runner = new tmrm.TaskMockRunner(path.join(testCase.taskDir, testCase.stage + '.js'));
for (const [name, value] of Object.entries(testCase.inputs || {})) {
    runner.setInput(name, value);
}
runner.setAnswers(testCase.answers || {});
runner.run();
