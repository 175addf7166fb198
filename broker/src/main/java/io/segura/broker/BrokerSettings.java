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
        String exposureWebhookSecret) {

    public BrokerSettings {
        sweepInterval = sweepInterval == null ? Duration.ofSeconds(1) : sweepInterval;
        databasePoolSize = databasePoolSize == null ? 20 : databasePoolSize;
        tokenRatePerIp = tokenRatePerIp == null ? 200.0 : tokenRatePerIp;
        tokenRatePerSubject = tokenRatePerSubject == null ? 50.0 : tokenRatePerSubject;
    }

    @Override
    public String toString() {
        return "BrokerSettings[config=" + config + ", dev=" + dev + ", database=" + DatabaseUrlRedaction.redact(databaseUrl)
                + ", masterKey=<redacted>, adminToken=<redacted>, exposureWebhookSecret=<redacted>]";
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
