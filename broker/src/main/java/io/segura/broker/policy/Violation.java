// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One broken rule of a deployment policy, as the caller, the audit record and the CLI's table show it.
 *
 * @param rule    {@code outdated}, {@code exposed}, {@code outdated-version}, {@code freeze-window} or
 *                {@code condition}
 * @param policy  the policy's name
 * @param path    the secret the rule is about, or {@code null} for rules about the request (freeze, deny-if)
 * @param version the version that would have been leased, or {@code null}
 * @param detail  caller-safe text, e.g. {@code rotated 97 days ago; limit 90 days}
 */
public record Violation(String rule, String policy, String path, Integer version, String detail) {

    public static final String OUTDATED = "outdated";
    public static final String EXPOSED = "exposed";
    public static final String OUTDATED_VERSION = "outdated-version";
    public static final String FREEZE_WINDOW = "freeze-window";
    public static final String CONDITION = "condition";

    public Violation {
        Objects.requireNonNull(rule, "rule cannot be null");
        Objects.requireNonNull(policy, "policy cannot be null");
        Objects.requireNonNull(detail, "detail cannot be null");
    }

    /** The JSON shape of problem {@code violations}, lease {@code warnings} and audit details. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", rule);
        m.put("policy", policy);
        m.put("path", path);
        m.put("version", version);
        m.put("detail", detail);
        return m;
    }

    /** One line for a lease's {@code warnings} list of strings. */
    public String render() {
        return "policy " + policy + ": " + rule + (path == null ? "" : " " + path + (version == null ? "" : "@"
                + version)) + ": " + detail;
    }
}
