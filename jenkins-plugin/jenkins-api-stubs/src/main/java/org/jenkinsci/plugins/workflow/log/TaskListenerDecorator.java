// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/workflow-api-plugin). Never shipped, never run.
package org.jenkinsci.plugins.workflow.log;

import hudson.console.ConsoleLogFilter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;

public abstract class TaskListenerDecorator implements Serializable {
    public abstract OutputStream decorate(OutputStream logger) throws IOException, InterruptedException;

    public static TaskListenerDecorator merge(TaskListenerDecorator original, TaskListenerDecorator subsequent) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public static TaskListenerDecorator fromConsoleLogFilter(ConsoleLogFilter filter) {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
