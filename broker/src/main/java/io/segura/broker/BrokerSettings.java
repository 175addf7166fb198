// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings that come from the environment (DESIGN §9): {@code SEGURA_CONFIG}, {@code SEGURA_DATABASE_URL},
 * {@code SEGURA_MASTER_KEY} / {@code SEGURA_MASTER_KEY_FILE}, {@code SEGURA_ADMIN_TOKEN} bind here through Spring's
 * relaxed binding. Trust itself (issuers, roles, policies) lives in the YAML file named by {@code config}.
 *
 * @param sweepInterval how often the lease expiry sweeper and the audit chainer run
 * @param tokenRatePerIp    sustained {@code /oauth2/token} requests per second per client IP (per replica)
 * @param tokenRatePerSubject sustained exchanges per second per token subject (per replica)
 * @param exposureWebhookSecret {@code SEGURA_EXPOSURE_WEBHOOK_SECRET}: the HMAC key secret scanners sign
 *                    {@code POST /api/v2/webhooks/exposures} with (at least 32 characters); unset = the intake is closed
 * @param exposureWebhookRatePerIp {@code SEGURA_EXPOSURE_WEBHOOK_RATE_PER_IP} (2): sustained webhook deliveries per
 *                    second per client IP, bursts of twice that (per replica); checked before the signature
 * @param databaseTimeout {@code SEGURA_DATABASE_TIMEOUT} (10 s): PostgreSQL's {@code lock_timeout} for the broker's
 *                    sessions, and how long the broker waits for a batched database conversation (a group commit, a
 *                    grouped read) before it answers 503; an abandoned transaction is ended by PostgreSQL after half
 *                    this, at least 1 s ({@code idle_in_transaction_session_timeout})
 * @param requestTimeout {@code SEGURA_REQUEST_TIMEOUT} (25 s, under the shared client's 30 s): a request not answered
 *                    by then gets a 503 with {@code Retry-After}; the multi-page admin operations (audit verify, bulk
 *                    lease revocation) are bounded per statement instead
 * @param masterKeyPrevious {@code SEGURA_MASTER_KEY_PREVIOUS}: retired master keys (base64, comma or whitespace
 *                    separated) that still open versions a master-key rotation has not re-wrapped yet
 * @param masterKeyPreviousFile {@code SEGURA_MASTER_KEY_PREVIOUS_FILE}: the same, one key per line in a file
 * @param rekeyPageSize {@code SEGURA_REKEY_PAGE_SIZE} (100, 1..1000): versions re-wrapped per transaction by a
 *                    master-key rotation; smaller pages hold row locks for less time
 * @param rekeyClaimTtl {@code SEGURA_REKEY_CLAIM_TTL} (30 s): how long a rotation's claim outlives its last page;
 *                    after a worker dies, another replica resumes the job once this has passed
 */
@ConfigurationProperties("segura")
public record BrokerSettings(
        String config,
        String databaseUrl,
        String masterKey,
        String masterKeyFile,
        String adminToken,
        boolean dev,
        String devIssuerUrl,
        Duration sweepInterval,
        Integer databasePoolSize,
        Double tokenRatePerIp,
        Double tokenRatePerSubject,
        String exposureWebhookSecret,
        Double exposureWebhookRatePerIp,
        Duration databaseTimeout,
        Duration requestTimeout,
        String masterKeyPrevious,
        String masterKeyPreviousFile,
        Integer rekeyPageSize,
        Duration rekeyClaimTtl) {

    public BrokerSettings {
        sweepInterval = sweepInterval == null ? Duration.ofSeconds(1) : sweepInterval;
        databasePoolSize = databasePoolSize == null ? 20 : databasePoolSize;
        tokenRatePerIp = tokenRatePerIp == null ? 200.0 : tokenRatePerIp;
        tokenRatePerSubject = tokenRatePerSubject == null ? 50.0 : tokenRatePerSubject;
        exposureWebhookRatePerIp = exposureWebhookRatePerIp == null ? 2.0 : exposureWebhookRatePerIp;
        databaseTimeout = positive("SEGURA_DATABASE_TIMEOUT", databaseTimeout, Duration.ofSeconds(10));
        requestTimeout = positive("SEGURA_REQUEST_TIMEOUT", requestTimeout, Duration.ofSeconds(25));
        rekeyPageSize = rekeyPageSize == null ? 100 : rekeyPageSize;
        if (rekeyPageSize < 1 || rekeyPageSize > 1000) {
            throw new IllegalArgumentException("SEGURA_REKEY_PAGE_SIZE must be an integer from 1 to 1000, got "
                    + rekeyPageSize);
        }
        rekeyClaimTtl = positive("SEGURA_REKEY_CLAIM_TTL", rekeyClaimTtl, Duration.ofSeconds(30));
    }

    private static Duration positive(String name, Duration given, Duration otherwise) {
        if (given == null) {
            return otherwise;
        }
        if (given.isNegative() || given.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration (e.g. 10s), got " + given);
        }
        return given;
    }

    @Override
    public String toString() {
        return "BrokerSettings[config=" + config + ", dev=" + dev + ", database=" + DatabaseUrlRedaction.redact(databaseUrl)
                + ", masterKey=<redacted>, masterKeyPrevious=<redacted>, adminToken=<redacted>, exposureWebhookSecret=<redacted>]";
    }

    /** Keeps a database password out of every rendering of the settings. */
    static final class DatabaseUrlRedaction {
        private DatabaseUrlRedaction() {
        }

        static String redact(String url) {
            return url == null ? null : url.replaceAll("://([^:@/]+):[^@/]*@", "://$1:<redacted>@");
        }
    }
}
