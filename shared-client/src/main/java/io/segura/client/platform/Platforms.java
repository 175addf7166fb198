// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Every known {@link Platform}, and which one the current job runs on. */
public final class Platforms {

    private Platforms() {
    }

    public static List<Platform> all() {
        return List.of(new LocalDev());
    }

    public static Optional<Platform> byName(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return all().stream().filter(p -> p.name().equals(wanted)).findFirst();
    }

    /** {@code SEGURA_PLATFORM} when set, else the first platform that detects itself, else {@link LocalDev}. */
    public static Platform detect(JobEnvironment env) {
        Optional<String> forced = env.get("SEGURA_PLATFORM");
        if (forced.isPresent()) {
            return byName(forced.get()).orElseThrow(() -> new IllegalArgumentException("SEGURA_PLATFORM \""
                    + forced.get() + "\" is not a known platform; one of "
                    + all().stream().map(Platform::name).collect(Collectors.joining(", "))));
        }
        return all().stream().filter(p -> !(p instanceof LocalDev)).filter(p -> p.detect(env)).findFirst()
                .orElseGet(LocalDev::new);
    }
}
