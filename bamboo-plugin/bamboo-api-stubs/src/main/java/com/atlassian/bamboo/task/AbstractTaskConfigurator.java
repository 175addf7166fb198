// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

import com.atlassian.bamboo.collections.ActionParametersMap;
import com.atlassian.bamboo.utils.error.ErrorCollection;
import java.util.Map;

/** JENKINS-BAMBOO.md §6 [D]: subclasses call super, then add their keys. */
public abstract class AbstractTaskConfigurator implements TaskConfigurator {

    protected TaskConfiguratorHelper taskConfiguratorHelper;

    @Override
    public Map<String, String> generateTaskConfigMap(ActionParametersMap params,
            TaskDefinition previousTaskDefinition) {
        throw new UnsupportedOperationException("compile-check declaration");
    }

    @Override
    public void populateContextForCreate(Map<String, Object> context) {
        throw new UnsupportedOperationException("compile-check declaration");
    }

    @Override
    public void populateContextForEdit(Map<String, Object> context, TaskDefinition taskDefinition) {
        throw new UnsupportedOperationException("compile-check declaration");
    }

    @Override
    public void validate(ActionParametersMap params, ErrorCollection errorCollection) {
        throw new UnsupportedOperationException("compile-check declaration");
    }
}
