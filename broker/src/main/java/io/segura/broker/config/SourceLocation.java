// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

/**
 * Where a value came from in the trust config, so every error and lint warning can name file, line and column.
 * Lines and columns are 1-based; {@code 0} means unknown (e.g. a value synthesised by a preset).
 */
public record SourceLocation(String file, int line, int column) {

    public static final SourceLocation UNKNOWN = new SourceLocation("<none>", 0, 0);

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ":" + column : file;
    }
}
