// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.specs;

import com.atlassian.bamboo.specs.api.builders.task.Task;
import com.atlassian.bamboo.specs.api.model.AtlassianModuleProperties;
import com.atlassian.bamboo.specs.api.model.task.AnyTaskProperties;
import io.segura.bamboo.core.PluginKeys;
import java.util.Map;

/**
 * The "Segura: revoke" task in Bamboo Java Specs; put it in the job's {@code finalTasks(…)} so it runs even when an
 * earlier task failed. {@link AnyTaskProperties} underneath, as {@link SeguraSecretsTask} explains.
 */
public class SeguraRevokeTask extends Task<SeguraRevokeTask, AnyTaskProperties> {

    public SeguraRevokeTask() {
        description("Segura: revoke");
    }

    @Override
    protected AnyTaskProperties build() {
        return new AnyTaskProperties(new AtlassianModuleProperties(PluginKeys.module(PluginKeys.REVOKE_TASK)),
                description, taskEnabled, Map.of(), requirements, conditions);
    }
}
