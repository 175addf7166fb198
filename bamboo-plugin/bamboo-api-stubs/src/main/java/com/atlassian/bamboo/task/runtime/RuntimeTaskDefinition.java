// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.task.runtime;

/** Package from jfrog/bamboo-artifactory-plugin and gradle/develocity-bamboo-plugin imports; no member is used. */
public interface RuntimeTaskDefinition {
}
