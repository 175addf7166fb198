// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.dynamic.DynamicCredentialStore;
import io.segura.broker.dynamic.DynamicEngines;
import io.segura.broker.dynamic.DynamicRevoker;
import io.segura.broker.lease.LeaseStore;
import io.segura.testkit.mariadb.MariaDb;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Dynamic secrets end to end against the real servers (DESIGN §6a): a broker issues PostgreSQL and MariaDB users,
 * the test logs in with them over JDBC, and every revocation path (the holder, the session's end, an admin's bulk
 * revoke, the expiry sweeper on a controlled clock, two sweepers racing) drops the user exactly once.
 *
 * <p>The broker's background sweeper runs once an hour here, so expiry happens only when a test calls
 * {@link DynamicRevoker#sweep} after moving the clock.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@Import(DynamicSecretsEndpointTest.ClockConfiguration.class)
@ExtendWith(OutputCaptureExtension.class)
class DynamicSecretsEndpointTest {

    static final String AUDIENCE = "https://segura.test";
    static final String ADMIN_TOKEN = "dynamic-admin-token-0123456789abcdef0123456789";
    static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/";
    static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    static final String MARIA_ADMIN = "segadm_" + SUFFIX;
    static final String MARIA_ADMIN_PASSWORD = "adm-" + UUID.randomUUID();
    static final String MARIA_DB = "segura_dyn_" + SUFFIX;

    /** Real time at the start (PostgreSQL checks VALID UNTIL against its own clock); only moves forward. */
    static final TestClock CLOCK = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.builder().clock(CLOCK).start();

    @Autowired
    WebTestClient web;
    @Autowired
    DynamicRevoker revoker;
    @Autowired
    DynamicEngines engines;
    @Autowired
    JsonMapper json;

    @TestConfiguration(proxyBeanMethods = false)
    static class ClockConfiguration {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @BeforeAll
    static void servers() throws SQLException {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA app");
            s.execute("CREATE TABLE app.inventory (sku text PRIMARY KEY)");
            s.execute("INSERT INTO app.inventory VALUES ('a-1')");
            s.execute("CREATE TABLE app.revocation_log (username text NOT NULL, at timestamptz DEFAULT now())");
            s.execute("CREATE TABLE app.blocked (on_purpose boolean)");
            s.execute("""
                    CREATE FUNCTION app.fail_while_blocked() RETURNS void LANGUAGE plpgsql AS $$
                    BEGIN
                      IF EXISTS (SELECT 1 FROM app.blocked) THEN
                        RAISE EXCEPTION 'revocation blocked by the test';
                      END IF;
                    END $$""");
        }
        try (Connection c = MariaDb.root(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + MARIA_DB);
            s.execute("CREATE TABLE " + MARIA_DB + ".inventory (sku varchar(32) PRIMARY KEY)");
            s.execute("INSERT INTO " + MARIA_DB + ".inventory VALUES ('m-1')");
            s.execute("CREATE USER '" + MARIA_ADMIN + "'@'%' IDENTIFIED BY '" + MARIA_ADMIN_PASSWORD + "'");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO '" + MARIA_ADMIN + "'@'%' WITH GRANT OPTION");
        }
    }

    @AfterAll
    static void cleanUp() throws SQLException {
        try (Connection c = MariaDb.root(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + MARIA_DB);
            s.execute("DROP USER IF EXISTS '" + MARIA_ADMIN + "'@'%'");
            for (String user : column(c, "SELECT User FROM mysql.user WHERE User LIKE 'v\\_dyn%'")) {
                s.execute("DROP USER IF EXISTS '" + user + "'@'%'");
            }
        }
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            for (String role : column(c, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'v\\_dyn%'")) {
                s.execute("DROP OWNED BY \"" + role + "\"");
                s.execute("DROP ROLE \"" + role + "\"");
            }
        }
    }

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) {
        registry.add("segura.config", () -> {
            try {
                Path file = Files.createTempFile("segura-dynamic", ".yaml");
                Files.writeString(file, config(), StandardCharsets.UTF_8);
                return file.toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        registry.add("segura.database-url", PG::r2dbcUrl);
        registry.add("segura.master-key", () -> MASTER_KEY);
        registry.add("segura.admin-token", () -> ADMIN_TOKEN);
        registry.add("segura.sweep-interval", () -> "1h");
        registry.add("segura.token-rate-per-ip", () -> "100000");
        registry.add("segura.token-rate-per-subject", () -> "1000");
    }

    static String config() {
        String pgUrl = "postgresql://" + PG.database().host() + ":" + PG.database().port() + "/" + PG.database().name();
        String pgCreate = """
                      creation:
                        - CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'
                        - GRANT USAGE ON SCHEMA app TO "{{name}}"
                        - GRANT SELECT ON ALL TABLES IN SCHEMA app TO "{{name}}"
                """;
        String pgConnection = """
                      connection:
                        url: %s
                        username: %s
                        password-secret: dyn/pg-admin
                """.formatted(pgUrl, PG.database().user());
        return """
                issuers:
                  - name: ci
                    issuer: %s
                    audiences: ["%s"]
                roles:
                  - name: dyn
                    issuers: [ci]
                    bound-claims: {repository_id: "301"}
                    dynamic: [db/pg-ro, db/maria-ro, db/pg-logged, db/pg-flaky, db/pg-down, db/maria-broken]
                    session-ttl: 2h
                    max-lease-ttl: 30m
                  - name: dyn-bulk
                    issuers: [ci]
                    bound-claims: {repository_id: "303"}
                    dynamic: [db/pg-ro, db/maria-ro]
                  - name: nodyn
                    issuers: [ci]
                    bound-claims: {repository_id: "302"}
                    secrets: ["x/*"]
                dynamic:
                  postgresql:
                    - name: db/pg-ro
                %s%s      default-ttl: 10m
                      max-ttl: 20m
                    - name: db/pg-logged
                %s%s      revocation:
                        - INSERT INTO app.revocation_log (username) VALUES ('{{name}}')
                        - DROP OWNED BY "{{name}}"
                        - DROP ROLE "{{name}}"
                    - name: db/pg-flaky
                %s%s      revocation:
                        - SELECT app.fail_while_blocked()
                        - DROP OWNED BY "{{name}}"
                        - DROP ROLE "{{name}}"
                    - name: db/pg-down
                      connection:
                        url: postgresql://127.0.0.1:1/nothing
                        username: nobody
                        password-secret: dyn/pg-admin
                      creation: ["CREATE ROLE \\"{{name}}\\" LOGIN PASSWORD '{{password}}'"]
                      connect-timeout: 2s
                  mysql:
                    - name: db/maria-ro
                      connection:
                        url: mysql://127.0.0.1:3306/%s
                        username: %s
                        password-secret: dyn/maria-admin
                      creation:
                        - CREATE USER '{{name}}'@'%%' IDENTIFIED BY '{{password}}'
                        - GRANT SELECT ON %s.* TO '{{name}}'@'%%'
                      password: {length: 24, min-symbols: 2}
                    - name: db/maria-broken
                      connection:
                        url: mysql://127.0.0.1:3306/%s
                        username: %s
                        password-secret: dyn/maria-admin
                      creation:
                        - CREATE USER '{{name}}'@'%%' IDENTIFIED BYY '{{password}}'
                """.formatted(ISSUER.issuer(), AUDIENCE, pgConnection, pgCreate, pgConnection, pgCreate,
                pgConnection, pgCreate, MARIA_DB, MARIA_ADMIN, MARIA_DB, MARIA_DB, MARIA_ADMIN);
    }

    // ---- the revocation paths ---------------------------------------------------------------------------------

    @Test
    void postgresUserLogsInAndIsGoneAfterTheHolderRevokes() throws SQLException {
        String session = session("301", "dyn");
        Map<String, Object> issued = issue(session, "db/pg-ro", "5m");
        Map<String, Object> cred = credential(issued);
        assertThat(issued.get("engine")).isEqualTo("postgresql");
        assertThat((String) cred.get("username")).startsWith("v_dyn_db_pg_ro_").hasSizeLessThanOrEqualTo(63);
        assertThat(cred.get("url")).isEqualTo("postgresql://" + cred.get("username") + ":" + cred.get("password")
                + "@" + PG.database().host() + ":" + PG.database().port() + "/" + PG.database().name());

        Connection held = pgLogin(cred);
        assertThat(column(held, "SELECT sku FROM app.inventory")).containsExactly("a-1");
        web.post().uri("/api/v2/a2a/leases/" + issued.get("lease_id") + "/renew").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("increment", "10m")).exchange()
                .expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/lease-not-renewable");

        web.delete().uri("/api/v2/a2a/leases/" + issued.get("lease_id")).headers(h -> h.setBearerAuth(session))
                .exchange().expectStatus().isNoContent();

        assertThatThrownBy(() -> pgLogin(cred).close()).isInstanceOf(SQLException.class);
        assertThat(pgRoleExists((String) cred.get("username"))).isFalse();
        // its open session was ended too (pg_terminate_backend is asynchronous: await it)
        await(() -> fails(held));
        assertThat(auditCount("dynamic.revoked", (String) issued.get("lease_id"))).isEqualTo(1);
    }

    @Test
    void mariadbUserLogsInAndIsGoneAfterTheHolderRevokes() throws SQLException {
        String session = session("301", "dyn");
        Map<String, Object> issued = issue(session, "db/maria-ro", "5m");
        Map<String, Object> cred = credential(issued);
        assertThat(issued.get("engine")).isEqualTo("mysql");
        // MySQL's 32: "v_" + the role (cut to fit) + "_" + 16 random characters
        assertThat((String) cred.get("username")).startsWith("v_dyn_").hasSize(2 + 3 + 1 + 16);
        assertThat((String) cred.get("password")).hasSize(24);

        Connection held = mariaLogin(cred);
        assertThat(column(held, "SELECT sku FROM inventory")).containsExactly("m-1");

        web.delete().uri("/api/v2/a2a/leases/" + issued.get("lease_id")).headers(h -> h.setBearerAuth(session))
                .exchange().expectStatus().isNoContent();

        assertThatThrownBy(() -> mariaLogin(cred).close()).isInstanceOf(SQLException.class);
        assertThat(mariaUserExists((String) cred.get("username"))).isFalse();
        await(() -> fails(held));
        assertThat(auditCount("dynamic.revoked", (String) issued.get("lease_id"))).isEqualTo(1);
    }

    @Test
    void endingTheSessionDropsItsUsers() throws SQLException {
        String session = session("301", "dyn");
        Map<String, Object> pg = credential(issue(session, "db/pg-ro", null));
        Map<String, Object> maria = credential(issue(session, "db/maria-ro", null));
        pgLogin(pg).close();
        mariaLogin(maria).close();

        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("token", session)).exchange().expectStatus().isOk();

        assertThat(pgRoleExists((String) pg.get("username"))).isFalse();
        assertThat(mariaUserExists((String) maria.get("username"))).isFalse();
    }

    @Test
    void adminBulkRevokeByRoleDropsTheUsers() throws SQLException {
        String session = session("303", "dyn-bulk");
        Map<String, Object> pg = credential(issue(session, "db/pg-ro", "2m"));
        Map<String, Object> maria = credential(issue(session, "db/maria-ro", "2m"));

        Map<?, ?> body = web.delete().uri("/api/v2/admin/leases?role=dyn-bulk")
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(body.get("revoked")).isEqualTo(2);

        assertThat(pgRoleExists((String) pg.get("username"))).isFalse();
        assertThat(mariaUserExists((String) maria.get("username"))).isFalse();
    }

    @Test
    void adminSessionRevocationBySubjectDropsTheUsers() throws SQLException {
        String subject = "repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main";
        String session = session(subject, "301", "dyn");
        Map<String, Object> pg = credential(issue(session, "db/pg-ro", null));
        Map<String, Object> maria = credential(issue(session, "db/maria-ro", null));
        pgLogin(pg).close();

        web.delete().uri(b -> b.path("/api/v2/admin/sessions").queryParam("subject", "{s}").build(subject))
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.revoked_sessions").isEqualTo(1)
                .jsonPath("$.revoked_leases").isEqualTo(2);

        // dropped when the revocation answers, not at the leases' expiry
        assertThat(pgRoleExists((String) pg.get("username"))).isFalse();
        assertThat(mariaUserExists((String) maria.get("username"))).isFalse();
    }

    @Test
    void theSweeperDropsExpiredUsersOnTheControlledClock() throws SQLException {
        String session = session("301", "dyn");
        Map<String, Object> issued = issue(session, "db/pg-ro", "1m");
        Map<String, Object> cred = credential(issued);
        revoker.sweep(50).block();
        assertThat(pgRoleExists((String) cred.get("username"))).as("not due yet").isTrue();

        CLOCK.advance(Duration.ofMinutes(2));
        revoker.sweep(50).block();

        assertThat(pgRoleExists((String) cred.get("username"))).isFalse();
        assertThat(auditCount("dynamic.revoked", (String) issued.get("lease_id"))).isEqualTo(1);
        revoker.sweep(50).block();
        assertThat(auditCount("dynamic.revoked", (String) issued.get("lease_id"))).isEqualTo(1);
    }

    /** Two sweepers, each on its own connections (as two replicas would be), race over the same expired leases. */
    @Test
    void twoSweepersRacingRevokeEachUserExactlyOnce() throws SQLException {
        String session = session("301", "dyn");
        List<String> leaseIds = new ArrayList<>();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Map<String, Object> issued = issue(session, "db/pg-logged", "1m");
            leaseIds.add((String) issued.get("lease_id"));
            users.add((String) credential(issued).get("username"));
        }
        CLOCK.advance(Duration.ofMinutes(2));
        DynamicRevoker other = secondReplica();

        Mono.zip(revoker.sweep(50).subscribeOn(Schedulers.parallel()),
                other.sweep(50).subscribeOn(Schedulers.parallel())).block(Duration.ofMinutes(2));
        // whatever either skipped because the other held it is done by then; one more pass each finds nothing
        Mono.zip(revoker.sweep(50), other.sweep(50)).block(Duration.ofMinutes(1));

        try (Connection c = PG.database().connect()) {
            for (String user : users) {
                assertThat(column(c, "SELECT username FROM app.revocation_log WHERE username = '" + user + "'"))
                        .as("revocation statements of " + user).hasSize(1);
                assertThat(pgRoleExists(user)).isFalse();
            }
        }
        for (String id : leaseIds) {
            assertThat(auditCount("dynamic.revoked", id)).as("dynamic.revoked of " + id).isEqualTo(1);
        }
    }

    @Test
    void aFailedRevocationIsAuditedListedAndRetriedUntilItSucceeds() throws SQLException {
        String session = session("301", "dyn");
        Map<String, Object> issued = issue(session, "db/pg-flaky", "5m");
        String leaseId = (String) issued.get("lease_id");
        String user = (String) credential(issued).get("username");
        execPg("INSERT INTO app.blocked VALUES (true)");
        try {
            web.delete().uri("/api/v2/a2a/leases/" + leaseId).headers(h -> h.setBearerAuth(session))
                    .exchange().expectStatus().isNoContent();
            assertThat(auditCount("dynamic.revoke_failed", leaseId)).isEqualTo(1);
            assertThat(pgRoleExists(user)).isTrue();
            Map<String, Object> pending = revocation(leaseId);
            assertThat(pending).containsEntry("attempts", 1).containsEntry("username", user)
                    .containsEntry("name", "db/pg-flaky");
            assertThat((String) pending.get("last_error")).contains("revocation blocked by the test");

            revoker.sweep(50).block();
            assertThat(auditCount("dynamic.revoke_failed", leaseId)).as("backoff not over").isEqualTo(1);
            CLOCK.advance(Duration.ofSeconds(11));
            revoker.sweep(50).block();
            assertThat(auditCount("dynamic.revoke_failed", leaseId)).isEqualTo(2);
            assertThat(revocation(leaseId)).containsEntry("attempts", 2);
        } finally {
            execPg("DELETE FROM app.blocked");
        }
        CLOCK.advance(Duration.ofSeconds(21));
        revoker.sweep(50).block();
        assertThat(pgRoleExists(user)).isFalse();
        assertThat(auditCount("dynamic.revoked", leaseId)).isEqualTo(1);
        assertThat(revocation(leaseId)).isNull();
    }

    // ---- refusals ---------------------------------------------------------------------------------------------

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("unknown name", "dyn", Map.of("name", "db/nope"), 404, "dynamic-secret-not-found"),
                Arguments.of("role without it", "nodyn", Map.of("name", "db/pg-ro"), 403, "dynamic-not-allowed"),
                Arguments.of("ttl over the engine's cap", "dyn", Map.of("name", "db/pg-ro", "ttl", "21m"), 422,
                        "ttl-over-cap"),
                Arguments.of("ttl over the role's cap", "dyn", Map.of("name", "db/maria-ro", "ttl", "31m"), 422,
                        "ttl-over-cap"),
                Arguments.of("no name", "dyn", Map.of("ttl", "5m"), 422, "invalid-dynamic-request"),
                Arguments.of("name not a string", "dyn", Map.of("name", 7), 422, "invalid-field"),
                Arguments.of("bad ttl", "dyn", Map.of("name", "db/pg-ro", "ttl", "soon"), 422, "invalid-duration"),
                Arguments.of("field a database engine does not take", "dyn",
                        Map.of("name", "db/pg-ro", "public_key", "ssh-ed25519 AAAA"), 422, "unknown-field"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void aBadRequestIsRefusedAndCreatesNothing(String name, String role, Map<String, Object> body, int status,
            String type) throws SQLException {
        String session = session(role.equals("nodyn") ? "302" : "301", role);
        int pgBefore = pgDynamicRoles();
        int mariaBefore = mariaDynamicUsers();
        int rowsBefore = dynamicRows();
        web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isEqualTo(status)
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/" + type);
        assertThat(pgDynamicRoles()).isEqualTo(pgBefore);
        assertThat(mariaDynamicUsers()).isEqualTo(mariaBefore);
        assertThat(dynamicRows()).isEqualTo(rowsBefore);
    }

    @Test
    void aBodyThatIsNotJsonIsRefused() {
        String session = session("301", "dyn");
        web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{name: db/pg-ro").exchange()
                .expectStatus().isEqualTo(422);
        web.post().uri("/api/v2/a2a/dynamic-secrets").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "db/pg-ro")).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void aDatabaseThatIsDownAnswers503WithRetryAfterAndRecordsNoLease() throws SQLException {
        String session = session("301", "dyn");
        int rowsBefore = dynamicRows();
        int leasesBefore = count("SELECT count(*) FROM leases");
        web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "db/pg-down")).exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists("Retry-After")
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/dynamic-engine-unavailable");
        assertThat(dynamicRows()).isEqualTo(rowsBefore);
        assertThat(count("SELECT count(*) FROM leases")).isEqualTo(leasesBefore);
    }

    // ---- no secret anywhere -------------------------------------------------------------------------------------

    @Test
    void noPasswordReachesTheLogOrTheAuditTrail(CapturedOutput output) throws SQLException {
        String session = session("301", "dyn");
        List<String> passwords = new ArrayList<>();
        for (String name : List.of("db/pg-ro", "db/maria-ro", "db/pg-flaky")) {
            Map<String, Object> issued = issue(session, name, "5m");
            passwords.add((String) credential(issued).get("password"));
            if (name.equals("db/pg-flaky")) {
                execPg("INSERT INTO app.blocked VALUES (true)");
            }
            web.delete().uri("/api/v2/a2a/leases/" + issued.get("lease_id")).headers(h -> h.setBearerAuth(session))
                    .exchange().expectStatus().isNoContent();
        }
        execPg("DELETE FROM app.blocked");
        passwords.add(MARIA_ADMIN_PASSWORD);
        // a creation statement the server rejects before the password: its error quotes the rest of it
        int mariaBefore = mariaDynamicUsers();
        web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "db/maria-broken")).exchange()
                .expectStatus().isEqualTo(500)
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/dynamic-engine-failed");
        assertThat(mariaDynamicUsers()).isEqualTo(mariaBefore);
        assertThat(output.getAll()).contains("dynamic engine db/maria-broken: creating the user")
                .contains("BYY '[password]'")
                .doesNotContainPattern("BYY '(?!\\[password])");
        String audit;
        try (Connection c = PG.database().connect()) {
            audit = String.join("\n", column(c, "SELECT concat_ws('|', type, role, subject, lease_id, secrets, "
                    + "reason, details) FROM audit_events"))
                    + String.join("\n", column(c, "SELECT concat_ws('|', handle, username, last_error) "
                    + "FROM dynamic_credentials"));
        }
        assertThat(audit).contains("dynamic.issued", "dynamic.revoked", "dynamic.revoke_failed");
        for (String password : passwords) {
            assertThat(output.getAll()).doesNotContain(password);
            assertThat(audit).doesNotContain(password);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    Map<String, Object> issue(String session, String name, String ttl) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        if (ttl != null) {
            body.put("ttl", ttl);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> issued = web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isCreated()
                .expectHeader().cacheControl(org.springframework.http.CacheControl.noStore())
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(issued).containsKeys("lease_id", "expires_at", "credential");
        assertThat(issued.get("renewable")).isEqualTo(false);
        assertThat(auditCount("dynamic.issued", (String) issued.get("lease_id"))).isEqualTo(1);
        return issued;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> credential(Map<String, Object> issued) {
        return (Map<String, Object>) issued.get("credential");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> revocation(String leaseId) {
        Map<?, ?> body = web.get().uri("/api/v2/admin/dynamic-secrets/revocations?failing=true")
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        for (Object o : (List<?>) body.get("revocations")) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (leaseId.equals(m.get("lease_id"))) {
                return m;
            }
        }
        return null;
    }

    String session(String repositoryId, String role) {
        return session("repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main", repositoryId, role);
    }

    String session(String subject, String repositoryId, String role) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", subject);
        claims.put("repository_id", repositoryId);
        claims.put("ref", "refs/heads/main");
        var form = BodyInserters.fromFormData("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
                .with("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
                .with("subject_token", ISSUER.mint(claims))
                .with("scope", "role:" + role);
        Map<?, ?> body = web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(form).exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        String token = (String) body.get("access_token");
        if (role.startsWith("dyn")) {
            ensureAdminPasswords();
        }
        return token;
    }

    private boolean passwordsWritten;

    private void ensureAdminPasswords() {
        if (passwordsWritten) {
            return;
        }
        for (Map.Entry<String, String> e : Map.of("dyn/pg-admin", "trust-auth-ignores-this",
                "dyn/maria-admin", MARIA_ADMIN_PASSWORD).entrySet()) {
            web.put().uri("/api/v2/admin/secrets/" + e.getKey()).headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", e.getValue()))
                    .exchange().expectStatus().isCreated();
        }
        passwordsWritten = true;
    }

    /** A second broker replica's revoker: same engines, its own connections and transactions. */
    DynamicRevoker secondReplica() {
        ConnectionFactory cf = ConnectionFactories.get(PG.r2dbcUrl());
        DatabaseClient db = DatabaseClient.create(cf);
        TransactionalOperator tx = TransactionalOperator.create(new R2dbcTransactionManager(cf));
        return new DynamicRevoker(engines, new DynamicCredentialStore(db, json), new LeaseStore(db, json),
                new AuditLog(db, new SimpleMeterRegistry()), tx, CLOCK);
    }

    static Connection pgLogin(Map<String, Object> cred) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + cred.get("host") + ":" + cred.get("port") + "/"
                + cred.get("database"), (String) cred.get("username"), (String) cred.get("password"));
    }

    static Connection mariaLogin(Map<String, Object> cred) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + cred.get("host") + ":" + cred.get("port") + "/"
                + cred.get("database"), (String) cred.get("username"), (String) cred.get("password"));
    }

    static boolean fails(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.onSpinWait();
        }
    }

    static boolean pgRoleExists(String role) throws SQLException {
        try (Connection c = PG.database().connect()) {
            return !column(c, "SELECT rolname FROM pg_roles WHERE rolname = '" + role + "'").isEmpty();
        }
    }

    static boolean mariaUserExists(String user) throws SQLException {
        try (Connection c = MariaDb.root()) {
            return !column(c, "SELECT User FROM mysql.user WHERE User = '" + user + "'").isEmpty();
        }
    }

    static int pgDynamicRoles() throws SQLException {
        try (Connection c = PG.database().connect()) {
            return column(c, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'v\\_dyn%'").size();
        }
    }

    static int mariaDynamicUsers() throws SQLException {
        try (Connection c = MariaDb.root()) {
            return column(c, "SELECT User FROM mysql.user WHERE User LIKE 'v\\_dyn%'").size();
        }
    }

    static int dynamicRows() throws SQLException {
        return count("SELECT count(*) FROM dynamic_credentials");
    }

    static int auditCount(String type, String leaseId) {
        try {
            return count("SELECT count(*) FROM audit_events WHERE type = '" + type + "' AND lease_id = '" + leaseId
                    + "'");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static int count(String sql) throws SQLException {
        try (Connection c = PG.database().connect()) {
            return Integer.parseInt(column(c, sql).get(0));
        }
    }

    static void execPg(String sql) throws SQLException {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static List<String> column(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
