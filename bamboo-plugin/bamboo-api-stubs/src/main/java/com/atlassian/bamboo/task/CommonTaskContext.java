// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

import com.atlassian.bamboo.build.logger.BuildLogger;
import com.atlassian.bamboo.configuration.ConfigurationMap;
import com.atlassian.bamboo.v2.build.CommonContext;
import java.io.File;
import java.util.Map;

/** JENKINS-BAMBOO.md §6 [D 9.6.4]. */
public interface CommonTaskContext extends TaskIdentifier {

    BuildLogger getBuildLogger();

    CommonContext getCommonContext();

    ConfigurationMap getConfigurationMap();

    File getWorkingDirectory();

    File getRootDirectory();

    /** Nullable: the map the server's RuntimeTaskDataProvider populated for this task. */
    Map<String, String> getRuntimeTaskContext();
}
