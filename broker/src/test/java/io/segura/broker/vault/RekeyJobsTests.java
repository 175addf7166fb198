// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.postgres.PostgresExtension;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Master-key rotation jobs on real PostgreSQL: start refusals, claims between workers (a race, expiry, the fence
 * against a stalled worker), resume after a worker dies mid-job, failure on a version that cannot be opened, the
 * start-up check. Time is given to each call, so claim expiry is tested without waiting.
 */
class RekeyJobsTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final MasterKey OLD = EnvelopeTests.KEK;
    static final MasterKey NEW = EnvelopeTests.OTHER;
    static final MasterKey STRANGER = MasterKey.fromBase64(Base64.getEncoder().encodeToString(
            MasterKeyTests.bytes(32, 3)));
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final Duration TTL = Duration.ofSeconds(30);
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    static MigratedDatabase database;

    final Recorder events = new Recorder();

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
    }

    @BeforeEach
    void empty() throws Exception {
        sql("DELETE FROM rekey_jobs", "DELETE FROM exposures", "DELETE FROM secret_versions", "DELETE FROM secrets");
    }

    @Test
    void startWhenExpectedKeyIsNotCurrentThenRefusedAndNothingChanges() {
        write(OLD, 3);
        RekeyJobs jobs = jobs(NEW, OLD);
        assertThatThrownBy(() -> jobs.start(STRANGER.id(), T0, events, "10.0.0.1").block(TIMEOUT))
                .isInstanceOf(RekeyConflictException.class)
                .hasMessageContaining("current master key is " + NEW.id() + ", not " + STRANGER.id())
                .hasMessageContaining("SEGURA_MASTER_KEY");
        assertThat(jobs.latest().blockOptional(TIMEOUT)).isEmpty();
        assertThat(jobs.versionsByKey().block(TIMEOUT)).containsExactly(Map.entry(OLD.id(), 3L));
        RekeyJobs.Snapshot snapshot = jobs.snapshot().block(TIMEOUT);
        assertThat(snapshot.job()).isEmpty();
        assertThat(snapshot.versionsByKey()).containsExactly(Map.entry(OLD.id(), 3L));
        assertThat(events.all).isEmpty();
    }

    @Test
    void startWhenSomeVersionsAreUnderAKeyNotHeldThenRefusedNamingIt() {
        write(OLD, 2);
        RekeyJobs withoutOld = jobs(NEW);
        assertThatThrownBy(() -> withoutOld.start(NEW.id(), T0, events, null).block(TIMEOUT))
                .isInstanceOf(RekeyConflictException.class)
                .hasMessageContaining("2 secret versions are sealed under key(s) " + OLD.id())
                .hasMessageContaining("SEGURA_MASTER_KEY_PREVIOUS");
        assertThatThrownBy(() -> withoutOld.requireEveryKeyHeld().block(TIMEOUT))
                .isInstanceOf(MasterKeyException.class)
                .hasMessageContaining("2 secret versions sealed under master key " + OLD.id())
                .hasMessageContaining("current one is " + NEW.id());
        jobs(NEW, OLD).requireEveryKeyHeld().block(TIMEOUT);
    }

    @Test
    void rekeyWhenRunToTheEndThenEveryVersionUnderNewKeyOnlyAndAudited() {
        SecretStore oldStore = write(OLD, 7);
        RekeyJobs jobs = jobs(NEW, OLD);
        RekeyJobs.Start start = jobs.start(NEW.id(), T0, events, "10.0.0.1").block(TIMEOUT);
        assertThat(start.created()).isTrue();
        assertThat(start.job().total()).isEqualTo(7);
        assertThat(start.job().fromKeyIds()).containsExactly(OLD.id());
        // A second start answers the running job instead of creating another.
        RekeyJobs.Start again = jobs.start(NEW.id(), T0, events, "10.0.0.1").block(TIMEOUT);
        assertThat(again.created()).isFalse();
        assertThat(again.job().id()).isEqualTo(start.job().id());

        assertThat(jobs.claim("w1", T0, TTL).block(TIMEOUT)).isNotNull();
        List<RekeyJobs.Step> steps = run(jobs, "w1", T0, 3);
        assertThat(steps).containsExactly(RekeyJobs.Step.MORE, RekeyJobs.Step.MORE, RekeyJobs.Step.MORE,
                RekeyJobs.Step.DONE);
        RekeyJob done = jobs.latest().block(TIMEOUT);
        assertThat(done.state()).isEqualTo("done");
        assertThat(done.rewrapped()).isEqualTo(7);
        assertThat(done.total()).isEqualTo(7);
        assertThat(done.finishedAt()).isNotNull();
        assertThat(jobs.versionsByKey().block(TIMEOUT)).containsExactly(Map.entry(NEW.id(), 7L));
        RekeyJobs.Snapshot snapshot = jobs.snapshot().block(TIMEOUT);
        assertThat(snapshot.job()).get().extracting(RekeyJob::id, RekeyJob::rewrapped)
                .containsExactly(start.job().id(), 7L);
        assertThat(snapshot.versionsByKey()).containsExactly(Map.entry(NEW.id(), 7L));
        SecretStore newOnly = new SecretStore(database.db(), database.tx(), KeyRing.of(NEW));
        for (int i = 0; i < 7; i++) {
            assertThat(newOnly.read("app/s" + i, null).block(TIMEOUT).value()).isEqualTo("value-" + i);
        }
        assertThat(newOnly.findByValue("value-4").map(SecretVersion::ref).collectList().block(TIMEOUT))
                .containsExactly("app/s4@1");
        assertThatThrownBy(() -> oldStore.read("app/s1", null).block(TIMEOUT))
                .isInstanceOf(VaultIntegrityException.class).hasMessageContaining("not in the key ring");
        assertThat(events.all).containsExactly("started " + start.job().id() + " resumed=false",
                "finished " + start.job().id() + " 7/7");
        // Nothing left to claim.
        assertThat(jobs.claim("w1", T0, TTL).blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void claimWhenTwoWorkersRaceThenExactlyOneHoldsTheJob() {
        write(OLD, 1);
        RekeyJobs a = jobs(NEW, OLD);
        RekeyJobs b = jobs(NEW, OLD);
        a.start(NEW.id(), T0, events, null).block(TIMEOUT);
        for (int round = 0; round < 25; round++) {
            List<String> winners = Flux.merge(
                            a.claim("worker-a", T0, TTL).map(RekeyJob::worker).subscribeOn(Schedulers.parallel()),
                            b.claim("worker-b", T0, TTL).map(RekeyJob::worker).subscribeOn(Schedulers.parallel()))
                    .collectList().block(TIMEOUT);
            assertThat(winners).as("round %d", round).hasSize(1);
            String stored = a.latest().block(TIMEOUT).worker();
            assertThat(stored).isEqualTo(winners.get(0));
            assertThat(a.release(stored).block(TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void startWhenTwoOperatorsStartAtOnceThenOneJobIsCreatedAndBothAnswerIt() throws Exception {
        write(OLD, 1);
        for (int round = 0; round < 10; round++) {
            sql("DELETE FROM rekey_jobs");
            events.all.clear();
            List<RekeyJobs.Start> starts = Flux.merge(
                            jobs(NEW, OLD).start(NEW.id(), T0, events, null).subscribeOn(Schedulers.parallel()),
                            jobs(NEW, OLD).start(NEW.id(), T0, events, null).subscribeOn(Schedulers.parallel()))
                    .collectList().block(TIMEOUT);
            assertThat(starts).as("round %d", round).extracting(RekeyJobs.Start::created)
                    .containsExactlyInAnyOrder(true, false);
            assertThat(starts.get(0).job().id()).isEqualTo(starts.get(1).job().id());
            assertThat(events.all).as("round %d", round).hasSize(1);
        }
    }

    @Test
    void claimWhenHolderIsAliveThenRefusedAndWhenItsClaimExpiredThenTakenOverAndTheStalledHolderIsFenced() {
        write(OLD, 4);
        RekeyJobs jobs = jobs(NEW, OLD);
        jobs.start(NEW.id(), T0, events, null).block(TIMEOUT);
        assertThat(jobs.claim("alive", T0, TTL).block(TIMEOUT).worker()).isEqualTo("alive");
        assertThat(jobs.claim("other", T0.plusSeconds(29), TTL).blockOptional(TIMEOUT)).isEmpty();
        // Each page renews the claim.
        assertThat(jobs.step(jobs.latest().block(TIMEOUT).id(), "alive", T0.plusSeconds(20), TTL, 1, events)
                .block(TIMEOUT)).isEqualTo(RekeyJobs.Step.MORE);
        assertThat(jobs.claim("other", T0.plusSeconds(45), TTL).blockOptional(TIMEOUT)).isEmpty();
        // The holder stalls past its claim: another worker takes over, and the stalled one may write nothing more.
        RekeyJob taken = jobs.claim("other", T0.plusSeconds(51), TTL).block(TIMEOUT);
        assertThat(taken.worker()).isEqualTo("other");
        assertThat(taken.rewrapped()).isEqualTo(1);
        assertThat(jobs.step(taken.id(), "alive", T0.plusSeconds(52), TTL, 1, events).block(TIMEOUT))
                .isEqualTo(RekeyJobs.Step.LOST);
        assertThat(jobs.latest().block(TIMEOUT).rewrapped()).isEqualTo(1);
        assertThat(run(jobs, "other", T0.plusSeconds(52), 100)).containsExactly(RekeyJobs.Step.MORE,
                RekeyJobs.Step.DONE);
        assertThat(jobs.latest().block(TIMEOUT).rewrapped()).isEqualTo(4);
    }

    @Test
    void rekeyWhenWorkerDiesMidJobThenAnotherResumesAfterTheLastCommittedPageAndEachVersionMovesOnce() {
        write(OLD, 10);
        RekeyJobs first = jobs(NEW, OLD);
        String id = first.start(NEW.id(), T0, events, null).block(TIMEOUT).job().id();
        first.claim("dies", T0, TTL).block(TIMEOUT);
        for (int i = 0; i < 2; i++) {
            assertThat(first.step(id, "dies", T0, TTL, 3, events).block(TIMEOUT)).isEqualTo(RekeyJobs.Step.MORE);
        }
        // "dies" never comes back. A replica restarted with the same keys resumes once the claim has expired.
        RekeyJobs second = jobs(NEW, OLD);
        assertThat(second.claim("resumes", T0.plusSeconds(10), TTL).blockOptional(TIMEOUT)).isEmpty();
        RekeyJob resumed = second.claim("resumes", T0.plusSeconds(31), TTL).block(TIMEOUT);
        assertThat(resumed.rewrapped()).isEqualTo(6);
        assertThat(second.versionsByKey().block(TIMEOUT)).containsEntry(OLD.id(), 4L).containsEntry(NEW.id(), 6L);
        assertThat(run(second, "resumes", T0.plusSeconds(31), 3)).containsExactly(RekeyJobs.Step.MORE,
                RekeyJobs.Step.MORE, RekeyJobs.Step.DONE);
        RekeyJob done = second.latest().block(TIMEOUT);
        assertThat(done.rewrapped()).isEqualTo(10);
        assertThat(done.total()).isEqualTo(10);
        assertThat(second.versionsByKey().block(TIMEOUT)).containsExactly(Map.entry(NEW.id(), 10L));
    }

    @Test
    void rekeyWhenAVersionIsWrittenUnderTheOldKeyBehindTheCursorThenAnotherPassCatchesIt() {
        SecretStore oldStore = write(OLD, 3);
        RekeyJobs jobs = jobs(NEW, OLD);
        String id = jobs.start(NEW.id(), T0, events, null).block(TIMEOUT).job().id();
        jobs.claim("w", T0, TTL).block(TIMEOUT);
        assertThat(jobs.step(id, "w", T0, TTL, 100, events).block(TIMEOUT)).isEqualTo(RekeyJobs.Step.MORE);
        // A replica not yet restarted with the new key writes under the old one, before the cursor.
        oldStore.write("app/a-late", "late-value", null).block(TIMEOUT);
        assertThat(run(jobs, "w", T0, 100)).containsExactly(RekeyJobs.Step.MORE, RekeyJobs.Step.MORE,
                RekeyJobs.Step.DONE);
        RekeyJob done = jobs.latest().block(TIMEOUT);
        assertThat(done.rewrapped()).isEqualTo(4);
        assertThat(done.total()).isEqualTo(4);
        assertThat(jobs.versionsByKey().block(TIMEOUT)).containsExactly(Map.entry(NEW.id(), 4L));
    }

    @Test
    void rekeyWhenAVersionCannotBeOpenedThenFailedNamingItWithNothingHalfWrittenAndARestartResumes() throws Exception {
        write(OLD, 5);
        RekeyJobs jobs = jobs(NEW, OLD);
        String id = jobs.start(NEW.id(), T0, events, null).block(TIMEOUT).job().id();
        // app/s3's wrapped key is swapped for app/s1's: it no longer opens (tampering, or a bad restore).
        sql("UPDATE secret_versions SET wrapped_dek = (SELECT wrapped_dek FROM secret_versions WHERE path = 'app/s1')"
                + " WHERE path = 'app/s3'");
        jobs.claim("w", T0, TTL).block(TIMEOUT);
        assertThat(run(jobs, "w", T0, 2)).containsExactly(RekeyJobs.Step.MORE, RekeyJobs.Step.FAILED);
        RekeyJob failed = jobs.latest().block(TIMEOUT);
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.error()).contains("app/s3@1").doesNotContain("value-");
        // The page holding app/s3 rolled back whole: app/s2 is still under the old key, readable as before.
        assertThat(failed.rewrapped()).isEqualTo(2);
        assertThat(jobs.versionsByKey().block(TIMEOUT)).containsEntry(OLD.id(), 3L).containsEntry(NEW.id(), 2L);
        assertThat(events.all).containsExactly("started " + id + " resumed=false", "failed " + id + " 2/5");
        assertThat(jobs.claim("w", T0, TTL).blockOptional(TIMEOUT)).isEmpty();

        // The operator restores the row (here: deletes it) and starts again: the same job resumes.
        sql("DELETE FROM secret_versions WHERE path = 'app/s3'", "DELETE FROM secrets WHERE path = 'app/s3'");
        RekeyJobs.Start restart = jobs.start(NEW.id(), T0.plusSeconds(60), events, null).block(TIMEOUT);
        assertThat(restart.resumed()).isTrue();
        assertThat(restart.job().id()).isEqualTo(id);
        assertThat(restart.job().total()).isEqualTo(4);
        jobs.claim("w", T0.plusSeconds(60), TTL).block(TIMEOUT);
        assertThat(run(jobs, "w", T0.plusSeconds(60), 100)).endsWith(RekeyJobs.Step.DONE);
        assertThat(jobs.latest().block(TIMEOUT).rewrapped()).isEqualTo(4);
        assertThat(events.all).last().isEqualTo("finished " + id + " 4/4");
    }

    @Test
    void claimWhenThisBrokersCurrentKeyIsNotTheTargetThenRefused() {
        write(OLD, 1);
        jobs(NEW, OLD).start(NEW.id(), T0, events, null).block(TIMEOUT);
        RekeyJobs stale = jobs(OLD, NEW);
        assertThatThrownBy(() -> stale.claim("stale", T0, TTL).block(TIMEOUT))
                .isInstanceOf(RekeyConflictException.class)
                .hasMessageContaining("re-wraps under key " + NEW.id())
                .hasMessageContaining("current key is " + OLD.id());
        assertThatThrownBy(() -> stale.start(OLD.id(), T0, events, null).block(TIMEOUT))
                .isInstanceOf(RekeyConflictException.class)
                .hasMessageContaining("to key " + NEW.id() + " is running");
    }

    /** Steps until the job is no longer MORE (at most 1,000 steps). */
    private List<RekeyJobs.Step> run(RekeyJobs jobs, String worker, Instant now, int pageSize) {
        String id = jobs.latest().block(TIMEOUT).id();
        List<RekeyJobs.Step> steps = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            RekeyJobs.Step step = jobs.step(id, worker, now, TTL, pageSize, events).block(TIMEOUT);
            steps.add(step);
            if (step != RekeyJobs.Step.MORE) {
                return steps;
            }
        }
        throw new AssertionError("no end after 1,000 steps: " + steps.subList(0, 5));
    }

    private static RekeyJobs jobs(MasterKey current, MasterKey... older) {
        return new RekeyJobs(database.db(), database.tx(), KeyRing.of(current, older), new SecureRandom());
    }

    /** {@code app/s0..n-1}, version 1 each, value {@code value-i}, sealed under {@code key}. */
    private static SecretStore write(MasterKey key, int n) {
        SecretStore store = new SecretStore(database.db(), database.tx(), KeyRing.of(key));
        for (int i = 0; i < n; i++) {
            store.write("app/s" + i, "value-" + i, null).block(TIMEOUT);
        }
        return store;
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.executeUpdate(sql);
            }
        }
    }

    /** Records the events a job reports, in order. */
    static final class Recorder implements RekeyEvents {
        final List<String> all = new CopyOnWriteArrayList<>();

        @Override
        public Mono<Void> started(RekeyJob job, boolean resumed, String clientIp) {
            return Mono.fromRunnable(() -> all.add("started " + job.id() + " resumed=" + resumed));
        }

        @Override
        public Mono<Void> finished(RekeyJob job) {
            return Mono.fromRunnable(() -> all.add("finished " + job.id() + " " + job.rewrapped() + "/"
                    + job.total()));
        }

        @Override
        public Mono<Void> failed(RekeyJob job) {
            return Mono.fromRunnable(() -> all.add("failed " + job.id() + " " + job.rewrapped() + "/" + job.total()));
        }
    }
}
