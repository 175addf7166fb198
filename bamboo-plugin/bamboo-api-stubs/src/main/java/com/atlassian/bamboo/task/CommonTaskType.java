// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

/** JENKINS-BAMBOO.md §6 [D 9.4.1]: usable in build plans and deployment projects. */
public interface CommonTaskType extends InternalTaskType {

    TaskResult execute(CommonTaskContext taskContext) throws TaskException;
}
