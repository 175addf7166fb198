// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

/** JENKINS-BAMBOO.md §6: declared by CommonTaskType.execute; never constructed here. */
public class TaskException extends Exception {

    private static final long serialVersionUID = 1L;
}
