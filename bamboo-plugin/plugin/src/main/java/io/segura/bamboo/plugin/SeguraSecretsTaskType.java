// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.bamboo.task.CommonTaskContext;
import com.atlassian.bamboo.task.CommonTaskType;
import com.atlassian.bamboo.task.TaskResult;
import io.segura.bamboo.core.SecretsTask;
import io.segura.client.RetryPolicy;

/**
 * {@code <taskType key="segura-secrets">}: leases the configured secrets into masked runtime variables. A
 * {@link CommonTaskType}, so it works in build plans and deployment projects. All behaviour is in
 * {@link SecretsTask}.
 */
public class SeguraSecretsTaskType implements CommonTaskType {

    @Override
    public TaskResult execute(CommonTaskContext taskContext) {
        try {
            return Outcomes.result(taskContext, new SecretsTask(RetryPolicy.DEFAULT)
                    .execute(new BambooTaskRun(taskContext)));
        } catch (InterruptedException e) {
            return Outcomes.interrupted(taskContext);
        }
    }
}
