// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.build.logger;

/** JENKINS-BAMBOO.md §6 [D]. */
public interface BuildLogger {

    String addBuildLogEntry(String logString);

    String addErrorLogEntry(String logString);
}
