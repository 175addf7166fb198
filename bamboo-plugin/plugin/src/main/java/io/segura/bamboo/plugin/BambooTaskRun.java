// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.bamboo.build.logger.BuildLogger;
import com.atlassian.bamboo.task.CommonTaskContext;
import com.atlassian.bamboo.variable.VariableContext;
import io.segura.bamboo.core.BuildLog;
import io.segura.bamboo.core.GlobalSettings;
import io.segura.bamboo.core.RuntimeTaskData;
import io.segura.bamboo.core.RuntimeVariables;
import io.segura.bamboo.core.TaskRun;
import java.nio.file.Path;
import java.util.Map;

/** A Segura task's view of Bamboo's {@code CommonTaskContext}; the only place the tasks touch Bamboo types. */
final class BambooTaskRun implements TaskRun {

    private final CommonTaskContext context;

    BambooTaskRun(CommonTaskContext context) {
        this.context = context;
    }

    @Override
    public Map<String, String> configuration() {
        return context.getConfigurationMap();
    }

    /** What {@link SeguraRuntimeTaskDataProvider} shipped from the server with the job. */
    @Override
    public GlobalSettings settings() {
        return RuntimeTaskData.onAgent(context.getRuntimeTaskContext());
    }

    @Override
    public BuildLog log() {
        BuildLogger logger = context.getBuildLogger();
        return new BuildLog() {
            @Override
            public void info(String line) {
                logger.addBuildLogEntry(line);
            }

            @Override
            public void error(String line) {
                logger.addErrorLogEntry(line);
            }
        };
    }

    @Override
    public RuntimeVariables variables() {
        VariableContext variables = context.getCommonContext().getVariableContext();
        return new RuntimeVariables() {
            @Override
            public void addLocal(String name, String value) {
                variables.addLocalVariable(name, value);
            }

            @Override
            public void removeLocal(String name) {
                variables.removeLocalVariable(name);
            }
        };
    }

    @Override
    public Path workingDirectory() {
        return context.getWorkingDirectory().toPath();
    }
}
