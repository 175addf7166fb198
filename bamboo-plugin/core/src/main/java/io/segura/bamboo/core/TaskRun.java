// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import java.nio.file.Path;
import java.util.Map;

/** One execution of a Segura task on an agent, as the adapter sees it in Bamboo's {@code CommonTaskContext}. */
public interface TaskRun {

    /** The task's configuration map (field → value), after Bamboo's variable substitution. */
    Map<String, String> configuration();

    /** The administrator's global settings, as shipped to this agent (see {@link RuntimeTaskData}). */
    GlobalSettings settings();

    BuildLog log();

    RuntimeVariables variables();

    /** The job's working directory, shared by all its tasks on this agent. */
    Path workingDirectory();
}
