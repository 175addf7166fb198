// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bandana;

/** JENKINS-BAMBOO.md §6: the context argument of BandanaManager. */
public interface BandanaContext {
}
