// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.variable;

/** JENKINS-BAMBOO.md §6 (@PublicApi): local variables are job-scoped and not persisted (since 5.7). */
public interface VariableContext {

    void addLocalVariable(String key, String value);

    void removeLocalVariable(String key);
}
