// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.mariadb.MariaDb;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code segura-cli exec} with dynamic secrets (DESIGN §6a) against a live broker process and the real PostgreSQL
 * and MariaDB servers: the child logs in with {@code psql} and {@code mysql} as the fresh users, their passwords are
 * masked in its output, and once exec ends both users are gone.
 */
class CliDynamicSecretsTest {

    static final String AUDIENCE = "https://segura.test";
    static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    static final String MARIA_ADMIN = "segcli_" + SUFFIX;
    static final String MARIA_ADMIN_PASSWORD = "adm-" + UUID.randomUUID();
    static final String MARIA_DB = "segura_cli_" + SUFFIX;

    static IssuerSimulator issuer;
    static TestDatabase db;
    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        issuer = IssuerSimulator.start();
        db = TestDatabase.create("CliDynamicSecretsTest");
        try (Connection c = MariaDb.root();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + MARIA_DB);
            s.execute("CREATE USER '" + MARIA_ADMIN + "'@'%' IDENTIFIED BY '" + MARIA_ADMIN_PASSWORD + "'");
            s.execute("GRANT ALL PRIVILEGES ON *.* TO '" + MARIA_ADMIN + "'@'%' WITH GRANT OPTION");
        }
        broker = BrokerLauncher.builder().owner("CliDynamicSecretsTest").database(db).config(String.join("\n",
                "issuers:",
                "  - name: ci",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: ci",
                "    issuers: [ci]",
                "    bound-claims:",
                "      sub: \"repo:acme/*\"",
                "    dynamic: [db/app-pg, db/app-maria]",
                "dynamic:",
                "  postgresql:",
                "    - name: db/app-pg",
                "      connection:",
                "        url: postgresql://" + db.host() + ":" + db.port() + "/" + db.name(),
                "        username: " + db.user(),
                "        password-secret: dynamic/pg-admin",
                "      creation:",
                "        - CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'",
                "  mysql:",
                "    - name: db/app-maria",
                "      connection:",
                "        url: mysql://127.0.0.1:3306/" + MARIA_DB,
                "        username: " + MARIA_ADMIN,
                "        password-secret: dynamic/maria-admin",
                "      creation:",
                "        - CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'",
                "        - GRANT SELECT ON " + MARIA_DB + ".* TO '{{name}}'@'%'",
                "")).start();
        broker.putSecret("dynamic/pg-admin", "trust-auth-ignores-it");
        broker.putSecret("dynamic/maria-admin", MARIA_ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        try (Connection c = MariaDb.root();
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + MARIA_DB);
            s.execute("DROP USER IF EXISTS '" + MARIA_ADMIN + "'@'%'");
        }
        if (db != null) {
            db.drop();
        }
    }

    static Map<String, String> env(String sub, String secrets) {
        Map<String, String> vars = new HashMap<>();
        vars.put("SEGURA_URL", broker.url().toString());
        vars.put("SEGURA_AUDIENCE", AUDIENCE);
        vars.put("SEGURA_ROLE", "ci");
        vars.put("SEGURA_ID_TOKEN", issuer.mint(Map.of("sub", sub, "aud", AUDIENCE)));
        vars.put("SEGURA_SECRETS", secrets);
        return CliHarness.env(vars);
    }

    @Test
    void execWhenDynamicSecretsThenChildLogsInAsFreshUsersAndTheyAreGoneAfterwards() throws Exception {
        String sub = "repo:acme/dynamic-exec";
        var r = CliHarness.run(env(sub, "dynamic:db/app-pg > DATABASE_URL; dynamic:db/app-pg.password > PGPW;"
                        + " dynamic:db/app-maria.username > MUSER; dynamic:db/app-maria.password > MYSQL_PWD"),
                "", work, "exec", "--", "sh", "-c",
                "psql \"$DATABASE_URL\" -Atc 'select current_user' | sed 's/^/pg-user=/';"
                        + " mysql -h127.0.0.1 -P3306 -u\"$MUSER\" -N -e 'select current_user()' | sed 's/^/my-user=/';"
                        + " echo \"pw=$PGPW url=$DATABASE_URL\"");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String pgUser = group(r.out(), "pg-user=(v_ci_db_app_pg_[a-z0-9]{16})");
        String myUser = group(r.out(), "my-user=(v_ci_[a-z0-9]{16})@%");
        assertThat(r.out()).contains("pw=*** url=***");
        assertThat(r.err()).contains("dynamic secret db/app-pg: lease", "dynamic secret db/app-maria: lease");

        try (Connection c = db.connect()) {
            assertThat(rows(c, "SELECT rolname FROM pg_roles WHERE rolname = '" + pgUser + "'")).isEmpty();
        }
        try (Connection c = MariaDb.root()) {
            assertThat(rows(c, "SELECT User FROM mysql.user WHERE User = '" + myUser + "'")).isEmpty();
        }
        assertThat(broker.events("dynamic.issued", sub)).hasSize(2);
        assertThat(broker.events("dynamic.revoked", sub)).hasSize(2);
        assertThat(broker.leases(true, sub)).isEmpty();
    }

    @Test
    void exportWhenDynamicSecretThenRefusedBeforeAnythingIsCreated() {
        String sub = "repo:acme/dynamic-export";
        var r = CliHarness.run(env(sub, "dynamic:db/app-pg > DATABASE_URL"), "", work, "export", "--reveal");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("`segura-cli export` does not take dynamic secrets");
    }

    static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in\n" + text).isTrue();
        return m.group(1);
    }

    static List<String> rows(Connection c, String sql) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
