// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.mariadb.MariaDb;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import java.nio.file.Files;
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
                db.postgresqlEngineYaml("db/app-pg"),
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

    static Map<String, String> env(String sub, String secrets, String... more) {
        Map<String, String> vars = new HashMap<>();
        for (int i = 0; i < more.length; i += 2) {
            vars.put(more[i], more[i + 1]);
        }
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
    void fetchWhenDynamicSecretsThenExportedCredentialsLogInUntilTheRevokeDropsTheUsers() throws Exception {
        String sub = "repo:acme/dynamic-fetch";
        var r = CliHarness.run(env(sub, "dynamic:db/app-pg > DATABASE_URL; dynamic:db/app-pg.username > PGUSER;"
                        + " dynamic:db/app-pg.password > PGPASSWORD; dynamic:db/app-maria.username > MUSER;"
                        + " dynamic:db/app-maria.password > MYSQL_PWD", "SEGURA_EXPORT_DIR", "out"),
                "", work, "fetch");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path out = work.resolve("out");
        String url = Files.readString(out.resolve("DATABASE_URL"));
        String pgUser = Files.readString(out.resolve("PGUSER"));
        String pgPassword = Files.readString(out.resolve("PGPASSWORD"));
        String myUser = Files.readString(out.resolve("MUSER"));
        String myPassword = Files.readString(out.resolve("MYSQL_PWD"));
        assertThat(pgUser).matches("v_ci_db_app_pg_[a-z0-9]{16}");
        assertThat(url).as("the URL and the fields are one credential").contains(pgUser, pgPassword);
        assertThat(r.out() + r.err()).doesNotContain(pgPassword, myPassword, url);
        assertThat(r.err()).contains("dynamic secret db/app-pg: lease", "dynamic secret db/app-maria: lease",
                "session kept in", "run `segura-cli revoke` when the job ends");
        assertThat(broker.events("dynamic.issued", sub)).as("one credential per dynamic secret").hasSize(2);

        // a later step of the job: the credentials log in (the session outlived fetch)
        assertThat(psql(url, Map.of())).isEqualTo(pgUser);
        assertThat(psql("postgresql://" + db.host() + ":" + db.port() + "/" + db.name(),
                Map.of("PGUSER", pgUser, "PGPASSWORD", pgPassword))).isEqualTo(pgUser);
        assertThat(mysql(myUser, myPassword)).isEqualTo(myUser + "@%");

        // the job's end: revoke (what the GitHub Action's and the Azure task's post steps run)
        var revoke = CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertUsersGone(sub, pgUser, myUser, 2);
    }

    @Test
    void exportWhenDynamicFieldsThenOneUserInTheFileAndTheSessionKeptUntilRevoke() throws Exception {
        String sub = "repo:acme/dynamic-export";
        var r = CliHarness.run(env(sub, "dynamic:db/app-pg.username > PGUSER"), "", work, "export", "--format",
                "json", "--secret", "dynamic:db/app-pg.password > PGPASSWORD", "--output", "db.json",
                "--state-file", "export-session.json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, Object> json = io.segura.client.json.Json.parseObject(Files.readString(work.resolve("db.json")));
        String user = (String) json.get("PGUSER");
        String password = (String) json.get("PGPASSWORD");
        assertThat(r.out() + r.err()).doesNotContain(password);
        assertThat(r.err()).contains("session kept in " + work.resolve("export-session.json"));
        assertThat(psql("postgresql://" + db.host() + ":" + db.port() + "/" + db.name(),
                Map.of("PGUSER", user, "PGPASSWORD", password))).isEqualTo(user);

        // the state file holds this session: a second command would orphan it, so it is refused before anything
        var again = CliHarness.run(env(sub, "dynamic:db/app-pg > DATABASE_URL"), "", work, "export", "--reveal",
                "--state-file", "export-session.json");
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("already holds one", "segura-cli revoke");
        assertThat(broker.events("dynamic.issued", sub)).hasSize(1);

        var revoke = CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke", "--state-file",
                "export-session.json");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertUsersGone(sub, user, null, 1);
    }

    @Test
    void getWhenDynamicSecretThenItsUrlLogsInUntilRevoke() throws Exception {
        String sub = "repo:acme/dynamic-get";
        var r = CliHarness.run(env(sub, ""), "", work, "get", "--no-newline", "dynamic:db/app-pg");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String url = r.out();
        assertThat(url).startsWith("postgresql://v_ci_db_app_pg_");
        assertThat(r.err()).doesNotContain(url).contains("session kept in");
        String user = psql(url, Map.of());

        var revoke = CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertUsersGone(sub, user, null, 1);
    }

    @Test
    void injectWhenTemplateNamesDynamicFieldsThenOneCredentialRendersThemAllUntilRevoke() throws Exception {
        String sub = "repo:acme/dynamic-inject";
        Files.writeString(work.resolve("db.conf.tpl"), String.join("\n",
                "user={{PGUSER}}",
                "password={{ secret \"dynamic:db/app-pg.password\" }}",
                "url={{ secret \"dynamic:db/app-pg\" }}", ""));
        var r = CliHarness.run(env(sub, "dynamic:db/app-pg.username > PGUSER"), "", work, "inject",
                "--template", "db.conf.tpl", "--output", "db.conf");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, String> conf = new HashMap<>();
        Files.readAllLines(work.resolve("db.conf")).forEach(l -> conf.put(l.substring(0, l.indexOf('=')),
                l.substring(l.indexOf('=') + 1)));
        assertThat(conf.get("url")).as("one credential renders every field").contains(conf.get("user"),
                conf.get("password"));
        assertThat(r.out() + r.err()).doesNotContain(conf.get("password"));
        assertThat(broker.events("dynamic.issued", sub)).hasSize(1);
        assertThat(psql(conf.get("url"), Map.of())).isEqualTo(conf.get("user"));

        var revoke = CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertUsersGone(sub, conf.get("user"), null, 1);
    }

    @Test
    void dynamicSpecsWhenMalformedOrNotGrantedThenRefusedClearlyAndNothingIsLeft() throws Exception {
        String sub = "repo:acme/dynamic-bad";
        var versioned = CliHarness.run(env(sub, ""), "", work, "fetch", "--secret", "dynamic:db/app-pg@2 > URL");
        assertThat(versioned.exitCode()).isEqualTo(2);
        assertThat(versioned.err()).contains("a dynamic secret has no versions");
        var field = CliHarness.run(env(sub, ""), "", work, "get", "--reveal", "dynamic:db/app-pg > X");
        assertThat(field.exitCode()).isEqualTo(2);
        assertThat(field.err()).contains("without '> NAME'");
        var ssh = CliHarness.run(env(sub, ""), "", work, "get", "--reveal", "dynamic:ssh/deploy");
        assertThat(ssh.exitCode()).isEqualTo(2);
        assertThat(ssh.err()).contains("does not take SSH certificates", "segura-cli fetch", "segura-cli exec");
        Files.writeString(work.resolve("ssh.tpl"), "key={{ secret \"dynamic:ssh/deploy\" }}\n");
        var injectSsh = CliHarness.run(env(sub, ""), "", work, "inject", "--template", "ssh.tpl", "--output",
                "ssh.conf");
        assertThat(injectSsh.exitCode()).isEqualTo(2);
        assertThat(injectSsh.err()).contains("`segura-cli inject` does not take SSH certificates");
        assertThat(work.resolve("ssh.conf")).doesNotExist();
        assertThat(broker.events("token.exchanged", sub)).as("refused before any exchange").isEmpty();

        // a dynamic secret the broker does not know: it refuses, fetch revokes the session it opened
        var refused = CliHarness.run(env(sub, "dynamic:db/not-listed > URL"), "", work, "fetch");
        assertThat(refused.exitCode()).as(refused.err()).isEqualTo(2);
        assertThat(refused.err()).contains("no dynamic secret is named \"db/not-listed\"");
        assertThat(work.resolve(".segura-session")).doesNotExist();
        assertThat(broker.events("session.revoked", sub)).hasSize(1);
        assertThat(broker.events("dynamic.issued", sub)).isEmpty();
    }

    /** After the job-end revoke: the users are gone, every credential's revocation audited once, no lease left. */
    void assertUsersGone(String sub, String pgUser, String myUser, int credentials) throws Exception {
        try (Connection c = db.connect()) {
            assertThat(rows(c, "SELECT rolname FROM pg_roles WHERE rolname = '" + pgUser + "'")).isEmpty();
        }
        if (myUser != null) {
            try (Connection c = MariaDb.root()) {
                assertThat(rows(c, "SELECT User FROM mysql.user WHERE User = '" + myUser + "'")).isEmpty();
            }
        }
        assertThat(broker.events("dynamic.revoked", sub)).hasSize(credentials);
        assertThat(broker.leases(true, sub)).isEmpty();
        assertThat(work.resolve(".segura-session")).doesNotExist();
    }

    /** {@code psql} as a job's later step runs it: {@code current_user} of a login with {@code target}. */
    static String psql(String target, Map<String, String> env) throws Exception {
        return run(env, "psql", target, "-Atc", "select current_user");
    }

    static String mysql(String user, String password) throws Exception {
        return run(Map.of("MYSQL_PWD", password), "mysql", "-h127.0.0.1", "-P3306", "-u" + user, "-N", "-e",
                "select current_user()");
    }

    static String run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("MYSQL"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(command[0] + ": " + output).isZero();
        return output.strip();
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
