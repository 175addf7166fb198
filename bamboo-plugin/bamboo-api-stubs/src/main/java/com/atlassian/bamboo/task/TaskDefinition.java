// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

import java.util.Map;

/** JENKINS-BAMBOO.md §6. */
public interface TaskDefinition {

    Map<String, String> getConfiguration();

    String getPluginKey();
}
