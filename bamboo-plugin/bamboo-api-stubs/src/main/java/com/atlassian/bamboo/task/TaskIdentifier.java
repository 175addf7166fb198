// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

/** JENKINS-BAMBOO.md §6: the identifier part of CommonTaskContext. */
public interface TaskIdentifier {

    long getId();

    String getPluginKey();

    boolean isFinalising();
}
