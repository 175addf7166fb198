// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One sync target (docs/SYNC.md): a place in a CI platform's own secret store that the broker keeps equal to vault
 * secrets. The credential is a vault path ({@code tokenSecret}), never a value in the config.
 *
 * @param platform       {@link Platform#GITLAB} (project or group CI/CD variables) or {@link Platform#AZURE_DEVOPS}
 *                       (one variable group)
 * @param url            the platform's base URL: {@code https://gitlab.com} or a self-managed GitLab root (no
 *                       {@code /api/v4}); {@code https://dev.azure.com} or an Azure DevOps Server collection URL
 * @param project        GitLab project id or full path, or the Azure DevOps project; null for a GitLab group
 * @param group          GitLab group id or full path; null otherwise
 * @param organization   Azure DevOps organization (or Server collection name); null for GitLab
 * @param variableGroup  Azure DevOps variable-group name; null for GitLab
 * @param schedule       how often drift is checked and failed mappings retried
 * @param prune          whether a variable the broker wrote and no longer maps is deleted
 */
public record SyncSpec(
        String name,
        Platform platform,
        String url,
        String project,
        String group,
        String organization,
        String variableGroup,
        String tokenSecret,
        Duration schedule,
        boolean prune,
        List<Mapping> mappings,
        SourceLocation at) {

    public SyncSpec {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(platform, "platform cannot be null");
        mappings = List.copyOf(mappings);
    }

    /** The platforms a target can be on, with their config names. */
    public enum Platform {
        GITLAB("gitlab"), AZURE_DEVOPS("azure-devops");

        private final String configName;

        Platform(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    /** The mappings that read {@code path} (at its current version, or any pinned version). */
    public boolean maps(String path) {
        return mappings.stream().anyMatch(m -> m.path().equals(path));
    }

    /**
     * One {@code path[@version] > VARIABLE} line with its options. {@code version} null follows the current version
     * (re-synced on rotation). GitLab options: {@code masked} (default true), {@code hidden} (default true, implies
     * masked, only settable when the variable is created), {@code isProtected}, {@code environmentScope} (default
     * {@code *}), {@code raw}, {@code file} (variable_type {@code file}) and {@code description}. Azure DevOps:
     * {@code secret} ({@code isSecret}, default true).
     */
    public record Mapping(String path, Integer version, String variable, boolean masked, boolean hidden,
            boolean isProtected, String environmentScope, boolean raw, boolean file, String description,
            boolean secret, SourceLocation at) {

        public Mapping {
            Objects.requireNonNull(path, "path cannot be null");
            Objects.requireNonNull(variable, "variable cannot be null");
            environmentScope = environmentScope == null ? "*" : environmentScope;
        }

        /** {@code path} or {@code path@version}, as the audit log names it. */
        public String ref() {
            return version == null ? path : path + "@" + version;
        }
    }
}
