// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.utils.error;

/** jfrog/bamboo-artifactory-plugin TaskConfigurationValidations: errorCollection.addError(field, message). */
public interface ErrorCollection {

    void addError(String field, String message);
}
