// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.config.DynamicSpec.DatabaseSpec;
import io.segura.broker.config.DynamicSpec.Dialect;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.broker.dynamic.DynamicRequest;
import io.segura.broker.dynamic.IssuedCredential;
import io.segura.testkit.mariadb.MariaDb;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * The complete example of {@code docs/DYNAMIC-SECRETS.md}, as it is written there: it loads as a trust config, and
 * each engine's statements (the documented defaults for revocation) create a user that logs in on the real
 * PostgreSQL and MariaDB, and drop it. Only where the example points (host, database, admin user) is moved to this
 * machine's test servers.
 */
class DynamicSecretsDocTest {

    static final Path DOC = Path.of("..", "docs", "DYNAMIC-SECRETS.md");
    static final String MARKER = "<!-- dynamic-secrets-example";
    static final String MARIADB = "jdbc:mariadb://127.0.0.1:3306/";

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static String exampleYaml() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int marker = doc.indexOf(MARKER);
        assertThat(marker).as("the example's marker in " + DOC).isNotNegative();
        int start = doc.indexOf("```yaml\n", marker) + "```yaml\n".length();
        int end = doc.indexOf("\n```", start);
        return doc.substring(start, end + 1);
    }

    static TrustConfig example() throws IOException {
        return TrustConfigLoader.parse(exampleYaml(), DOC.toString());
    }

    @Test
    void theExampleLoadsAsWritten() throws IOException {
        TrustConfig config = example();
        RoleSpec role = config.roles().get(0);
        assertThat(role.dynamic()).containsExactly("db/prod-readonly", "db/orders-readonly");
        assertThat(config.dynamic().postgresql()).singleElement().satisfies(pg -> {
            assertThat(pg.name()).isEqualTo("db/prod-readonly");
            assertThat(pg.passwordSecret()).isEqualTo("dynamic/postgres/segura-admin");
            assertThat(pg.revocation()).as("the default revocation").isEmpty();
            assertThat(pg.password().length()).isEqualTo(32);
            assertThat(pg.password().minDigits()).isEqualTo(2);
            assertThat(pg.maxTtl()).isEqualTo(Duration.ofHours(1));
        });
        assertThat(config.dynamic().mysql()).singleElement().satisfies(my -> {
            assertThat(my.dialect()).isEqualTo(Dialect.MYSQL);
            assertThat(my.nameTemplate()).isEqualTo("v_{{role}}_{{random}}");
            assertThat(my.maxTtl()).isEqualTo(Duration.ofMinutes(30));
        });
    }

    @Test
    void thePostgresExampleCreatesAUserThatLogsInAndItsDefaultRevocationDropsIt() throws Exception {
        DatabaseSpec documented = example().dynamic().postgresql().get(0);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE readings (v int)");
            s.execute("INSERT INTO readings VALUES (42)");
        }
        DatabaseSpec here = moved(documented, "postgresql://" + PG.database().host() + ":" + PG.database().port()
                + "/" + PG.database().name(), PG.database().user());
        DatabaseEngine engine = new DatabaseEngine(here, path -> Mono.just("trust-auth-ignores-it"),
                new SecureRandom(), Clock.systemUTC());

        IssuedCredential credential = engine.issue(request(documented)).block();
        Map<String, Object> f = credential.fields();
        String user = (String) f.get("username");
        assertThat(user).startsWith("v_deploy_prod_db_prod_readonly_").hasSizeLessThanOrEqualTo(63);
        assertThat((String) f.get("password")).hasSize(32).matches(p -> p.chars().filter(Character::isDigit)
                .count() >= 2, "at least 2 digits");
        String jdbc = "jdbc:postgresql://" + f.get("host") + ":" + f.get("port") + "/" + f.get("database");
        Connection held = DriverManager.getConnection(jdbc, user, (String) f.get("password"));
        assertThat(column(held, "SELECT v FROM readings")).containsExactly("42");
        try (Statement s = held.createStatement()) {
            // something the user owns, which a plain DROP ROLE would trip over
            s.execute("CREATE TEMP TABLE scratch (x int)");
        }

        engine.revoke(credential.handle()).block();

        assertThatThrownBy(() -> DriverManager.getConnection(jdbc, user, (String) f.get("password")).close())
                .isInstanceOf(SQLException.class);
        try (Connection c = PG.database().connect()) {
            assertThat(column(c, "SELECT rolname FROM pg_roles WHERE rolname = '" + user + "'")).isEmpty();
        }
        awaitBroken(held);
        // idempotent: a repeated revocation (after a crash before the commit) succeeds
        engine.revoke(credential.handle()).block();
    }

    @Test
    void theMariadbExampleCreatesAUserThatLogsInAndItsDefaultRevocationDropsIt() throws Exception {
        DatabaseSpec documented = example().dynamic().mysql().get(0);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String database = "segura_doc_" + suffix;
        String admin = "segdoc_" + suffix;
        String adminPassword = "adm-" + UUID.randomUUID();
        try (Connection c = MariaDb.root(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
            s.execute("CREATE TABLE " + database + ".orders (id int)");
            s.execute("INSERT INTO " + database + ".orders VALUES (7)");
            s.execute("CREATE USER '" + admin + "'@'%' IDENTIFIED BY '" + adminPassword + "'");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO '" + admin + "'@'%' WITH GRANT OPTION");
        }
        try {
            DatabaseSpec here = moved(documented, "mysql://127.0.0.1:3306/" + database, admin);
            DatabaseEngine engine = new DatabaseEngine(here, path -> Mono.just(adminPassword), new SecureRandom(),
                    Clock.systemUTC());

            IssuedCredential credential = engine.issue(request(documented)).block();
            Map<String, Object> f = credential.fields();
            String user = (String) f.get("username");
            assertThat(user).matches("v_deploy_prod_[a-z0-9]{16}");
            String jdbc = "jdbc:mariadb://" + f.get("host") + ":" + f.get("port") + "/" + f.get("database");
            Connection held = DriverManager.getConnection(jdbc, user, (String) f.get("password"));
            assertThat(column(held, "SELECT id FROM orders")).containsExactly("7");

            engine.revoke(credential.handle()).block();

            assertThatThrownBy(() -> DriverManager.getConnection(jdbc, user, (String) f.get("password")).close())
                    .isInstanceOf(SQLException.class);
            try (Connection c = MariaDb.root()) {
                assertThat(column(c, "SELECT User FROM mysql.user WHERE User = '" + user + "'")).isEmpty();
            }
            awaitBroken(held);
            engine.revoke(credential.handle()).block();
        } finally {
            try (Connection c = MariaDb.root();
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database);
                s.execute("DROP USER IF EXISTS '" + admin + "'@'%'");
            }
        }
    }

    static DynamicRequest request(DatabaseSpec spec) {
        return new DynamicRequest(spec.name(), java.util.UUID.randomUUID().toString(), "deploy-prod", Map.of(),
                Instant.now().plus(Duration.ofMinutes(15)), Map.of());
    }

    /** The documented engine, pointed at this machine's server and admin user; every statement stays as written. */
    static DatabaseSpec moved(DatabaseSpec d, String url, String adminUser) {
        return new DatabaseSpec(d.name(), d.dialect(), url, adminUser, d.passwordSecret(), d.creation(),
                d.revocation(), d.nameTemplate(), d.password(), d.defaultTtl(), d.maxTtl(), d.connectTimeout(),
                d.at());
    }

    static void awaitBroken(Connection held) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Statement s = held.createStatement()) {
                s.execute("SELECT 1");
            } catch (SQLException e) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the revoked user's open session still answers after 30 s");
            }
            Thread.onSpinWait();
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
