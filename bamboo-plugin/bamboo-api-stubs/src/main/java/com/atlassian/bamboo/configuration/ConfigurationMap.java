// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.configuration;

import java.util.Map;

/** docs.atlassian.com atlassian-bamboo 5.9.0 javadoc: "public interface ConfigurationMap extends Map<String,String>". */
public interface ConfigurationMap extends Map<String, String> {
}
