// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The names of one config section: checks their syntax and uniqueness, and answers reference checks. */
final class NameRegistry {

    private final Map<String, SourceLocation> seen = new LinkedHashMap<>();

    /** Registers the name under {@code m.nameKey}; reports an invalid or duplicate name. */
    void register(YamlMap m, String nameKey, String name) {
        if (name == null) {
            return;
        }
        if (!ConfigSyntax.NAME.matcher(name).matches()) {
            m.problems().add(m.at(nameKey), m.path(nameKey), "`" + abbreviate(name) + "` is not a valid name "
                    + "(1 to 63 of a-z, 0-9 and -, starting with a letter or digit)");
        } else if (seen.containsKey(name)) {
            m.problems().add(m.at(nameKey), m.path(nameKey), "duplicate name `" + name + "`, first defined at "
                    + seen.get(name));
        } else {
            seen.put(name, m.at(nameKey));
        }
    }

    Set<String> names() {
        return Set.copyOf(seen.keySet());
    }

    private static String abbreviate(String s) {
        return s.length() <= 70 ? s : s.substring(0, 70) + "…";
    }
}
