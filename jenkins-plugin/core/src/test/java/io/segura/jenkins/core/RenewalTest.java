// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static java.time.temporal.ChronoUnit.MILLIS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A long block keeps its lease: the keeper renews in the background by the requested TTL, within the role's
 * {@code max-lease-ttl} (role {@code capped}: 1m) and the session's end, and stops at the cap.
 */
@ExtendWith(LiveBroker.Resolver.class)
class RenewalTest {

    static final String SUBJECT = "client:" + LiveBroker.CLIENT_ID;

    BindingSession open(LiveBroker b, String role, String ttl, BuildLog log) throws Exception {
        return BindingSession.open(b.settings(), BindingRequest.parse(role, "db/prod/password", "segura-client",
                ttl), null, b.credentials(), log.stream);
    }

    @Test
    void blockWhenLeaseOutlivesTwoThirdsThenRenewedInTheBackground(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        try (BindingSession block = open(b, "deploy", "15s", log)) {
            Instant first = block.leaseExpiresAt();
            // waits for the condition (the renewal at ~10 s), not for a time; the deadline only bounds a failure
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!block.leaseExpiresAt().isAfter(first) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(block.leaseExpiresAt()).as("renewed by the background keeper; log: %s", log.text())
                    .isAfter(first);
            assertThat(Instant.parse((String) b.lease(block.leaseId()).get("expires_at")).truncatedTo(MILLIS))
                    .as("the broker's expiry").isEqualTo(block.leaseExpiresAt().truncatedTo(MILLIS));
            assertThat(b.broker.events("lease.renewed", SUBJECT))
                    .anySatisfy(e -> assertThat(e).containsEntry("lease_id", block.leaseId()));
            assertThat(b.active(block.leaseId())).isTrue();
        }
        assertThat(log.text()).doesNotContain("warning");
    }

    @Test
    void renewNowWhenUnderTheRoleCapThenRenewedAndAudited(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        try (BindingSession block = open(b, "capped", "20s", log)) {
            Instant before = block.leaseExpiresAt();
            assertThat(block.keeper().renewNow()).isEqualTo(LeaseKeeper.Outcome.RENEWED);
            assertThat(block.leaseExpiresAt()).isAfterOrEqualTo(before);
            assertThat(b.broker.events("lease.renewed", SUBJECT))
                    .anySatisfy(e -> assertThat(e).containsEntry("lease_id", block.leaseId()));
        }
    }

    @Test
    void renewNowWhenLeaseAtTheRoleCapThenStopsAndSaysSo(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        try (BindingSession block = open(b, "capped", null, log)) {
            Instant cap = block.leaseExpiresAt();
            assertThat(Duration.between(Instant.now(), cap)).isLessThanOrEqualTo(Duration.ofMinutes(1));
            assertThat(block.keeper().renewNow()).isEqualTo(LeaseKeeper.Outcome.AT_LIMIT);
            // the broker stores microseconds: compare at millisecond precision
            assertThat(block.leaseExpiresAt().truncatedTo(MILLIS)).isEqualTo(cap.truncatedTo(MILLIS));
            assertThat(log.text()).contains("lease " + block.leaseId() + " reached the role's limit");
        }
    }

    @Test
    void renewNowWhenBlockClosedThenNothingSent(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        BindingSession block = open(b, "deploy", "10m", log);
        block.close();
        int renewedBefore = b.broker.events("lease.renewed", SUBJECT).size();
        assertThat(block.keeper().renewNow()).isEqualTo(LeaseKeeper.Outcome.STOPPED);
        assertThat(b.broker.events("lease.renewed", SUBJECT)).hasSize(renewedBefore);
    }
}
