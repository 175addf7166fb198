// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.sal.api.user;

/** The two SAL methods the admin servlet uses (docs.atlassian.com BambooSalUserManager 7.2.4 javadoc). */
public interface UserManager {

    UserKey getRemoteUserKey(javax.servlet.http.HttpServletRequest request);

    boolean isSystemAdmin(UserKey userKey);
}
