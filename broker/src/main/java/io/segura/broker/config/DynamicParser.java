// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads {@code dynamic}: engine connections for dynamic secrets, parsed and validated now, served later. */
final class DynamicParser {

    static final Set<String> KEYS = Set.of("postgresql", "ssh");
    static final Set<String> POSTGRES_KEYS = Set.of("name", "connection-secret", "creation", "revocation");

    private DynamicParser() {
    }

    static DynamicSpec parse(YamlMap m, NameRegistry names) {
        Problems p = m.problems();
        List<DynamicSpec.PostgresRole> roles = new ArrayList<>();
        for (YamlMap r : m.maps("postgresql", POSTGRES_KEYS)) {
            String name = r.string("name", true);
            names.register(r, "name", name);
            String connection = r.string("connection-secret", true);
            if (connection != null && (connection.length() > ConfigSyntax.MAX_SECRET_PATH
                    || !ConfigSyntax.SECRET_PATH.matcher(connection).matches())) {
                p.add(r.value("connection-secret"), r.path("connection-secret"), "`" + connection
                        + "` is not a secret path (segments of a-z 0-9 . _ - separated by /, no globs)");
            }
            r.required("creation");
            r.required("revocation");
            List<String> creation = r.strings("creation", true);
            List<String> revocation = r.strings("revocation", true);
            if (name != null && connection != null && creation != null && revocation != null) {
                roles.add(new DynamicSpec.PostgresRole(name, connection, creation, revocation, r.at()));
            }
        }
        return new DynamicSpec(roles).withSsh(SshEngineParser.parse(m));
    }
}
