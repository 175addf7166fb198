// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.plugin.spring.scanner.annotation.imports;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** JENKINS-BAMBOO.md §6 (spring scanner; package from public plugins that import it): a host component to inject. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface ComponentImport {
}
