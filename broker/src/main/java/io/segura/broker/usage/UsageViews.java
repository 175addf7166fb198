// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import java.time.Instant;
import java.util.List;

/** The answers of the usage views (DESIGN §5 "Usage"): paths, versions, run contexts and times — never a value. */
public final class UsageViews {

    private UsageViews() {
    }

    /** How often one version was leased in a window, and when first and last. */
    public record VersionUsage(int version, long uses, Instant firstUsed, Instant lastUsed) {
    }

    /**
     * How often one run context leased one version in a window, and when first and last.
     *
     * @param contextId the run context's key ({@link UsageContext#id()})
     */
    public record ContextUsage(int version, String contextId, UsageContext context, long uses, Instant firstUsed,
            Instant lastUsed) {
    }

    /**
     * One page of a secret's usage: per version (on the first page only) and per version and run context, the latest
     * version first and, within a version, the most recently used context first.
     *
     * @param next the cursor of the next page, or {@code null} on the last page
     */
    public record SecretUsage(String path, int currentVersion, UsageWindow window, List<VersionUsage> versions,
            List<ContextUsage> contexts, String next) {
        public SecretUsage {
            versions = versions == null ? null : List.copyOf(versions);
            contexts = List.copyOf(contexts);
        }
    }

    /**
     * A secret nobody leased since {@code cutoff} ({@code lastUsed} is {@code null} when it was never leased).
     */
    public record StaleSecret(String path, int currentVersion, Instant createdAt, Instant updatedAt,
            Instant lastUsed) {
    }

    /** @param next the cursor of the next page, or {@code null} on the last page */
    public record StalePage(Instant cutoff, List<StaleSecret> secrets, String next) {
        public StalePage {
            secrets = List.copyOf(secrets);
        }
    }

    /**
     * A run context that leased a version which was not the latest when it leased it (it pinned {@code @version}).
     *
     * @param latestWhenLeased the newest current version seen by those leases
     * @param latestVersion    the secret's current version now
     */
    public record PinnedUsage(String path, int version, int latestWhenLeased, int latestVersion, String contextId,
            UsageContext context, long uses, Instant firstUsed, Instant lastUsed) {
    }

    /** @param next the cursor of the next page, or {@code null} on the last page */
    public record PinnedPage(UsageWindow window, List<PinnedUsage> pinned, String next) {
        public PinnedPage {
            pinned = List.copyOf(pinned);
        }
    }
}
