// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

import com.atlassian.bamboo.collections.ActionParametersMap;
import java.util.Map;

/** JENKINS-BAMBOO.md §6: the field AbstractTaskConfigurator.taskConfiguratorHelper. */
public interface TaskConfiguratorHelper {

    void populateContextWithConfiguration(Map<String, Object> context, TaskDefinition taskDefinition,
            Iterable<String> keys);

    void populateTaskConfigMapWithActionParameters(Map<String, String> config, ActionParametersMap params,
            Iterable<String> keys);
}
