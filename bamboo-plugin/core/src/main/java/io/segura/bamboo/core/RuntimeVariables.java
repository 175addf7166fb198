// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

/**
 * The job's runtime variables ({@code VariableContext.addLocalVariable} in the adapter): job-scoped, not persisted,
 * seen by later tasks as {@code ${bamboo.NAME}} and by their processes as {@code bamboo_NAME}.
 */
public interface RuntimeVariables {

    void addLocal(String name, String value);

    void removeLocal(String name);
}
