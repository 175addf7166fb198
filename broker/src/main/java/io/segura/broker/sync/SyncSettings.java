// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import java.time.Duration;
import org.springframework.core.env.PropertyResolver;

/**
 * Settings of the secret sync ({@code SEGURA_SYNC_*}, docs/SYNC.md). The targets themselves are in the trust YAML.
 *
 * @param pollInterval {@code SEGURA_SYNC_POLL_INTERVAL} (1 s): how often a worker looks for due jobs; a rotation on
 *                     this replica also wakes it at once
 * @param timeout      {@code SEGURA_SYNC_TIMEOUT} (20 s): connect and read timeout of one remote call
 * @param retryBase    {@code SEGURA_SYNC_RETRY_BASE} (2 s): first backoff; doubled per attempt with jitter, capped by
 *                     {@code retryMax} (5 min), never shorter than the remote's {@code Retry-After}
 * @param maxAttempts  {@code SEGURA_SYNC_MAX_ATTEMPTS} (10): after that the job is dropped; the target stays
 *                     {@code failed} and the next schedule tick tries again
 * @param claimLease   {@code SEGURA_SYNC_CLAIM_LEASE} (2 min): how long a claimed job is hidden from other replicas
 * @param concurrency  {@code SEGURA_SYNC_CONCURRENCY} (2): targets synced at once per replica
 */
public record SyncSettings(Duration pollInterval, Duration timeout, Duration retryBase, Duration retryMax,
        Integer maxAttempts, Duration claimLease, Integer concurrency) {

    public SyncSettings {
        pollInterval = pollInterval == null ? Duration.ofSeconds(1) : pollInterval;
        timeout = timeout == null ? Duration.ofSeconds(20) : timeout;
        retryBase = retryBase == null ? Duration.ofSeconds(2) : retryBase;
        retryMax = retryMax == null ? Duration.ofMinutes(5) : retryMax;
        maxAttempts = maxAttempts == null ? 10 : maxAttempts;
        claimLease = claimLease == null ? Duration.ofMinutes(2) : claimLease;
        concurrency = concurrency == null ? 2 : concurrency;
    }

    /** The settings from the environment ({@code segura.sync.*}), read directly like {@code TlsSettings#from}. */
    public static SyncSettings from(PropertyResolver env) {
        return new SyncSettings(env.getProperty("segura.sync.poll-interval", Duration.class),
                env.getProperty("segura.sync.timeout", Duration.class),
                env.getProperty("segura.sync.retry-base", Duration.class),
                env.getProperty("segura.sync.retry-max", Duration.class),
                env.getProperty("segura.sync.max-attempts", Integer.class),
                env.getProperty("segura.sync.claim-lease", Duration.class),
                env.getProperty("segura.sync.concurrency", Integer.class));
    }

    public static SyncSettings defaults() {
        return new SyncSettings(null, null, null, null, null, null, null);
    }
}
