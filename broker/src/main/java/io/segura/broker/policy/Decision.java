// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import java.util.List;
import java.util.Map;

/**
 * The gate's answer for one lease request: violations of {@code enforce} policies block it; violations of
 * {@code warn} policies are released as warnings. Several policies on a role are all evaluated; any enforce violation
 * blocks, and the warn violations are reported alongside so the caller sees everything at once.
 */
public record Decision(List<Violation> violations, List<Violation> warnings) {

    public static final Decision ALLOW = new Decision(List.of(), List.of());

    public Decision {
        violations = List.copyOf(violations);
        warnings = List.copyOf(warnings);
    }

    public boolean blocked() {
        return !violations.isEmpty();
    }

    public static List<Map<String, Object>> maps(List<Violation> list) {
        return list.stream().map(Violation::toMap).toList();
    }
}
