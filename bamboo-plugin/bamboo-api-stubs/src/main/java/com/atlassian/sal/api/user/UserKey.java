// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.sal.api.user;

/** SAL user key (docs.atlassian.com BambooSalUserManager 7.2.4 javadoc); opaque here. */
public final class UserKey {

    private UserKey() {
    }
}
