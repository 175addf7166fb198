// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import static io.segura.broker.audit.AuditTestSupport.TIMEOUT;
import static io.segura.broker.audit.AuditTestSupport.leaseIssued;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.RekeyEvents;
import io.segura.broker.vault.RekeyJob;
import io.segura.broker.vault.RekeyJobs;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.SecretRef;
import io.segura.broker.vault.SecretStore;
import io.segura.broker.vault.SecretValue;
import io.segura.broker.vault.SecretVersion;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The vault store and the audit chain on H2 in PostgreSQL mode, the embedded dev mode's database (DESIGN §9): the same
 * migrations and the same SQL must work there (master-key rotation jobs and the session revocation that marks first
 * included).
 */
class H2CompatibilityTests {

    static final MasterKey OLD = MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
    static final MasterKey NEW = MasterKey.fromBase64(Base64.getEncoder().encodeToString("n".repeat(32).getBytes()));

    static MigratedDatabase database;
    static SecretStore store;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.h2("segura_h2_" + UUID.randomUUID().toString().replace("-", ""));
        store = new SecretStore(database.db(), database.tx(), KeyRing.of(OLD));
    }

    @Test
    void storeWhenOnH2ThenWriteRotateReadListFindExposeWork() {
        SecretVersion v1 = store.write("dev/db_password", "dev-value-1", Duration.ofDays(30)).block(TIMEOUT);
        assertThat(v1.version()).isEqualTo(1);
        assertThat(store.write("dev/db_password", "dev-value-2", null).block(TIMEOUT).version()).isEqualTo(2);
        assertThat(store.rotate("dev/db_password", 24).block(TIMEOUT).version()).isEqualTo(3);
        store.write("dev/api", "api-value", null).block(TIMEOUT);
        assertThat(store.read("dev/db_password", 1).block(TIMEOUT).value()).isEqualTo("dev-value-1");
        assertThat(store.read("dev/db_password", 1).block(TIMEOUT).createdAt()).isEqualTo(v1.createdAt());
        List<SecretValue> all = store.readAll(List.of(SecretRef.parse("dev/api"), SecretRef.parse("dev/db_password@2")))
                .block(TIMEOUT);
        assertThat(all).extracting(SecretValue::value).containsExactly("api-value", "dev-value-2");
        assertThat(store.metadata("dev/db_password").block(TIMEOUT).maxAge()).isEqualTo(Duration.ofDays(30));
        assertThat(store.list("dev/db_", 10).map(s -> s.path() + "@" + s.currentVersion()).collectList()
                .block(TIMEOUT)).containsExactly("dev/db_password@3");
        assertThat(store.findByValue("dev-value-2").map(SecretVersion::ref).collectList().block(TIMEOUT))
                .containsExactly("dev/db_password@2");
        store.markExposed("dev/db_password", 2, "scanner", null, null).block(TIMEOUT);
        assertThat(store.metadata("dev/db_password").block(TIMEOUT).versions().get(1).exposed()).isTrue();
        assertThatThrownBy(() -> store.rotate("dev/none", "x-value").block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);

    }

    @Test
    void revocationWhenMarkedFirstOnH2ThenTheMarkLockAndEndOfOpenLeasesWork() {
        var db = database.db();
        var sessions = new io.segura.broker.session.SessionStore(db, tools.jackson.databind.json.JsonMapper.builder()
                .build(), io.segura.broker.database.DatabaseDeadline.after(Duration.ofSeconds(10)));
        var leases = new io.segura.broker.lease.LeaseStore(db, tools.jackson.databind.json.JsonMapper.builder().build());
        String hash = "h2-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        db.sql("INSERT INTO sessions (token_hash, id, role, subject, ctx, claims, created_at, expires_at)"
                        + " VALUES (:hash, :id, 'dev', 'dev-subject', '{}', '{}', CURRENT_TIMESTAMP,"
                        + " CURRENT_TIMESTAMP + INTERVAL '1' HOUR)")
                .bind("hash", hash).bind("id", id).fetch().rowsUpdated().block(TIMEOUT);
        for (String lease : List.of("h2-lease-1", "h2-lease-2", "h2-lease-ended")) {
            db.sql("INSERT INTO leases (id, session_id, role, subject, ctx, secrets, renewable, issued_at, expires_at,"
                            + " revoked_at) VALUES (:lease, :id, 'dev', 'dev-subject', '{}', '[]', false,"
                            + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP + INTERVAL '1' HOUR, "
                            + (lease.endsWith("ended") ? "CURRENT_TIMESTAMP" : "NULL") + ")")
                    .bind("lease", lease).bind("id", id).fetch().rowsUpdated().block(TIMEOUT);
        }
        Instant now = Instant.now();
        List<String> ended = sessions.markRevoked(hash, "revoked", now)
                .flatMap(first -> {
                    assertThat(first).as("marked by this call").isTrue();
                    return sessions.forRevocationMark(hash);
                })
                .flatMap(s -> {
                    assertThat(s.revokedAt()).isNotNull();
                    return leases.lockOpen(s.id());
                })
                .flatMap(ids -> leases.endAll(ids, "session revoked", now).thenReturn(ids))
                .as(database.tx()::transactional)
                .block(TIMEOUT);
        assertThat(ended).containsExactlyInAnyOrder("h2-lease-1", "h2-lease-2");
        assertThat(sessions.markRevoked(hash, "revoked", now).block(TIMEOUT)).as("marked once only").isFalse();
        assertThat(db.sql("SELECT count(*) AS n FROM leases WHERE session_id = :id AND revoked_at IS NULL")
                .bind("id", id).map(r -> r.get("n", Long.class)).one().block(TIMEOUT)).isZero();
        assertThat(sessions.forRevocationMark("h2-unknown").blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void storeWhenConcurrentWritersOnH2ThenDistinctVersions() {
        List<Integer> versions = Flux.range(0, 6).flatMap(i -> store.write("dev/race", "v" + i, null), 6)
                .map(SecretVersion::version).collectList().block(TIMEOUT);
        assertThat(versions).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);
    }

    @Test
    void auditWhenOnH2ThenAppendRollbackChainLateCommitVerifyAndQueryWork() throws Exception {
        AuditTestSupport.reset(database);
        AuditLog log = new AuditLog(database.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        AuditChainer chainer = new AuditChainer(database.db(), database.tx(), 3);
        AuditVerifier verifier = new AuditVerifier(database.db());

        database.tx().transactional(log.append(leaseIssued("rolled")).then(Mono.error(new IllegalStateException())))
                .onErrorResume(IllegalStateException.class, e -> Mono.empty()).block(TIMEOUT);
        CountDownLatch inserted = new CountDownLatch(1);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CompletableFuture<Void> slow = database.tx().transactional(log.append(leaseIssued("slow", "dev/api@1"))
                .then(Mono.fromRunnable(inserted::countDown)).then(Mono.fromFuture(gate))).toFuture();
        assertThat(inserted.await(30, TimeUnit.SECONDS)).isTrue();
        Flux.range(0, 7).concatMap(i -> log.append(leaseIssued("h" + i, "dev/db_password@" + (i % 3 + 1))))
                .blockLast(TIMEOUT);
        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(7);
        gate.complete(null);
        slow.get(30, TimeUnit.SECONDS);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 7, 1, null, null));
        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(1);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 8, 0, null, null));

        AuditQuery query = new AuditQuery(database.db());
        assertThat(query.find(null, "slow", "dev/api", null, null).collectList().block(TIMEOUT))
                .singleElement().satisfies(e -> assertThat(e.chainPos()).isEqualTo(8));
        assertThat(query.find(AuditEventType.LEASE_ISSUED, null, "dev/db_password", null, 100).collectList()
                .block(TIMEOUT)).hasSize(7);

        database.db().sql("UPDATE audit_events SET reason = 'edited' WHERE " + AuditTestSupport.eventAt(4)).fetch()
                .rowsUpdated().block(TIMEOUT);
        VerifyReport broken = verifier.verify().block(TIMEOUT);
        assertThat(broken.ok()).isFalse();
        assertThat(broken.brokenAt()).isEqualTo(4);
    }

    @Test
    void rekeyJobWhenOnH2ThenStartClaimPagesAndFinishWork() {
        MigratedDatabase h2 = MigratedDatabase.h2("segura_h2_rekey_" + UUID.randomUUID().toString().replace("-", ""));
        SecretStore old = new SecretStore(h2.db(), h2.tx(), KeyRing.of(OLD));
        for (int i = 0; i < 5; i++) {
            old.write("dev/rekey-" + i, "rekey-value-" + i, null).block(TIMEOUT);
        }
        RekeyJobs jobs = new RekeyJobs(h2.db(), h2.tx(), KeyRing.of(NEW, OLD), new SecureRandom());
        RekeyEvents none = new RekeyEvents() {
            @Override
            public Mono<Void> started(RekeyJob job, boolean resumed, String clientIp) {
                return Mono.empty();
            }

            @Override
            public Mono<Void> finished(RekeyJob job) {
                return Mono.empty();
            }

            @Override
            public Mono<Void> failed(RekeyJob job) {
                return Mono.empty();
            }
        };
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        String id = jobs.start(NEW.id(), now, none, null).block(TIMEOUT).job().id();
        assertThat(jobs.claim("a", now, Duration.ofSeconds(30)).block(TIMEOUT).worker()).isEqualTo("a");
        assertThat(jobs.claim("b", now, Duration.ofSeconds(30)).blockOptional(TIMEOUT)).isEmpty();
        RekeyJobs.Step step;
        do {
            step = jobs.step(id, "a", now, Duration.ofSeconds(30), 2, none).block(TIMEOUT);
        } while (step == RekeyJobs.Step.MORE);
        assertThat(step).isEqualTo(RekeyJobs.Step.DONE);
        assertThat(jobs.latest().block(TIMEOUT).rewrapped()).isEqualTo(5);
        assertThat(jobs.versionsByKey().block(TIMEOUT)).containsOnlyKeys(NEW.id());
        assertThat(jobs.snapshot().block(TIMEOUT)).satisfies(snapshot -> {
            assertThat(snapshot.job()).get().extracting(RekeyJob::id).isEqualTo(id);
            assertThat(snapshot.versionsByKey()).containsExactly(Map.entry(NEW.id(), 5L));
        });
        assertThat(new SecretStore(h2.db(), h2.tx(), KeyRing.of(NEW)).read("dev/rekey-3", null).block(TIMEOUT)
                .value()).isEqualTo("rekey-value-3");
        // Finished jobs leave running_slot NULL: any number of them may exist (NULLs are distinct in a UNIQUE).
        for (int i = 0; i < 2; i++) {
            RekeyJobs.Start again = jobs.start(NEW.id(), now, none, null).block(TIMEOUT);
            assertThat(again.created()).isTrue();
            jobs.claim("a", now, Duration.ofSeconds(30)).block(TIMEOUT);
            assertThat(jobs.step(again.job().id(), "a", now, Duration.ofSeconds(30), 2, none).block(TIMEOUT))
                    .isEqualTo(RekeyJobs.Step.DONE);
        }
    }

    @Test
    void migrateWhenV1DatabaseHasAChainThenV2CopiesItsLinksAndTheChainVerifies() {
        String name = "segura_h2_v1_" + UUID.randomUUID().toString().replace("-", "");
        AuditTestSupport.v2WhenV1ChainExistsThenLinksCopiedChainVerifiesAndContinues(
                version -> MigratedDatabase.h2(name, version));
    }

    @Test
    void migrateWhenAV1HashWasErasedThenV2RunsAndVerifyReportsTheRow() {
        String name = "segura_h2_v1_" + UUID.randomUUID().toString().replace("-", "");
        AuditTestSupport.v2WhenAV1HashWasErasedThenMigratedAndVerifyReportsIt(
                version -> MigratedDatabase.h2(name, version));
    }
}
