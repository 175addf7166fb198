// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.v2.build;

import com.atlassian.bamboo.variable.VariableContext;

/** JENKINS-BAMBOO.md §6 [D 9.3/9.6]: only getVariableContext is used. */
public interface CommonContext {

    VariableContext getVariableContext();
}
