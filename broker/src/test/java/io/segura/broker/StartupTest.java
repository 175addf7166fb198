// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.segura.broker.config.ConfigException;
import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretStore;
import io.segura.testkit.postgres.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ConfigurableApplicationContext;

/** The broker refuses to start on a bad trust config, missing settings or a wrong master key, and says exactly why. */
class StartupTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    @TempDir
    Path dir;

    @Test
    void startWhenConfigInvalidThenRefusesNamingFileLineAndField() throws Exception {
        Path config = dir.resolve("trust.yaml");
        Files.writeString(config, """
                issuers:
                  - name: gh
                    preset: github-actions
                    audiences: ["https://segura.example"]
                roles:
                  - name: deploy
                    issuers: [gh]
                    bound-claim:
                      repository_id: "74"
                    secrets: ["db/*"]
                """);
        Throwable failure = startFailure(config, "r2dbc:h2:mem:///startup-test");
        ConfigException cause = findCause(failure, ConfigException.class);
        assertThat(cause.getMessage()).contains("trust.yaml:8:", "roles[0].bound-claim", "bound-claims");
        FailureAnalysis analysis = new StartupFailureAnalyzer().analyze(failure);
        assertThat(analysis.getDescription()).contains("refuses to start", "trust.yaml:8:");
    }

    @Test
    void startWhenCelExpressionDoesNotCompileThenRefusesNamingRoleLineAndColumn() throws Exception {
        Path config = dir.resolve("cel.yaml");
        Files.writeString(config, """
                issuers:
                  - name: gh
                    preset: github-actions
                    audiences: ["https://segura.example"]
                roles:
                  - name: deploy
                    issuers: [gh]
                    bound-claims:
                      repository_id: "74"
                    condition: 'claims.ref == "refs/heads/main" &&'
                    secrets: ["db/*"]
                """);
        Throwable failure = startFailure(config, "r2dbc:h2:mem:///startup-test-cel");
        ConfigException cause = findCause(failure, ConfigException.class);
        assertThat(cause.getMessage()).contains("cel.yaml:10:", "roles[0].condition", "role \"deploy\"",
                "line 1, column 35");
        assertThat(new StartupFailureAnalyzer().analyze(failure).getDescription()).contains("roles[0].condition");
    }

    @Test
    void startWhenConfigUnsetThenSaysWhatToSet() {
        assertThat(refusal("startup-test-2", Map.of())).contains("SEGURA_CONFIG");
    }

    @Test
    void startWhenADeadlineOrARekeySettingIsOutOfRangeThenRefusesNamingTheVariable() {
        assertThat(refusal("startup-test-3", Map.of("segura.database-timeout", "0s")))
                .contains("SEGURA_DATABASE_TIMEOUT must be a positive duration (e.g. 10s), got PT0S");
        assertThat(refusal("startup-test-4", Map.of("segura.request-timeout", "-5s")))
                .contains("SEGURA_REQUEST_TIMEOUT must be a positive duration (e.g. 10s), got PT-5S");
        assertThat(refusal("startup-test-6", Map.of("segura.rekey-claim-ttl", "0s")))
                .contains("SEGURA_REKEY_CLAIM_TTL must be a positive duration (e.g. 10s), got PT0S");
        assertThat(refusal("startup-test-7", Map.of("segura.rekey-page-size", "0")))
                .contains("SEGURA_REKEY_PAGE_SIZE must be an integer from 1 to 1000, got 0");
    }

    @Test
    void startWhenAPreviousMasterKeyIsBadThenRefusesNamingTheVariable() throws Exception {
        assertThat(refusal("startup-test-5", Map.of("segura.config", validConfig().toString(), "segura.master-key",
                KEY, "segura.master-key-previous", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd")))
                .contains("SEGURA_MASTER_KEY_PREVIOUS key 1 must decode to exactly 32 bytes, got 30");
    }

    /**
     * Versions sealed under a key the broker is not given (a mistyped SEGURA_MASTER_KEY, or a rotation whose old key
     * was dropped too early) stop the start with the key ids and the fix; given the old key as previous, it starts.
     */
    @Test
    void startWhenVersionsAreUnderAKeyNotGivenThenRefusesNamingItAndStartsOnceItIsAPreviousKey() throws Exception {
        MigratedDatabase db = MigratedDatabase.postgres(PG);
        MasterKey old = MasterKey.fromBase64(KEY);
        new SecretStore(db.db(), db.tx(), KeyRing.of(old)).write("app/one", "startup-value-1", null)
                .block(Duration.ofSeconds(30));
        Path config = validConfig();
        String other = Base64.getEncoder().encodeToString(new byte[32]);
        Map<String, Object> settings = new java.util.HashMap<>(Map.of("segura.config", config.toString(),
                "segura.database-url", PG.r2dbcUrl(), "segura.master-key", other, "server.port", "0"));
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(SeguraBrokerApplication.class)
                .properties(settings).run().close());
        assertThat(failure).as("the broker must refuse to start").isNotNull();
        assertThat(rootMessage(failure)).contains("1 secret version sealed under master key " + old.id(),
                "SEGURA_MASTER_KEY_PREVIOUS").doesNotContain(KEY, other, "startup-value-1");
        assertThat(new MasterKeyFailureAnalyzer().analyze(failure).getDescription())
                .startsWith("The master keys are unusable; the broker refuses to start:\nthe vault holds 1 secret"
                        + " version sealed under master key " + old.id());

        settings.put("segura.master-key-previous", KEY);
        try (ConfigurableApplicationContext started = new SpringApplicationBuilder(SeguraBrokerApplication.class)
                .properties(settings).run()) {
            assertThat(started.getBean(KeyRing.class).ids()).containsExactly(MasterKey.fromBase64(other).id(),
                    old.id());
        }
    }

    private Path validConfig() throws Exception {
        Path config = dir.resolve("valid.yaml");
        Files.writeString(config, """
                issuers:
                  - name: gh
                    preset: github-actions
                    audiences: ["https://segura.example"]
                roles:
                  - name: deploy
                    issuers: [gh]
                    bound-claims:
                      repository_id: "74"
                    secrets: ["db/*"]
                """);
        return config;
    }

    /** Starts the broker on an H2 database with {@code settings} and no trust config; the root cause of its refusal. */
    private static String refusal(String database, Map<String, String> settings) {
        Map<String, Object> properties = new java.util.HashMap<>(settings);
        properties.put("segura.database-url", "r2dbc:h2:mem:///" + database);
        properties.put("server.port", "0");
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(SeguraBrokerApplication.class)
                .properties(properties).run());
        assertThat(failure).as("the broker must refuse to start").isNotNull();
        return rootMessage(failure);
    }

    /** Starts the broker with {@code config} on an H2 database; returns why it refused (it must refuse). */
    private static Throwable startFailure(Path config, String databaseUrl) {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(SeguraBrokerApplication.class)
                .properties(Map.of("segura.config", config.toString(),
                        "segura.database-url", databaseUrl,
                        "segura.master-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                        "server.port", "0"))
                .run());
        assertThat(failure).as("the broker must refuse to start").isNotNull();
        return failure;
    }

    private static <T extends Throwable> T findCause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + e);
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    /** Start-up's first read is tried again on a pool timeout (a slow first connection), never on a real refusal. */
    @Test
    void transientDatabaseFailureWhenTheAcquireTimedOutThenTrueElseFalse() {
        assertThat(BrokerConfiguration.transientDatabaseFailure(new org.springframework.dao
                .DataAccessResourceFailureException("failed to obtain a connection",
                        new io.r2dbc.spi.R2dbcTimeoutException("Connection acquisition timed out after 3000ms"))))
                .isTrue();
        assertThat(BrokerConfiguration.transientDatabaseFailure(new IllegalStateException("the vault holds 2 secret"
                + " versions sealed under master key k1, which this broker does not hold"))).isFalse();
        assertThat(BrokerConfiguration.transientDatabaseFailure(new io.r2dbc.spi.R2dbcBadGrammarException("no table")))
                .isFalse();
    }
}
