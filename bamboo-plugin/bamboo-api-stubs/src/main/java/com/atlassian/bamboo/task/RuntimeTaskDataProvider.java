// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

import com.atlassian.bamboo.task.runtime.RuntimeTaskDefinition;
import com.atlassian.bamboo.v2.build.CommonContext;
import java.util.Map;

/**
 * JENKINS-BAMBOO.md §6 [D 9.5-12.1] (@PublicApi @ExperimentalApi); createRuntimeTaskData is a default method there
 * and not declared here because the adapter does not override it.
 */
public interface RuntimeTaskDataProvider {

    Map<String, String> populateRuntimeTaskData(TaskDefinition taskDefinition, CommonContext commonContext);

    void processRuntimeTaskData(RuntimeTaskDefinition runtimeTaskDefinition, CommonContext commonContext);
}
