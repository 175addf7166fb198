// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The CI platforms an issuer can be a preset of (DESIGN §3). This enum holds only the config defaults; the claim →
 * {@code ctx} mapping of each preset lives in the federation package.
 *
 * @param defaultIssuer    the platform's {@code iss} when it is the same for every tenant, else {@code null}
 *                         (the config must then name {@code issuer} or {@code issuer-pattern})
 * @param defaultAudiences audiences fixed by the platform (Azure DevOps), else empty: the config must name them
 * @param replayProtection jti single use by default (Azure DevOps: its audience is fixed, so tokens are replayable
 *                         against any other relying party)
 */
public enum Preset {
    GITHUB_ACTIONS("github-actions", "https://token.actions.githubusercontent.com", List.of(), false),
    GITLAB("gitlab", "https://gitlab.com", List.of(), false),
    AZURE_DEVOPS("azure-devops", null, List.of("api://AzureADTokenExchange"), true),
    CIRCLECI("circleci", null, List.of(), false),
    BITBUCKET("bitbucket", null, List.of(), false),
    JENKINS("jenkins", null, List.of(), false),
    KUBERNETES("kubernetes", null, List.of(), false);

    public static final List<String> DEFAULT_ALGORITHMS = List.of("RS256", "ES256");

    private final String configName;
    private final String defaultIssuer;
    private final List<String> defaultAudiences;
    private final boolean replayProtection;

    Preset(String configName, String defaultIssuer, List<String> defaultAudiences, boolean replayProtection) {
        this.configName = configName;
        this.defaultIssuer = defaultIssuer;
        this.defaultAudiences = defaultAudiences;
        this.replayProtection = replayProtection;
    }

    public String configName() {
        return configName;
    }

    public String defaultIssuer() {
        return defaultIssuer;
    }

    public List<String> defaultAudiences() {
        return defaultAudiences;
    }

    public boolean replayProtection() {
        return replayProtection;
    }

    public static Optional<Preset> byName(String name) {
        return Arrays.stream(values()).filter(p -> p.configName.equals(name)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Preset::configName).toList();
    }
}
