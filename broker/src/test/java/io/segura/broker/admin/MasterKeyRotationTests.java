// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.audit.AuditLog;
import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.RekeyJobs;
import io.segura.broker.vault.SecretStore;
import io.segura.testkit.postgres.PostgresExtension;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rotation's worker on real PostgreSQL: it runs a job to the end, and a clean shutdown gives its claim up. */
class MasterKeyRotationTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final MasterKey OLD = MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
    static final MasterKey NEW = MasterKey.fromBase64(Base64.getEncoder().encodeToString("n".repeat(32).getBytes()));
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void workWhenAJobRunsThenDoneAndAuditedAndStopWorkerReleasesAClaim() {
        MigratedDatabase db = MigratedDatabase.postgres(PG);
        SecretStore old = new SecretStore(db.db(), db.tx(), KeyRing.of(OLD));
        for (int i = 0; i < 5; i++) {
            old.write("w/s" + i, "worker-value-" + i, null).block(TIMEOUT);
        }
        RekeyJobs jobs = new RekeyJobs(db.db(), db.tx(), KeyRing.of(NEW, OLD), new SecureRandom());
        MasterKeyRotation rotation = new MasterKeyRotation(jobs, new AuditLog(db.db(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry()), Clock.systemUTC(),
                Duration.ofHours(1), Duration.ofSeconds(30), 2, new SecureRandom());
        Map<String, Object> started = rotation.start(NEW.id(), "192.0.2.7").block(TIMEOUT);
        assertThat(started).containsEntry("started", true).containsEntry("state", "running")
                .containsEntry("total", 5L);

        assertThat(rotation.work().block(TIMEOUT)).isEqualTo(RekeyJobs.Step.DONE);
        assertThat(rotation.status().block(TIMEOUT)).containsEntry("state", "done").containsEntry("done", 5L)
                .containsEntry("remaining", 0L).containsEntry("worker", rotation.worker());
        assertThat(db.db().sql("SELECT type, subject, client_ip, details FROM audit_events ORDER BY seq")
                .map(row -> row.get("type", String.class) + " " + row.get("subject", String.class) + " "
                        + row.get("client_ip", String.class) + " " + row.get("details", String.class))
                .all().collectList().block(TIMEOUT))
                .satisfiesExactly(
                        e -> assertThat(e).startsWith("vault.rekey_started admin 192.0.2.7 ")
                                .contains("\"target_key_id\":\"" + NEW.id() + "\"", "\"resumed\":false"),
                        e -> assertThat(e).startsWith("vault.rekeyed broker null ")
                                .contains("\"rewrapped\":5", "\"total\":5", "\"from_key_ids\":[\"" + OLD.id() + "\"]",
                                        "\"worker\":\"" + rotation.worker() + "\""));

        // A new version under the old key (a replica not restarted yet), a second job, claimed by this worker:
        // a clean shutdown hands it back at once instead of after the claim's 30 s.
        old.write("w/late", "late-value", null).block(TIMEOUT);
        rotation.start(NEW.id(), null).block(TIMEOUT);
        assertThat(jobs.claim(rotation.worker(), Clock.systemUTC().instant(), Duration.ofSeconds(30)).block(TIMEOUT))
                .isNotNull();
        rotation.stopWorker();
        assertThat(jobs.latest().block(TIMEOUT).worker()).isNull();
        assertThat(jobs.claim("another", Clock.systemUTC().instant(), Duration.ofSeconds(30)).block(TIMEOUT)
                .worker()).isEqualTo("another");
    }
}
