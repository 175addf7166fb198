// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

/** Supertype named by CommonTaskType (JENKINS-BAMBOO.md §6); no member is used here. */
public interface InternalTaskType {
}
