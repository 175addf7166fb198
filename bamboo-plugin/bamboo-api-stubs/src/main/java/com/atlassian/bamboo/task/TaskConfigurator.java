// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

import com.atlassian.bamboo.collections.ActionParametersMap;
import com.atlassian.bamboo.utils.error.ErrorCollection;
import java.util.Map;

/** JENKINS-BAMBOO.md §6: the methods AbstractTaskConfigurator implements. */
public interface TaskConfigurator {

    Map<String, String> generateTaskConfigMap(ActionParametersMap params, TaskDefinition previousTaskDefinition);

    void populateContextForCreate(Map<String, Object> context);

    void populateContextForEdit(Map<String, Object> context, TaskDefinition taskDefinition);

    void validate(ActionParametersMap params, ErrorCollection errorCollection);
}
