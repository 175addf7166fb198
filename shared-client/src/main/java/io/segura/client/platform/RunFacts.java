// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects a platform's {@link Platform#describe} facts from named environment variables, under the run-context
 * keys of DESIGN §3 ({@code repository}, {@code ref}, {@code run_id}, {@code pipeline} …), in a stable order;
 * unset variables are left out. Only ever fed non-secret variables.
 */
final class RunFacts {

    private final JobEnvironment env;
    private final Map<String, String> facts = new LinkedHashMap<>();

    RunFacts(JobEnvironment env, String platform) {
        this.env = env;
        facts.put("platform", platform);
    }

    /** {@code key} = the value of the first of {@code variables} that is set (the first set key wins). */
    RunFacts from(String key, String... variables) {
        for (String variable : variables) {
            var value = env.get(variable);
            if (value.isPresent()) {
                facts.putIfAbsent(key, value.get());
                break;
            }
        }
        return this;
    }

    RunFacts value(String key, String value) {
        if (value != null && !value.isEmpty()) {
            facts.putIfAbsent(key, value);
        }
        return this;
    }

    Map<String, String> toMap() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    }
}
