// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.collections;

/** Only getString is used: jfrog/bamboo-artifactory-plugin TaskConfigurationValidations calls params.getString(key). */
public interface ActionParametersMap {

    String getString(String key);
}
