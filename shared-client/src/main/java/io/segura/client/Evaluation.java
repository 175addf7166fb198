// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer of {@code POST /api/v2/policy/evaluate} (DESIGN §5), a dry run of exchange + lease.
 *
 * @param decision   {@code allow}, {@code warn} or {@code deny} as the broker words it
 * @param roleChecks {@code {claim, expected, actual, ok}} per bound claim
 * @param violations the gate's violations
 * @param warnings   warnings (e.g. a {@code mode: warn} policy)
 */
public record Evaluation(String decision, List<Map<String, Object>> roleChecks, List<Map<String, Object>> violations,
        List<String> warnings) {

    public Evaluation {
        Objects.requireNonNull(decision, "decision cannot be null");
        roleChecks = List.copyOf(roleChecks);
        violations = List.copyOf(violations);
        warnings = List.copyOf(warnings);
    }

    /** Whether the secrets would be released: no failed role check and no enforced violation. */
    public boolean allowed() {
        String d = decision.toLowerCase(java.util.Locale.ROOT);
        return d.equals("allow") || d.equals("allowed") || d.equals("warn") || d.equals("permit");
    }
}
