// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditChainer;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.broker.database.DatabaseDeadline;
import io.segura.broker.database.Table;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import io.segura.broker.lease.SessionRevocations;
import io.segura.broker.session.Session;
import io.segura.broker.session.SessionStore;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.time.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The anomaly rules on PostgreSQL, driven by generated traffic with controlled event times: a normal working week
 * (Mon–Fri 08:00–18:00 UTC, a job every half hour exchanging a token and leasing twice) is learned and never flagged;
 * each rule fires exactly at the event that crosses its threshold, once, and not before its learning period; a HIGH
 * hit on a role with {@code on-anomaly: block} revokes the subject's sessions and blocks it until lifted.
 */
class AnomalyDetectionTests {

    static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** A Monday. */
    static final Instant WEEK0 = Instant.parse("2026-11-02T00:00:00Z");
    static final Duration DAY = Duration.ofDays(1);
    static final Duration WEEK = Duration.ofDays(7);

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static MigratedDatabase database;
    static AuditChainer chainer;
    static WriteStatements statements;
    static MutableClock clock;
    static AnomalyBlocks blocks;
    static AnomalyDetection detection;
    static final JsonMapper JSON = JsonMapper.builder().build();

    static final String CONFIG = """
            issuers:
              - name: ci
                issuer: https://ci.example
                audiences: [a]
            roles:
              - {name: normal, issuers: [ci], bound-claims: {repository: "acme/*"}, secrets: ["db/*"]}
              - {name: nightowl, issuers: [ci], bound-claims: {repository: "acme/*"}, secrets: ["db/*"]}
              - {name: greedy, issuers: [ci], bound-claims: {repository: "acme/*"}, secrets: ["db/*"]}
              - {name: ceiling, issuers: [ci], bound-claims: {repository: "acme/*"}, secrets: ["db/*"]}
              - {name: newcomer, issuers: [ci], bound-claims: {repository: "acme/*"}, secrets: ["db/*"]}
              - name: office
                issuers: [ci]
                bound-claims: {repository: "acme/*"}
                secrets: ["db/*"]
                access-window: {days: [MON, TUE, WED, THU, FRI], from: "08:00", to: "18:00", zone: UTC}
              - name: guarded
                issuers: [ci]
                bound-claims: {repository: "acme/*"}
                secrets: ["db/*"]
                access-window: {days: [MON, TUE, WED, THU, FRI], from: "08:00", to: "18:00", zone: UTC}
                on-anomaly: {min-risk: HIGH, action: block, for: 1h}
            anomaly:
              excessive-retrieval: {ceiling: 50}
            """;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        chainer = new AuditChainer(database.db(), database.tx(), 500);
        statements = new WriteStatements(database.db());
        clock = new MutableClock(WEEK0);
        SessionStore sessions = new SessionStore(database.db(), JSON, DatabaseDeadline.after(Duration.ofSeconds(30)));
        SessionRevocations revocations = new SessionRevocations(database.db(), database.tx(), sessions, JSON,
                Clock.systemUTC(), ids -> Mono.empty());
        blocks = new AnomalyBlocks(database.db(), database.tx(), revocations, clock, Duration.ofSeconds(5));
        TrustConfig config = TrustConfigLoader.parse(CONFIG, "t.yaml");
        detection = new AnomalyDetection(config, database.db(), database.tx(), new AuditQuery(database.db()), blocks,
                clock);
        assertThat(detection.enabled()).isTrue();
        detection.ensureCursor().block(TIMEOUT);
    }

    // ---- traffic --------------------------------------------------------------------------------------------------

    static AuditEvent exchanged(String role, String subject, String repo, Instant at) {
        return AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED).occurredAt(at).role(role).issuer("ci")
                .subject(subject).clientIp("10.0.0.1").ctx(Map.of("repository", repo)).build();
    }

    static AuditEvent leased(String role, String subject, String repo, Instant at) {
        return AuditEvent.builder(AuditEventType.LEASE_ISSUED).occurredAt(at).role(role).issuer("ci")
                .subject(subject).clientIp("10.0.0.1").ctx(Map.of("repository", repo))
                .leaseId(UUID.randomUUID().toString()).build();
    }

    static AuditEvent rejected(String ip, String issuer, String subject, String reason, Instant at) {
        return AuditEvent.builder(AuditEventType.TOKEN_REJECTED).occurredAt(at).issuer(issuer).subject(subject)
                .clientIp(ip).reason(reason).build();
    }

    /** A job run: a token exchange and two leases, 10 s apart. */
    static List<AuditEvent> run(String role, String subject, String repo, Instant at) {
        return List.of(exchanged(role, subject, repo, at), leased(role, subject, repo, at.plusSeconds(10)),
                leased(role, subject, repo, at.plusSeconds(20)));
    }

    /** A normal working week from {@code monday}: Mon–Fri, 08:05 and 08:35 … 17:05 and 17:35 UTC. */
    static List<AuditEvent> normalWeek(String role, String subject, String repo, Instant monday) {
        List<AuditEvent> out = new ArrayList<>();
        for (int day = 0; day < 5; day++) {
            for (int hour = 8; hour < 18; hour++) {
                for (int minute : new int[] {5, 35}) {
                    out.addAll(run(role, subject, repo, monday.plus(DAY.multipliedBy(day))
                            .plus(Duration.ofHours(hour)).plus(Duration.ofMinutes(minute))));
                }
            }
        }
        return out;
    }

    static void commit(List<AuditEvent> events) {
        List<Table.Row> rows = events.stream().map(AuditLog::row).toList();
        // one statement at a time, each within WriteStatements' chunk: the events get their seqs in time order
        for (int from = 0; from < rows.size(); from += 50) {
            statements.execute(new Writes(rows.subList(from, Math.min(rows.size(), from + 50)), List.of()))
                    .block(TIMEOUT);
        }
        chainer.linkAll().block(TIMEOUT);
    }

    /** Commits the events, links them and runs detection over them (and whatever else is pending). */
    static void judge(List<AuditEvent> events) {
        commit(events);
        detection.detectAll().block(TIMEOUT);
    }

    static List<Map<String, Object>> anomalies(String key, String value) {
        return database.db().sql("SELECT details FROM audit_events WHERE type = 'anomaly.detected' ORDER BY seq")
                .map(r -> JSON.readValue(r.get("details", String.class), new TypeReference<Map<String, Object>>() {
                })).all().filter(d -> value.equals(String.valueOf(d.get(key)))).collectList().block(TIMEOUT);
    }

    static List<Map<String, Object>> anomaliesOfRole(String role) {
        return database.db().sql("SELECT details FROM audit_events WHERE type = 'anomaly.detected' AND role = :role "
                        + "ORDER BY seq").bind("role", role)
                .map(r -> JSON.readValue(r.get("details", String.class), new TypeReference<Map<String, Object>>() {
                })).all().collectList().block(TIMEOUT);
    }

    static List<String> weeks(String role, String subject, String repo, int n) {
        List<AuditEvent> all = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            all.addAll(normalWeek(role, subject, repo, WEEK0.plus(WEEK.multipliedBy(w))));
        }
        judge(all);
        return all.stream().map(AuditEvent::id).toList();
    }

    // ---- the rules --------------------------------------------------------------------------------------------------

    @Test
    void detectWhenFourNormalWeeksThenNothingFires() {
        weeks("normal", "repo:acme/app:ref:refs/heads/main", "acme/app", 4);
        assertThat(anomaliesOfRole("normal")).isEmpty();
        // the baselines hold what the weeks taught: 50 working hours a week, each seen, nothing else
        Map<String, Object> row = database.db().sql("SELECT hours, total, rate_ewma, active_windows FROM "
                        + "anomaly_baselines WHERE role = 'normal' AND kind = 'subject'").fetch().one().block(TIMEOUT);
        assertThat(((Number) row.get("total")).longValue()).isEqualTo(4 * 5 * 10 * 2 * 3);
        assertThat(((Number) row.get("rate_ewma")).doubleValue()).isEqualTo(2.0);
        int[] hours = State.hours((String) row.get("hours"));
        assertThat(java.util.Arrays.stream(hours).filter(h -> h > 0).count()).isEqualTo(50);
    }

    @Test
    void offHoursWhenAnAccessFallsInAnHourNeverSeenThenOneHitPerIdentityAndNoneWhileLearning() {
        String sub = "repo:acme/owl:ref:refs/heads/main";
        List<AuditEvent> learning = new ArrayList<>(normalWeek("nightowl", sub, "acme/owl", WEEK0));
        // a Sunday 02:30 run in the first week: off-hours, but still learning (14 days)
        learning.addAll(run("nightowl", sub, "acme/owl", WEEK0.plus(DAY.multipliedBy(6)).plus(Duration.ofMinutes(150))));
        learning.addAll(normalWeek("nightowl", sub, "acme/owl", WEEK0.plus(WEEK)));
        learning.addAll(normalWeek("nightowl", sub, "acme/owl", WEEK0.plus(WEEK.multipliedBy(2))));
        judge(learning);
        assertThat(anomaliesOfRole("nightowl")).isEmpty();

        // week 3, Saturday 03:10: never seen in 3 weeks
        Instant saturday = WEEK0.plus(WEEK.multipliedBy(3)).plus(DAY.multipliedBy(5)).plus(Duration.ofMinutes(190));
        List<AuditEvent> odd = run("nightowl", sub, "acme/owl", saturday);
        judge(odd);
        List<Map<String, Object>> hits = anomaliesOfRole("nightowl");
        assertThat(hits).hasSize(2).allSatisfy(h -> {
            assertThat(h.get("rule")).isEqualTo("off-hours");
            assertThat(h.get("risk")).isEqualTo("MEDIUM");
            assertThat(h.get("trigger_event_id")).isEqualTo(odd.get(0).id());
            assertThat(h.get("observed")).isEqualTo(0);
            assertThat(((Number) h.get("baseline")).longValue()).isEqualTo(3 * 300 + 3);
        });
        assertThat(hits).extracting(h -> h.get("identity")).containsExactlyInAnyOrder("role×subject",
                "role×repository");
        // the same hour again and the working week after: nothing more
        judge(run("nightowl", sub, "acme/owl", saturday.plus(Duration.ofMinutes(20))));
        judge(normalWeek("nightowl", sub, "acme/owl", WEEK0.plus(WEEK.multipliedBy(4))));
        assertThat(anomaliesOfRole("nightowl")).hasSize(2);
    }

    @Test
    void excessiveRetrievalWhenLeasesInOneWindowPassFactorTimesBaselineThenFiresOnceAtTheFirstOneOver() {
        String sub = "repo:acme/greedy:ref:refs/heads/main";
        weeks("greedy", sub, "acme/greedy", 3);
        assertThat(anomaliesOfRole("greedy")).isEmpty();

        // week 3, Tuesday 10:40:00–10:46:20: 20 leases in one 10-minute window; the baseline is 2 a window, under
        // the 3 floor, so the limit is 5 × 3 = 15 and the 16th lease crosses it
        Instant start = WEEK0.plus(WEEK.multipliedBy(3)).plus(DAY).plus(Duration.ofMinutes(640));
        List<AuditEvent> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(leased("greedy", sub, "acme/greedy", start.plusSeconds(20L * i)));
        }
        judge(burst);
        List<Map<String, Object>> hits = anomaliesOfRole("greedy");
        assertThat(hits).hasSize(2).allSatisfy(h -> {
            assertThat(h.get("rule")).isEqualTo("excessive-retrieval");
            assertThat(h.get("risk")).isEqualTo("HIGH");
            assertThat(h.get("observed")).isEqualTo(16);
            assertThat(h.get("baseline")).isEqualTo(2.0);
            assertThat(h.get("threshold")).isEqualTo(15.0);
            assertThat(h.get("trigger_event_id")).isEqualTo(burst.get(15).id());
        });
        // the next window at the usual pace: nothing
        judge(run("greedy", sub, "acme/greedy", start.plus(Duration.ofMinutes(10))));
        assertThat(anomaliesOfRole("greedy")).hasSize(2);
    }

    @Test
    void excessiveRetrievalWhenANewIdentityPassesTheCeilingThenFiresWithoutLearning() {
        String sub = "repo:acme/fresh:ref:refs/heads/main";
        Instant start = WEEK0.plus(Duration.ofHours(9));
        List<AuditEvent> fifty = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fifty.add(leased("ceiling", sub, "acme/fresh", start.plusSeconds(5L * i)));
        }
        judge(fifty);
        assertThat(anomaliesOfRole("ceiling")).as("50 is the ceiling, not above it").isEmpty();
        AuditEvent over = leased("ceiling", sub, "acme/fresh", start.plusSeconds(5L * 50));
        judge(List.of(over));
        assertThat(anomaliesOfRole("ceiling")).hasSize(2).allSatisfy(h -> {
            assertThat(h.get("observed")).isEqualTo(51);
            assertThat(h.get("threshold")).isEqualTo(50);
            assertThat(h.get("trigger_event_id")).isEqualTo(over.id());
        });
    }

    @Test
    void unknownWorkloadWhenARepositoryAndSubjectAreNewAfterLearningThenFiresAndNotBefore() {
        Instant day0 = WEEK0.plus(Duration.ofHours(9));
        judge(List.of(exchanged("newcomer", "repo:acme/app:ref:refs/heads/main", "acme/app", day0),
                // day 2: new, but the role is still learning (7 days)
                exchanged("newcomer", "repo:acme/other:ref:refs/heads/main", "acme/other", day0.plus(DAY.multipliedBy(2)))));
        assertThat(anomaliesOfRole("newcomer")).isEmpty();

        AuditEvent stranger = exchanged("newcomer", "repo:acme/new:ref:refs/heads/main", "acme/new",
                day0.plus(DAY.multipliedBy(8)));
        judge(List.of(exchanged("newcomer", "repo:acme/app:ref:refs/heads/main", "acme/app", day0.plus(DAY.multipliedBy(8))),
                exchanged("newcomer", "repo:acme/other:ref:refs/heads/main", "acme/other", day0.plus(DAY.multipliedBy(8))),
                stranger,
                exchanged("newcomer", "repo:acme/new:ref:refs/heads/main", "acme/new", day0.plus(DAY.multipliedBy(9)))));
        List<Map<String, Object>> hits = anomaliesOfRole("newcomer");
        assertThat(hits).hasSize(2).allSatisfy(h -> {
            assertThat(h.get("rule")).isEqualTo("unknown-workload");
            assertThat(h.get("trigger_event_id")).isEqualTo(stranger.id());
        });
        assertThat(hits).extracting(h -> h.get("observed")).containsExactlyInAnyOrder("acme/new",
                "repo:acme/new:ref:refs/heads/main");
    }

    @Test
    void outsideWindowWhenAnAccessIsOutsideEveryApprovedWindowThenOneHitPerSubjectAndHour() {
        String sub = "repo:acme/office:ref:refs/heads/main";
        judge(normalWeek("office", sub, "acme/office", WEEK0));
        assertThat(anomaliesOfRole("office")).isEmpty();
        Instant saturday = WEEK0.plus(DAY.multipliedBy(5)).plus(Duration.ofHours(10));
        List<AuditEvent> first = run("office", sub, "acme/office", saturday);
        judge(first);
        judge(run("office", sub, "acme/office", saturday.plus(Duration.ofMinutes(30))));
        judge(run("office", sub, "acme/office", saturday.plus(Duration.ofMinutes(70))));
        List<Map<String, Object>> hits = anomaliesOfRole("office");
        assertThat(hits).hasSize(2).allSatisfy(h -> {
            assertThat(h.get("rule")).isEqualTo("outside-window");
            assertThat(h.get("risk")).isEqualTo("HIGH");
            assertThat(h.get("identity")).isEqualTo("role×subject");
        });
        assertThat(hits.get(0).get("trigger_event_id")).isEqualTo(first.get(0).id());
        // a Friday 18:00 job is still inside (the window covers the whole 18:00 minute); 18:01 is not
        judge(run("office", sub, "acme/office", WEEK0.plus(DAY.multipliedBy(11)).plus(Duration.ofHours(18))));
        assertThat(anomaliesOfRole("office")).hasSize(2);
        judge(run("office", sub, "acme/office", WEEK0.plus(DAY.multipliedBy(11)).plus(Duration.ofMinutes(18 * 60 + 1))));
        assertThat(anomaliesOfRole("office")).hasSize(3);
    }

    @Test
    void denialBurstWhenMoreThanMaxRefusalsFromOneIpInOneWindowThenFiresOnceAtTheOneOver() {
        Instant minute = WEEK0.plus(Duration.ofHours(30));
        List<AuditEvent> refused = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            refused.add(rejected("10.7.7.7", null, null, "invalid-token: bad signature", minute.plusSeconds(i)));
        }
        // the next minute: 20, which is the limit, not above it
        for (int i = 0; i < 20; i++) {
            refused.add(rejected("10.7.7.7", null, null, "invalid-token: bad signature", minute.plusSeconds(60 + i)));
        }
        judge(refused);
        List<Map<String, Object>> hits = anomalies("key", "10.7.7.7");
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0)).containsEntry("rule", "denial-burst").containsEntry("identity", "ip")
                .containsEntry("observed", 21).containsEntry("threshold", 20)
                .containsEntry("trigger_event_id", refused.get(20).id());
    }

    @Test
    void denialBurstWhenOneIpMixesAdminTokenGuessesAndSessionTokenRefusalsThenAllCountTowardsIt() {
        Instant minute = WEEK0.plus(Duration.ofHours(31));
        List<AuditEvent> refused = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            AuditEventType type = switch (i % 3) {
                case 0 -> AuditEventType.ADMIN_DENIED;
                case 1 -> AuditEventType.CONSOLE_SIGN_IN_FAILED;
                default -> AuditEventType.LEASE_DENIED;
            };
            refused.add(AuditEvent.builder(type).occurredAt(minute.plusSeconds(i)).clientIp("10.9.9.9")
                    .reason("unauthenticated: refused").build());
        }
        judge(refused.subList(0, 20));
        assertThat(anomalies("key", "10.9.9.9")).isEmpty();
        judge(refused.subList(20, 21));
        List<Map<String, Object>> hits = anomalies("key", "10.9.9.9");
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0)).containsEntry("rule", "denial-burst").containsEntry("identity", "ip")
                .containsEntry("observed", 21).containsEntry("trigger_event_id", refused.get(20).id());
    }

    @Test
    void roleMismatchWhenOneIssuerKeepsMissingRolesThenFiresOnceAtTheSixth() {
        Instant at = WEEK0.plus(Duration.ofHours(40));
        List<AuditEvent> refused = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // each from another IP and subject: only the issuer counter sees them all
            refused.add(rejected("10.8.0." + i, "mismatching-ci", "repo:evil/x" + i, "role-mismatch: role \"deploy\" "
                    + "refused this token", at.plusSeconds(30L * i)));
        }
        judge(refused);
        List<Map<String, Object>> hits = anomalies("key", "mismatching-ci");
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0)).containsEntry("rule", "role-mismatch").containsEntry("risk", "MEDIUM")
                .containsEntry("observed", 6).containsEntry("trigger_event_id", refused.get(5).id());
    }

    @Test
    void denialBurstWhenOneSubjectIsRefusedTooOftenOnAGuardedRoleThenItIsBlockedForTheRule() {
        String sub = "repo:acme/prober:ref:refs/heads/main";
        // Tuesday 10:00, inside the role's window: only the denials are unusual; each from another IP
        Instant at = WEEK0.plus(WEEK.multipliedBy(3)).plus(DAY).plus(Duration.ofHours(10));
        clockAtLeast(at.plusSeconds(30));
        List<AuditEvent> denied = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            denied.add(AuditEvent.builder(AuditEventType.LEASE_DENIED).occurredAt(at.plusMillis(500L * i))
                    .role("guarded").issuer("ci").subject(sub).clientIp("10.6.0." + i)
                    .reason("path-not-allowed: role \"guarded\" may not lease x/y").build());
        }
        judge(denied.subList(0, 20));
        assertThat(anomalies("key", sub)).isEmpty();
        assertThat(blocks.blocking("guarded", sub)).isEmpty();
        judge(denied.subList(20, 21));
        assertThat(anomalies("key", sub)).singleElement().satisfies(h -> assertThat(h)
                .containsEntry("rule", "denial-burst").containsEntry("identity", "subject")
                .containsEntry("observed", 21).containsEntry("trigger_event_id", denied.get(20).id()));
        assertThat(blocks.blocking("guarded", sub)).hasValueSatisfying(b -> assertThat(b.rule())
                .isEqualTo("denial-burst"));
    }

    // ---- blocking ---------------------------------------------------------------------------------------------------

    @Test
    void blockWhenAHighRiskHitOnAGuardedRoleThenSessionsRevokedExchangeRefusedAndLiftRestores() {
        String sub = "repo:acme/guarded:ref:refs/heads/main";
        String other = "repo:acme/bystander:ref:refs/heads/main";
        Session open = session("guarded", sub);
        Session bystander = session("guarded", other);
        Instant saturday = WEEK0.plus(DAY.multipliedBy(5)).plus(Duration.ofHours(3));
        clockAtLeast(saturday.plusSeconds(60));
        judge(run("guarded", sub, "acme/guarded", saturday));

        Block b = blocks.blocking("guarded", sub).orElseThrow();
        assertThat(b.rule()).isEqualTo("outside-window");
        assertThat(b.until()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(blocks.blocking("guarded", other)).isEmpty();
        assertThat(blocks.blocking("office", sub)).isEmpty();
        Refusal refusal = AnomalyBlocks.refusal(b);
        assertThat(refusal.reason()).isEqualTo("anomaly-block");
        assertThat(refusal.members()).containsEntry("rule", "outside-window").containsEntry("block_id", b.id());
        // the subject's session was revoked by the block, the bystander's was not
        assertThat(revokeReason(open.id())).isEqualTo("anomaly-block: outside-window");
        assertThat(revokeReason(bystander.id())).isNull();
        assertThat(types(sub)).contains("anomaly.detected", "anomaly.blocked", "session.revoked");

        // every replica reads it from PostgreSQL: a fresh reader finds it in force
        AnomalyBlocks replica = new AnomalyBlocks(database.db(), database.tx(),
                new SessionRevocations(database.db(), database.tx(), new SessionStore(database.db(), JSON,
                        DatabaseDeadline.after(Duration.ofSeconds(30))), JSON, Clock.systemUTC(), ids -> Mono.empty()),
                clock, Duration.ofSeconds(5));
        assertThat(replica.blocking("guarded", sub)).isEmpty();
        replica.refresh().block(TIMEOUT);
        Block read = replica.blocking("guarded", sub).orElseThrow();
        assertThat(read.id()).isEqualTo(b.id());
        assertThat(read.revokePasses()).as("the first revocation pass is recorded").isEqualTo(1);
        assertThat(blocks.list(false, 100).collectList().block(TIMEOUT)).extracting(Block::id).contains(b.id());

        // a second hit while blocked makes no second block
        judge(run("guarded", sub, "acme/guarded", saturday.plus(Duration.ofHours(1))));
        assertThat(database.db().sql("SELECT COUNT(*) AS n FROM anomaly_blocks WHERE subject = :s").bind("s", sub)
                .map(r -> r.get("n", Long.class)).one().block(TIMEOUT)).isEqualTo(1L);

        Block lifted = blocks.lift(b.id(), "127.0.0.1").block(TIMEOUT);
        assertThat(lifted.liftedAt()).isEqualTo(clock.instant());
        assertThat(blocks.blocking("guarded", sub)).isEmpty();
        replica.refresh().block(TIMEOUT);
        assertThat(replica.blocking("guarded", sub)).isEmpty();
        assertThat(types(sub)).contains("anomaly.block_lifted");
        assertThatThrownBy(() -> blocks.lift(b.id(), "127.0.0.1").block(TIMEOUT)).isInstanceOf(Refusal.class)
                .hasMessageContaining("already was lifted");
        assertThatThrownBy(() -> blocks.lift("no-such-block", "127.0.0.1").block(TIMEOUT))
                .isInstanceOf(Refusal.class).hasMessageContaining("no anomaly block");
    }

    @Test
    void blockWhenItRunsOutThenTheSubjectIsAdmittedAgain() {
        String sub = "repo:acme/guarded-expiry:ref:refs/heads/main";
        Instant sunday = WEEK0.plus(DAY.multipliedBy(13)).plus(Duration.ofHours(4));
        clockAtLeast(sunday.plusSeconds(60));
        judge(run("guarded", sub, "acme/guarded", sunday));
        assertThat(blocks.blocking("guarded", sub)).isPresent();
        clock.advance(Duration.ofMinutes(59));
        assertThat(blocks.blocking("guarded", sub)).isPresent();
        clock.advance(Duration.ofMinutes(1));
        assertThat(blocks.blocking("guarded", sub)).isEmpty();
        blocks.refresh().block(TIMEOUT);
        assertThat(blocks.blocking("guarded", sub)).isEmpty();
    }

    /** The blocks' clock only moves forward; the tests run in any order. */
    private static void clockAtLeast(Instant t) {
        if (clock.instant().isBefore(t)) {
            clock.advance(Duration.between(clock.instant(), t));
        }
    }

    private static Session session(String role, String subject) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Session s = new Session(UUID.randomUUID().toString(), role, "ci", null, subject, Map.of("repository", "x"),
                Map.of("sub", subject), now, now.plus(Duration.ofHours(1)), null);
        SessionStore store = new SessionStore(database.db(), JSON, DatabaseDeadline.after(Duration.ofSeconds(30)));
        statements.execute(Writes.of(store.row(s, UUID.randomUUID().toString().replace("-", "")
                + UUID.randomUUID().toString().replace("-", "")))).block(TIMEOUT);
        return s;
    }

    private static String revokeReason(String sessionId) {
        return database.db().sql("SELECT revoke_reason FROM sessions WHERE id = :id").bind("id", sessionId)
                .map(r -> java.util.Optional.ofNullable(r.get("revoke_reason", String.class))).one().block(TIMEOUT)
                .orElse(null);
    }

    private static List<String> types(String subject) {
        return database.db().sql("SELECT type FROM audit_events WHERE subject = :s ORDER BY seq").bind("s", subject)
                .map(r -> r.get("type", String.class)).all().collectList().block(TIMEOUT);
    }
}
