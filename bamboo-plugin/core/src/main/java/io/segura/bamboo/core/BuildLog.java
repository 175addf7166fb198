// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

/**
 * The job's build log ({@code BuildLogger} in the adapter). The core writes only paths, versions, variable names,
 * lease ids and the broker's reasons to it — never a value, a session token or a client secret.
 */
public interface BuildLog {

    void info(String line);

    void error(String line);
}
