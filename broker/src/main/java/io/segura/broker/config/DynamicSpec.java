// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.List;

/** Dynamic-secret engine connections (DESIGN §9 {@code dynamic}); parsed and validated now, served later. */
public record DynamicSpec(List<PostgresRole> postgresql) {

    public static final DynamicSpec EMPTY = new DynamicSpec(List.of());

    public DynamicSpec {
        postgresql = List.copyOf(postgresql);
    }

    public record PostgresRole(
            String name, String connectionSecret, List<String> creation, List<String> revocation, SourceLocation at) {

        public PostgresRole {
            creation = List.copyOf(creation);
            revocation = List.copyOf(revocation);
        }
    }
}
