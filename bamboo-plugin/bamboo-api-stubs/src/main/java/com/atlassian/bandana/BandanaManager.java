// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bandana;

/** JENKINS-BAMBOO.md §6 [C develocity PersistentConfigurationManager, jfrog ServerConfigManager]. */
public interface BandanaManager {

    Object getValue(BandanaContext context, String key);

    void setValue(BandanaContext context, String key, Object value);
}
