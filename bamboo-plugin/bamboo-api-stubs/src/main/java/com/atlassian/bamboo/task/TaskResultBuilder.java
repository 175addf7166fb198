// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task;

/** JENKINS-BAMBOO.md §6 [D]. */
public class TaskResultBuilder {

    public static TaskResultBuilder newBuilder(CommonTaskContext taskContext) {
        throw new UnsupportedOperationException("compile-check declaration");
    }

    public TaskResultBuilder success() {
        throw new UnsupportedOperationException("compile-check declaration");
    }

    public TaskResultBuilder failed() {
        throw new UnsupportedOperationException("compile-check declaration");
    }

    public TaskResultBuilder failedWithError() {
        throw new UnsupportedOperationException("compile-check declaration");
    }

    public TaskResult build() {
        throw new UnsupportedOperationException("compile-check declaration");
    }
}
