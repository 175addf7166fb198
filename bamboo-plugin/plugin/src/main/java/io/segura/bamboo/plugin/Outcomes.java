// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.bamboo.task.CommonTaskContext;
import com.atlassian.bamboo.task.TaskResult;
import com.atlassian.bamboo.task.TaskResultBuilder;
import io.segura.bamboo.core.TaskOutcome;

/** Maps the core's outcome onto Bamboo's task result; the reason is already in the build log. */
final class Outcomes {

    private Outcomes() {
    }

    static TaskResult result(CommonTaskContext context, TaskOutcome outcome) {
        TaskResultBuilder b = TaskResultBuilder.newBuilder(context);
        return (outcome == TaskOutcome.SUCCESS ? b.success() : b.failed()).build();
    }

    /** The agent is stopping the build: fail the task with a line, not a stack trace. */
    static TaskResult interrupted(CommonTaskContext context) {
        Thread.currentThread().interrupt();
        context.getBuildLogger().addErrorLogEntry("Segura: interrupted (the build was stopped); the final task"
                + " \"Segura: revoke\" ends any session this job opened.");
        return TaskResultBuilder.newBuilder(context).failed().build();
    }
}
