// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.bamboo.task.RuntimeTaskDataProvider;
import com.atlassian.bamboo.task.TaskDefinition;
import com.atlassian.bamboo.task.runtime.RuntimeTaskDefinition;
import com.atlassian.bamboo.v2.build.CommonContext;
import io.segura.bamboo.core.RuntimeTaskData;
import java.util.Map;
import javax.inject.Inject;

/**
 * Runs on the server when a job is dispatched: tasks run on (remote) agents, which cannot read the server's settings,
 * so the broker URL and the secret of the one client the task uses travel with the job ({@link RuntimeTaskData}).
 */
public class SeguraRuntimeTaskDataProvider implements RuntimeTaskDataProvider {

    private final SettingsStore settings;

    @Inject
    public SeguraRuntimeTaskDataProvider(SettingsStore settings) {
        this.settings = settings;
    }

    @Override
    public Map<String, String> populateRuntimeTaskData(TaskDefinition taskDefinition, CommonContext commonContext) {
        return RuntimeTaskData.forAgent(settings.load(), taskDefinition.getConfiguration());
    }

    @Override
    public void processRuntimeTaskData(RuntimeTaskDefinition runtimeTaskDefinition, CommonContext commonContext) {
        // nothing kept on the server to clean up
    }
}
