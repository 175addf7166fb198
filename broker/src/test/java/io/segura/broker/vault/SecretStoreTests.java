// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.audit.AuditChainer;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.testkit.postgres.PostgresExtension;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

class SecretStoreTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final MasterKey KEK = EnvelopeTests.KEK;
    static final MasterKey NEW_KEK = EnvelopeTests.OTHER;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static MigratedDatabase database;
    static SecretStore store;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        store = new SecretStore(database.db(), database.tx(), KeyRing.of(KEK));
    }

    @Test
    void writeIfAbsentWhenPathHasAVersionThenNothingIsWrittenAndTheSupplierIsNotCalled() {
        SecretVersion v1 = store.writeIfAbsent("generated/ca", () -> "first-generated-value").block(TIMEOUT);
        assertThat(v1.version()).isEqualTo(1);
        assertThat(store.writeIfAbsent("generated/ca", () -> {
            throw new AssertionError("must not generate again");
        }).block(TIMEOUT)).isNull();
        store.write("generated/imported", "imported-value", null).block(TIMEOUT);
        assertThat(store.writeIfAbsent("generated/imported", () -> "other-value").block(TIMEOUT)).isNull();
        assertThat(store.read("generated/ca", null).block(TIMEOUT).value()).isEqualTo("first-generated-value");
        assertThat(store.read("generated/imported", null).block(TIMEOUT).value()).isEqualTo("imported-value");
        assertThat(store.metadata("generated/ca").block(TIMEOUT).currentVersion()).isEqualTo(1);
    }

    @Test
    void writeWhenNewPathThenVersionOneAndMetadataWithoutValue() {
        SecretVersion v1 = store.write("meta/db/password", "hunter2-value-1", Duration.ofDays(90)).block(TIMEOUT);
        assertThat(v1.version()).isEqualTo(1);
        SecretVersion v2 = store.write("meta/db/password", "hunter2-value-2", null).block(TIMEOUT);
        assertThat(v2.version()).isEqualTo(2);

        SecretMetadata m = store.metadata("meta/db/password").block(TIMEOUT);
        assertThat(m.currentVersion()).isEqualTo(2);
        assertThat(m.maxAge()).isEqualTo(Duration.ofDays(90));
        assertThat(m.versions()).extracting(SecretVersion::version).containsExactly(1, 2);
        assertThat(m.versions()).allSatisfy(v -> assertThat(v.exposedAt()).isNull());
        assertThat(m.createdAt()).isEqualTo(v1.createdAt());
        assertThat(m.updatedAt()).isEqualTo(v2.createdAt());
        assertThat(m.current()).isEqualTo(v2);
        assertThat(m.toString()).doesNotContain("hunter2");

        assertThat(store.read("meta/db/password", null).block(TIMEOUT).value()).isEqualTo("hunter2-value-2");
        SecretValue old = store.read("meta/db/password", 1).block(TIMEOUT);
        assertThat(old.value()).isEqualTo("hunter2-value-1");
        assertThat(old.createdAt()).isEqualTo(v1.createdAt());
        assertThat(old.toString()).doesNotContain("hunter2").contains("redacted");
    }

    @Test
    void readForLeaseWhenCurrentAndPinnedThenValuesAndGateFactsInRequestOrder() {
        SecretVersion v1 = store.write("facts/db", "facts-value-1", Duration.ofDays(30)).block(TIMEOUT);
        store.markExposed("facts/db", 1, "gitleaks", null, null).block(TIMEOUT);
        SecretVersion v2 = store.rotate("facts/db", "facts-value-2").block(TIMEOUT);
        store.write("facts/other", "other-value-1", null).block(TIMEOUT);

        LeaseRead read = store.readForLease(List.of(SecretRef.parse("facts/other"), SecretRef.parse("facts/db@1"),
                SecretRef.parse("facts/db"))).block(TIMEOUT);
        assertThat(read.values()).extracting(SecretValue::value)
                .containsExactly("other-value-1", "facts-value-1", "facts-value-2");
        SecretFacts other = read.facts().get(0);
        assertThat(other.maxAge()).isNull();
        assertThat(other.exposed()).isFalse();
        SecretFacts pinned = read.facts().get(1);
        assertThat(pinned.requestedVersion()).isEqualTo(1);
        assertThat(pinned.version()).isEqualTo(1);
        assertThat(pinned.currentVersion()).isEqualTo(2);
        assertThat(pinned.createdAt()).isEqualTo(v1.createdAt());
        assertThat(pinned.currentCreatedAt()).isEqualTo(v2.createdAt());
        assertThat(pinned.exposed()).isTrue();
        assertThat(pinned.maxAge()).isEqualTo(Duration.ofDays(30));
        SecretFacts current = read.facts().get(2);
        assertThat(current.requestedVersion()).isNull();
        assertThat(current.version()).isEqualTo(2);
        assertThat(current.exposed()).isFalse();

        assertThat(store.facts(List.of(SecretRef.parse("facts/db@1"))).block(TIMEOUT)).containsExactly(pinned);
        assertThatThrownBy(() -> store.facts(List.of(SecretRef.parse("facts/db@3"))).block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void readAllWhenManyReadsAtOnceThenTheyShareStatementsAndEachGetsExactlyItsOwnVersions() {
        for (int p = 0; p < 6; p++) {
            store.write("shared/p" + p, "p" + p + "-value-1", null).block(TIMEOUT);
            store.write("shared/p" + p, "p" + p + "-value-2", null).block(TIMEOUT);
        }
        // 60 reads started before any answers: each asks for its own mix of current and pinned versions, one of them
        // for a version that does not exist, which must fail that read alone
        List<Mono<List<String>>> reads = new ArrayList<>();
        for (int r = 0; r < 60; r++) {
            int a = r % 6;
            int b = (r + 1) % 6;
            List<SecretRef> refs = r == 30
                    ? List.of(SecretRef.parse("shared/p" + a), SecretRef.parse("shared/p" + b + "@3"))
                    : List.of(SecretRef.parse("shared/p" + a + (r % 2 == 0 ? "" : "@1")),
                            SecretRef.parse("shared/p" + b + "@2"));
            reads.add(store.readAll(refs).map(values -> values.stream().map(SecretValue::value).toList())
                    .onErrorResume(SecretNotFoundException.class, e -> Mono.just(List.of("not found: " + e.getMessage())))
                    .subscribeOn(Schedulers.parallel()));
        }
        List<List<String>> answers = Flux.mergeSequential(reads).collectList().block(TIMEOUT);
        for (int r = 0; r < 60; r++) {
            int a = r % 6;
            int b = (r + 1) % 6;
            if (r == 30) {
                assertThat(answers.get(r)).singleElement().asString().startsWith("not found: ").contains("shared/p" + b);
            } else {
                assertThat(answers.get(r)).as("read " + r)
                        .containsExactly("p" + a + "-value-" + (r % 2 == 0 ? 2 : 1), "p" + b + "-value-2");
            }
        }
    }

    @Test
    void rotateWhenValueGivenThenNewVersionAndOldStillReadable() {
        store.write("rot/api/key", "first-value", null).block(TIMEOUT);
        SecretVersion v = store.rotate("rot/api/key", "second-value").block(TIMEOUT);
        assertThat(v.version()).isEqualTo(2);
        assertThat(store.read("rot/api/key", null).block(TIMEOUT).value()).isEqualTo("second-value");
        assertThat(store.read("rot/api/key", 1).block(TIMEOUT).value()).isEqualTo("first-value");
    }

    @Test
    void rotateWhenGenerateThenRandomUrlSafeValueOfThatLength() {
        store.write("gen/token", "initial-value", null).block(TIMEOUT);
        store.rotate("gen/token", 48).block(TIMEOUT);
        SecretVersion v3 = store.rotate("gen/token", 48).block(TIMEOUT);
        String a = store.read("gen/token", 2).block(TIMEOUT).value();
        String b = store.read("gen/token", v3.version()).block(TIMEOUT).value();
        assertThat(a).hasSize(48).matches("[A-Za-z0-9_-]+");
        assertThat(b).hasSize(48).matches("[A-Za-z0-9_-]+").isNotEqualTo(a);
        assertThatThrownBy(() -> store.rotate("gen/token", 15).block(TIMEOUT))
                .isInstanceOf(InvalidSecretException.class).hasMessageContaining("generate.length");
        assertThatThrownBy(() -> store.rotate("gen/token", 257).block(TIMEOUT))
                .isInstanceOf(InvalidSecretException.class);
    }

    @Test
    void rotateWhenSecretMissingThenNotFound() {
        assertThatThrownBy(() -> store.rotate("missing/secret", "whatever-value").block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class).hasMessageContaining("missing/secret")
                .message().doesNotContain("whatever-value");
        assertThatThrownBy(() -> store.rotate("missing/secret", 32).block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);
        assertThatThrownBy(() -> store.metadata("missing/secret").block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void readWhenUnknownVersionOrPathThenNotFoundNamingIt() {
        store.write("nf/one", "only-value", null).block(TIMEOUT);
        assertThatThrownBy(() -> store.read("nf/one", 2).block(TIMEOUT))
                .isInstanceOfSatisfying(SecretNotFoundException.class, e -> {
                    assertThat(e.path()).isEqualTo("nf/one");
                    assertThat(e.version()).isEqualTo(2);
                });
        assertThatThrownBy(() -> store.read("nf/two", null).block(TIMEOUT))
                .isInstanceOfSatisfying(SecretNotFoundException.class, e -> assertThat(e.version()).isNull());
    }

    @Test
    void writeWhenConcurrentWritersThenDistinctConsecutiveVersions() {
        int writers = 12;
        List<SecretVersion> versions = Flux.range(0, writers)
                .flatMap(i -> store.write("race/shared", "value-" + i, null).subscribeOn(Schedulers.parallel()),
                        writers)
                .collectList().block(TIMEOUT);
        assertThat(versions).extracting(SecretVersion::version)
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, writers).boxed().toList());
        assertThat(store.metadata("race/shared").block(TIMEOUT).currentVersion()).isEqualTo(writers);
        Set<String> values = new HashSet<>();
        for (int v = 1; v <= writers; v++) {
            values.add(store.read("race/shared", v).block(TIMEOUT).value());
        }
        assertThat(values).hasSize(writers);
    }

    @Test
    void readAllWhenManyRefsThenOneResultPerRefInOrder() {
        store.write("batch/a", "a-1", null).block(TIMEOUT);
        store.write("batch/a", "a-2", null).block(TIMEOUT);
        store.write("batch/b", "b-1", null).block(TIMEOUT);
        store.write("batch/c_x", "c-1", null).block(TIMEOUT);
        List<SecretValue> got = store.readAll(List.of(SecretRef.parse("batch/b"), SecretRef.parse("batch/a@1"),
                SecretRef.parse("batch/a"), SecretRef.parse("batch/c_x"), SecretRef.parse("batch/a@1"))).block(TIMEOUT);
        assertThat(got).extracting(SecretValue::ref)
                .containsExactly("batch/b@1", "batch/a@1", "batch/a@2", "batch/c_x@1", "batch/a@1");
        assertThat(got).extracting(SecretValue::value).containsExactly("b-1", "a-1", "a-2", "c-1", "a-1");
        assertThat(store.readAll(List.of()).block(TIMEOUT)).isEmpty();
        assertThatThrownBy(() -> store.readAll(List.of(SecretRef.parse("batch/a"), SecretRef.parse("batch/a@9")))
                .block(TIMEOUT)).isInstanceOf(SecretNotFoundException.class).hasMessageContaining("batch/a");
    }

    @Test
    void listWhenPrefixThenMatchingPathsOrderedWithUnderscoreTakenLiterally() {
        store.write("list/x/one", "v", null).block(TIMEOUT);
        store.write("list/x/two", "v", null).block(TIMEOUT);
        store.write("list/x/two", "v2", null).block(TIMEOUT);
        store.write("list/y_z", "v", null).block(TIMEOUT);
        store.write("list/yaz", "v", null).block(TIMEOUT);
        assertThat(store.list("list/x/", 100).collectList().block(TIMEOUT))
                .extracting(SecretSummary::path, SecretSummary::currentVersion)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("list/x/one", 1),
                        org.assertj.core.groups.Tuple.tuple("list/x/two", 2));
        assertThat(store.list("list/y_", 100).map(SecretSummary::path).collectList().block(TIMEOUT))
                .containsExactly("list/y_z");
        assertThat(store.list("list/", 2).collectList().block(TIMEOUT)).hasSize(2);
        assertThat(store.list(null, 1000).collectList().block(TIMEOUT).size()).isGreaterThanOrEqualTo(4);
        assertThatThrownBy(() -> store.list("LIST%", 10).blockLast(TIMEOUT))
                .isInstanceOf(InvalidSecretException.class);
        assertThatThrownBy(() -> store.list("list/", 1001).blockLast(TIMEOUT))
                .isInstanceOf(InvalidSecretException.class);
    }

    @Test
    void findByValueWhenLeakedValueThenThatVersionOnly() {
        store.write("leak/db", "leaked-value-xyz", null).block(TIMEOUT);
        store.write("leak/db", "fresh-value", null).block(TIMEOUT);
        store.write("leak/other", "unrelated", null).block(TIMEOUT);
        store.write("leak/copy", "leaked-value-xyz", null).block(TIMEOUT);
        assertThat(store.findByValue("leaked-value-xyz").map(SecretVersion::ref).collectList().block(TIMEOUT))
                .containsExactly("leak/copy@1", "leak/db@1");
        assertThat(store.findByValue("no-such-value").collectList().block(TIMEOUT)).isEmpty();
    }

    @Test
    void markExposedWhenVersionExistsThenExposureRowAndExposedAtSetOnce() {
        store.write("exp/key", "exp-value-1", null).block(TIMEOUT);
        store.write("exp/key", "exp-value-2", null).block(TIMEOUT);
        Exposure first = store.markExposed("exp/key", 1, "gitleaks", "found in commit abc", "https://example.test/c")
                .block(TIMEOUT);
        assertThat(first.path()).isEqualTo("exp/key");
        assertThat(first.version()).isEqualTo(1);
        Exposure second = store.markExposed("exp/key", 1, "trufflehog", null, null).block(TIMEOUT);
        SecretMetadata m = store.metadata("exp/key").block(TIMEOUT);
        assertThat(m.versions().get(0).exposedAt()).isEqualTo(first.reportedAt());
        assertThat(second.reportedAt()).isAfterOrEqualTo(first.reportedAt());
        assertThat(m.versions().get(1).exposedAt()).isNull();
        Long rows = database.db().sql("SELECT COUNT(*) AS n FROM exposures WHERE path = 'exp/key'")
                .map(r -> r.get("n", Long.class)).one().block(TIMEOUT);
        assertThat(rows).isEqualTo(2);
        assertThatThrownBy(() -> store.markExposed("exp/key", 3, "scanner", null, null).block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);
        assertThatThrownBy(() -> store.markExposed("exp/key", 1, " ", null, null).block(TIMEOUT))
                .isInstanceOf(InvalidSecretException.class).hasMessageContaining("source");
    }

    @Test
    void readWhenRowCopiedToAnotherVersionThenIntegrityFailure() throws Exception {
        store.write("swap/a", "value-a-1", null).block(TIMEOUT);
        store.write("swap/a", "value-a-2", null).block(TIMEOUT);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE secret_versions SET wrapped_dek = (SELECT wrapped_dek FROM secret_versions "
                    + "WHERE path = 'swap/a' AND version = 1), nonce = (SELECT nonce FROM secret_versions "
                    + "WHERE path = 'swap/a' AND version = 1), ciphertext = (SELECT ciphertext FROM secret_versions "
                    + "WHERE path = 'swap/a' AND version = 1) WHERE path = 'swap/a' AND version = 2");
        }
        try {
            assertThatThrownBy(() -> store.read("swap/a", 2).block(TIMEOUT))
                    .isInstanceOf(VaultIntegrityException.class)
                    .hasMessageContaining("swap/a@2").message().doesNotContain("value-a");
        } finally {
            // The tampered row would (rightly) fail later reads of every version: remove it.
            try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM secret_versions WHERE path = 'swap/a'");
                s.executeUpdate("DELETE FROM secrets WHERE path = 'swap/a'");
            }
        }
    }

    static Stream<Arguments> invalidWrites() {
        return Stream.of(
                Arguments.of("upper case", "DB/prod", "v", "path"),
                Arguments.of("leading slash", "/db/prod", "v", "path"),
                Arguments.of("trailing slash", "db/prod/", "v", "path"),
                Arguments.of("dot dot segment", "db/../prod", "v", "path"),
                Arguments.of("empty segment", "db//prod", "v", "path"),
                Arguments.of("space", "db/pr od", "v", "path"),
                Arguments.of("too long", "a".repeat(257), "v", "path"),
                Arguments.of("empty path", "", "v", "path"),
                Arguments.of("empty value", "ok/path", "", "value"),
                Arguments.of("null value", "ok/path", null, "value"),
                Arguments.of("value over 64 KiB", "ok/path", "x".repeat(64 * 1024 + 1), "value"),
                Arguments.of("value over 64 KiB as UTF-8", "ok/path", "é".repeat(32 * 1024 + 1), "value"),
                Arguments.of("lone surrogate", "ok/path", "abc\uD800def", "value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidWrites")
    void writeWhenInvalidThenTypedErrorNamingFieldNeverValue(String name, String path, String value, String field) {
        assertThatThrownBy(() -> store.write(path, value, null).block(TIMEOUT))
                .isInstanceOfSatisfying(InvalidSecretException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    if (value != null && !value.isEmpty()) {
                        assertThat(e.getMessage()).doesNotContain(value);
                    }
                });
    }

    @Test
    void writeWhenLimitsExactlyMetThenAccepted() {
        String path = "l/" + "a".repeat(254);
        assertThat(store.write(path, "é".repeat(32 * 1024), null).block(TIMEOUT).version()).isEqualTo(1);
        assertThat(store.read(path, null).block(TIMEOUT).value()).hasSize(32 * 1024);
        assertThatThrownBy(() -> store.write("ok/path", "v", Duration.ZERO).block(TIMEOUT))
                .isInstanceOf(InvalidSecretException.class).hasMessageContaining("max-age");
    }

    @Test
    void writeWhenCalledInsideCallerTransactionThatRollsBackThenNothingStored() throws Exception {
        Mono<SecretVersion> work = store.write("txn/rolled-back", "tx-value", null)
                .then(store.write("txn/rolled-back", "tx-value-2", null))
                .then(Mono.error(new IllegalStateException("caller fails after the write")));
        assertThatThrownBy(() -> database.tx().transactional(work).block(TIMEOUT))
                .hasMessageContaining("caller fails");
        assertThatThrownBy(() -> store.metadata("txn/rolled-back").block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);
        assertThat(countWhere("path = 'txn/rolled-back'")).isZero();
    }

    @Test
    void storedColumnsWhenScannedThenNeverContainPlaintext() throws Exception {
        String value = "PLAINTEXT-canary-7f3a9c";
        AuditLog audit = new AuditLog(database.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        SecretVersion v1 = database.tx().transactional(store.write("scan/canary", value, null)
                .flatMap(v -> audit.append(AuditEvent.builder(AuditEventType.SECRET_WRITTEN).subject("admin")
                        .secrets(List.of(v.ref())).build()).thenReturn(v))).block(TIMEOUT);
        SecretVersion v2 = store.rotate("scan/canary", value + "-2").block(TIMEOUT);
        audit.append(AuditEvent.builder(AuditEventType.SECRET_ROTATED).secrets(List.of(v2.ref())).build())
                .block(TIMEOUT);
        store.markExposed("scan/canary", v1.version(), "scanner", "found somewhere", null).block(TIMEOUT);
        new AuditChainer(database.db(), database.tx()).linkAll().block(TIMEOUT);
        assertThat(countRows("audit_events")).isGreaterThanOrEqualTo(2);
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        String b64 = Base64.getEncoder().encodeToString(utf8);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            for (String table : List.of("secrets", "secret_versions", "exposures", "audit_events", "audit_links")) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            byte[] raw = rs.getBytes(i);
                            String text = rs.getString(i);
                            assertThat(text == null ? "" : text).as(table + "." + md.getColumnName(i))
                                    .doesNotContain("PLAINTEXT-canary").doesNotContain(b64.substring(0, 16));
                            if (raw != null) {
                                assertThat(indexOf(raw, utf8)).as(table + "." + md.getColumnName(i)).isEqualTo(-1);
                            }
                        }
                    }
                }
            }
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static long countRows(String table) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long countWhere(String condition) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM secret_versions WHERE " + condition)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
