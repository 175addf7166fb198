// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.List;

/** Dynamic-secret engine connections (DESIGN §9 {@code dynamic}); parsed and validated now, served later. */
public record DynamicSpec(List<PostgresRole> postgresql, List<SshEngineSpec> ssh) {

    public static final DynamicSpec EMPTY = new DynamicSpec(List.of());

    public DynamicSpec {
        postgresql = List.copyOf(postgresql);
        ssh = List.copyOf(ssh);
    }

    public DynamicSpec(List<PostgresRole> postgresql) {
        this(postgresql, List.of());
    }

    /** This spec with the {@code ssh} engines (SSH certificate authorities, {@link SshEngineParser}). */
    public DynamicSpec withSsh(List<SshEngineSpec> engines) {
        return new DynamicSpec(postgresql, engines);
    }

    public record PostgresRole(
            String name, String connectionSecret, List<String> creation, List<String> revocation, SourceLocation at) {

        public PostgresRole {
            creation = List.copyOf(creation);
            revocation = List.copyOf(revocation);
        }
    }
}
