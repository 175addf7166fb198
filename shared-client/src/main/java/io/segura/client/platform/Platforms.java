// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The platform adapters and how the one a job runs on is chosen: {@code SEGURA_PLATFORM} names it explicitly,
 * otherwise the first adapter (in {@link #all()} order) that detects itself, otherwise {@link LocalDev}.
 *
 * <p>Order matters where environments overlap: the hosted CI systems are checked before Tekton, whose Kubernetes
 * signal ({@code KUBERNETES_SERVICE_HOST}) is also present in GitLab, Jenkins or Bamboo jobs running on Kubernetes.
 */
public final class Platforms {

    private Platforms() {
    }

    /** Every CI adapter in detection order (not {@link LocalDev}, which is never detected). */
    public static List<Platform> all() {
        return List.of(new GitHubActions(), new AzureDevOps(), new GitLabCi(), new CircleCi(), new Bitbucket(),
                new Jenkins(), new Bamboo(), new Tekton());
    }

    /**
     * The adapter named {@code name} (case-insensitive); also {@code local} for {@link LocalDev} and
     * {@code kubernetes} for Tekton.
     */
    public static Optional<Platform> byName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        if (wanted.equals(LocalDev.NAME)) {
            return Optional.of(new LocalDev());
        }
        if (wanted.equals("kubernetes")) {
            wanted = Tekton.NAME;
        }
        for (Platform platform : all()) {
            if (platform.name().equals(wanted)) {
                return Optional.of(platform);
            }
        }
        return Optional.empty();
    }

    /**
     * The platform of the job in {@code env}.
     *
     * @throws IllegalArgumentException when {@code SEGURA_PLATFORM} names no platform (the message lists them)
     */
    public static Platform detect(JobEnvironment env) {
        var forced = env.get("SEGURA_PLATFORM");
        if (forced.isPresent()) {
            return byName(forced.get()).orElseThrow(() -> new IllegalArgumentException("SEGURA_PLATFORM=\""
                    + forced.get() + "\" names no platform; use one of " + names()));
        }
        for (Platform platform : all()) {
            if (platform.detect(env)) {
                return platform;
            }
        }
        return new LocalDev();
    }

    private static String names() {
        return all().stream().map(Platform::name).collect(Collectors.joining(", ")) + ", " + LocalDev.NAME;
    }
}
