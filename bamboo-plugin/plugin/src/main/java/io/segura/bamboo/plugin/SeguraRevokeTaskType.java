// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.bamboo.task.CommonTaskContext;
import com.atlassian.bamboo.task.CommonTaskType;
import com.atlassian.bamboo.task.TaskResult;
import io.segura.bamboo.core.RevokeTask;
import io.segura.client.RetryPolicy;

/**
 * {@code <taskType key="segura-revoke">}: add it as a <em>final</em> task of every job that leases, so it runs even
 * when an earlier task failed. All behaviour is in {@link RevokeTask}.
 */
public class SeguraRevokeTaskType implements CommonTaskType {

    @Override
    public TaskResult execute(CommonTaskContext taskContext) {
        try {
            return Outcomes.result(taskContext, new RevokeTask(RetryPolicy.DEFAULT)
                    .execute(new BambooTaskRun(taskContext)));
        } catch (InterruptedException e) {
            return Outcomes.interrupted(taskContext);
        }
    }
}
