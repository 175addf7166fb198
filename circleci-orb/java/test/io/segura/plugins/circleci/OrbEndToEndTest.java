// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.LiveBroker;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.platform.CiJobs;
import io.segura.testkit.platform.CircleCiCli;
import io.segura.testkit.postgres.TestDatabase;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packed orb in a job: its command and job steps expanded as CircleCI's compiler expands them
 * ({@link CircleCiOrb}) and run as the Docker executor runs them ({@link CircleCiJob}), with testkit's
 * {@code circleci} CLI simulator on the PATH, against a live broker on PostgreSQL whose trust config is the README's
 * (with the simulator as the organization's issuer).
 */
class OrbEndToEndTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String PASSWORD = "pa55-w0rd-for-circleci";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-circleci-key\nline-three-tail\n-----END KEY-----";
    static final String STAGING = "staging-only-circleci-value";
    static final String README_ISSUER = "https://oidc.circleci.com/org/3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c";
    static final String SECRETS = "db/prod/password > DB_PASSWORD; tls/prod/key > TLS_KEY";

    static CircleCiOrb orb;
    /** The database the dynamic secret db/app makes its PostgreSQL users in (real PostgreSQL). */
    static TestDatabase appDb;

    @TempDir
    Path dir;

    /** The README's trust config: the fenced yaml block under "The broker side". */
    static String readmeTrustConfig() throws Exception {
        String readme = Files.readString(Plugin.readme(), StandardCharsets.UTF_8);
        int section = readme.indexOf("## The broker side");
        Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(readme);
        if (section < 0 || !m.find(section)) {
            throw new IllegalStateException("README.md has no ```yaml block under \"## The broker side\"");
        }
        return m.group(1);
    }

    @RegisterExtension
    static final LiveBroker live = LiveBroker.configuredBy(OrbEndToEndTest::brokerConfig)
            .secret("db/prod/password", PASSWORD).secret("tls/prod/key", KEY).secret("db/staging/password", STAGING)
            .secret("dynamic/pg-admin", "trust-auth-ignores-it");

    @BeforeAll
    static void loadOrb() throws Exception {
        orb = CircleCiOrb.load(Plugin.packed());
    }

    @AfterAll
    static void dropAppDb() throws Exception {
        if (appDb != null) {
            appDb.drop();
        }
    }

    static String brokerConfig(String issuerUrl) throws Exception {
        appDb = TestDatabase.create("CircleCiDynamic");
        String config = readmeTrustConfig();
        assertThat(config).as("the README's issuer").contains("issuer: " + README_ISSUER);
        assertThat(config.strip()).as("roles: is the README block's last section").contains("\nroles:\n")
                .doesNotContain("\npolicies:");
        // The README's config as it is, with the simulator as the organization's issuer; then, for the gate, a role
        // under a freeze window and one with a staging path the README's role must refuse, and a role that may
        // request the dynamic secret db/app (a PostgreSQL user, the README's "Dynamic secrets" example).
        config = config.replace("issuer: " + README_ISSUER, "issuer: " + issuerUrl) + String.join("\n",
                "  - name: deploy-frozen",
                "    issuers: [circleci]",
                "    bound-claims:",
                "      ctx.repository_id: \"7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b\"",
                "    secrets: [\"db/prod/*\"]",
                "    policies: [always-frozen]",
                "  - name: deploy-db",
                "    issuers: [circleci]",
                "    bound-claims:",
                "      ctx.repository_id: \"7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b\"",
                "    secrets: [\"db/prod/*\"]",
                "    dynamic: [db/app]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "dynamic:",
                "  postgresql:",
                appDb.postgresqlEngineYaml("db/app"),
                "policies:",
                "  - name: always-frozen",
                "    mode: enforce",
                "    freeze-windows:",
                "      - {days: [MON, TUE, WED, THU, FRI, SAT, SUN], from: \"00:00\", to: \"23:59\", zone: UTC,"
                        + " reason: \"circleci test freeze\"}",
                "");
        return config;
    }

    /** The job's claims: the CircleCI fixture (V2 token) with a subject of its own. */
    static Map<String, Object> claims(String tag, boolean sshRerun) {
        Map<String, Object> c = new LinkedHashMap<>(Fixtures.claims("circleci"));
        c.remove("iss");
        c.remove("iat");
        c.remove("exp");
        c.put("sub", c.get("sub") + "/e2e-" + tag);
        c.put("oidc.circleci.com/ssh-rerun", sshRerun);
        return c;
    }

    /** A job of the README's project with the circleci CLI on the PATH answering for {@link #AUDIENCE}. */
    CircleCiJob job(Map<String, Object> claims) throws Exception {
        CircleCiCli cli = CircleCiCli.install(dir.resolve("circleci-cli"), live.issuer(), claims);
        cli.expectAudience(AUDIENCE);
        Map<String, Object> defaultClaims = new LinkedHashMap<>(claims);
        String defaultToken = live.issuer().mint(defaultClaims);
        Path project = Files.createDirectories(dir.resolve("project"));
        return new CircleCiJob(project, CiJobs.circleCi(defaultToken, "/unused"), cli.binDirectory());
    }

    static Map<String, Object> execArgs(String command) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("url", live.broker().url().toString());
        a.put("role", "deploy-prod");
        a.put("audience", AUDIENCE);
        a.put("secrets", SECRETS);
        a.put("command", command);
        return a;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** No line of any secret (4+ characters) in the job log, $BASH_ENV or the broker's log. */
    static void assertNoSecretAnywhere(CircleCiJob.Result r) throws Exception {
        String everything = r.log() + "\n" + r.bashEnv() + "\n" + live.broker().log();
        for (String secret : List.of(PASSWORD, KEY, STAGING)) {
            secret.lines().filter(l -> l.length() >= 4).forEach(l -> assertThat(everything).doesNotContain(l));
        }
    }

    @Test
    void execWhenRoleAdmitsJobThenCommandGetsSecretsLogShowsMasksAndSessionIsRevoked() throws Exception {
        Map<String, Object> claims = claims("exec", false);
        Map<String, Object> args = execArgs(
                "echo \"pw=$DB_PASSWORD\"; printf '%s\\n' \"$TLS_KEY\"; printf %s \"$DB_PASSWORD\" | sha256sum;"
                        + " printf %s \"$TLS_KEY\" | sha256sum; echo \"err=$DB_PASSWORD\" >&2");
        args.put("secrets", "db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY\n");   // the README's block form
        CircleCiJob.Result r = job(claims).run(orb.command("exec", args));

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains("==> Run with Segura secrets", "pw=", "err=", sha256(PASSWORD), sha256(KEY));
        assertThat(r.log().split("\\*\\*\\*", -1).length - 1).as("masks in the log").isGreaterThanOrEqualTo(3);
        assertNoSecretAnywhere(r);
        String sub = (String) claims.get("sub");
        assertThat(live.broker().events("lease.issued", sub)).hasSize(1);
        assertThat(live.broker().leases(true, sub)).isEmpty();
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
        assertThat(Files.readAllLines(dir.resolve("circleci-cli/last-invocation"))).containsExactly("run", "oidc",
                "get", "--claims", "{\"aud\":\"" + AUDIENCE + "\"}");
    }

    @Test
    void execWhenCommandFailsThenStepFailsWithItsExitCodeAndSessionIsRevoked() throws Exception {
        Map<String, Object> claims = claims("exec-fails", false);
        CircleCiJob.Result r = job(claims).run(orb.command("exec", execArgs("test -n \"$DB_PASSWORD\"; exit 7")));

        assertThat(r.exitCode()).as(r.log()).isEqualTo(7);
        String sub = (String) claims.get("sub");
        assertThat(live.broker().events("lease.issued", sub)).hasSize(1);
        assertThat(live.broker().leases(true, sub)).isEmpty();
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
    }

    @Test
    void fetchWhenLaterStepsSourceTheFileThenValuesArriveOnlyLocationsInBashEnvAndRevokeCleansUp() throws Exception {
        Map<String, Object> claims = claims("fetch", false);
        Map<String, Object> args = new LinkedHashMap<>(execArgs("unused"));
        args.remove("command");
        List<CircleCiOrb.RunStep> steps = new ArrayList<>(orb.command("fetch", args));
        steps.add(CircleCiOrb.RunStep.of("Use", ". \"$SEGURA_ENV_FILE\"\n"
                + "printf %s \"$DB_PASSWORD\" | sha256sum\nprintf %s \"$TLS_KEY\" | sha256sum\n"
                + "stat -c 'mode=%a' \"$SEGURA_ENV_FILE\"\n"
                + "case \"$SEGURA_ENV_FILE\" in \"$CIRCLE_WORKING_DIRECTORY\"/*) echo inside-checkout;; esac\n"
                + "echo \"env-file=$SEGURA_ENV_FILE\""));
        steps.addAll(orb.command("revoke", Map.of()));
        CircleCiJob.Result r = job(claims).run(steps);

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains(sha256(PASSWORD), sha256(KEY), "mode=600", "segura-cli: session revoked",
                "segura/revoke: removed the secrets' file").doesNotContain("inside-checkout");
        assertThat(r.bashEnv().lines().toList()).hasSize(2)
                .allMatch(l -> l.startsWith("export SEGURA_ENV_FILE=") || l.startsWith("export SEGURA_STATE_FILE="));
        assertNoSecretAnywhere(r);
        Matcher envFile = Pattern.compile("env-file=(\\S+)").matcher(r.log());
        assertThat(envFile.find()).isTrue();
        assertThat(Path.of(envFile.group(1))).doesNotExist();
        assertThat(Path.of(envFile.group(1)).getParent().getParent()).doesNotExist();
        String sub = (String) claims.get("sub");
        assertThat(live.broker().events("lease.issued", sub)).hasSize(1);
        assertThat(live.broker().leases(true, sub)).isEmpty();
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
    }

    @Test
    void fetchWhenDynamicSecretThenALaterStepLogsInAndRevokeDropsTheUserOnce() throws Exception {
        Map<String, Object> claims = claims("fetch-dynamic", false);
        Map<String, Object> args = new LinkedHashMap<>(execArgs("unused"));
        args.remove("command");
        args.put("role", "deploy-db");
        args.put("secrets", "db/prod/password > DB_PASSWORD\ndynamic:db/app > DATABASE_URL\n");
        Path seen = dir.resolve("url-the-step-read");
        List<CircleCiOrb.RunStep> steps = new ArrayList<>(orb.command("fetch", args));
        steps.add(CircleCiOrb.RunStep.of("Migrate", ". \"$SEGURA_ENV_FILE\"\n"
                + "printf %s \"$DATABASE_URL\" > '" + seen + "'\n"
                + "echo \"login=$(psql \"$DATABASE_URL\" -Atc 'select current_user')\"\n"
                + "printf %s \"$DB_PASSWORD\" | sha256sum"));
        steps.addAll(orb.command("revoke", Map.of()));
        CircleCiJob.Result r = job(claims).run(steps);

        assertThat(r.exitCode()).as(r.log()).isZero();
        String url = Files.readString(seen, StandardCharsets.UTF_8);
        String userInfo = URI.create(url).getRawUserInfo();
        assertThat(userInfo).as("a user and a password in the URL").contains(":");
        String user = userInfo.substring(0, userInfo.indexOf(':'));
        String password = userInfo.substring(userInfo.indexOf(':') + 1);
        // a real psql login as the dynamic user, in a later step that sourced the file
        assertThat(r.log()).contains("login=" + user, sha256(PASSWORD), "dynamic secret db/app: lease",
                "segura-cli: session revoked", "segura/revoke: removed the secrets' file");
        String everything = r.log() + "\n" + r.bashEnv() + "\n" + live.broker().log();
        assertThat(everything).doesNotContain(url, password);
        assertNoSecretAnywhere(r);
        assertThat(r.bashEnv().lines().toList()).hasSize(2)
                .allMatch(l -> l.startsWith("export SEGURA_ENV_FILE=") || l.startsWith("export SEGURA_STATE_FILE="));
        try (java.sql.Connection c = appDb.connect();
                java.sql.PreparedStatement st = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            st.setString(1, user);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).as("segura/revoke dropped " + user).isFalse();
            }
        }
        String sub = (String) claims.get("sub");
        assertThat(live.broker().events("dynamic.issued", sub)).hasSize(1);
        assertThat(live.broker().events("dynamic.revoked", sub)).as("revoked exactly once").hasSize(1);
        assertThat(live.broker().leases(true, sub)).isEmpty();
    }

    @Test
    void revokeWhenAnEarlierStepFailedThenStillRunsAndEndsTheSession() throws Exception {
        Map<String, Object> claims = claims("fetch-fails", false);
        Map<String, Object> args = new LinkedHashMap<>(execArgs("unused"));
        args.remove("command");
        List<CircleCiOrb.RunStep> steps = new ArrayList<>(orb.command("fetch", args));
        steps.add(CircleCiOrb.RunStep.of("Deploy", "echo deploying; exit 1"));
        steps.add(CircleCiOrb.RunStep.of("Never", "echo never-runs"));
        steps.addAll(orb.command("revoke", Map.of()));
        CircleCiJob.Result r = job(claims).run(steps);

        assertThat(r.exitCode()).as(r.log()).isEqualTo(1);
        assertThat(r.log()).contains("deploying", "segura-cli: session revoked").doesNotContain("never-runs");
        String sub = (String) claims.get("sub");
        assertThat(live.broker().leases(true, sub)).isEmpty();
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
    }

    @Test
    void fetchWhenSessionOfAnEarlierFetchStillOpenThenExitTwoAndRevokeEndsTheFirst() throws Exception {
        Map<String, Object> claims = claims("fetch-twice", false);
        Map<String, Object> args = new LinkedHashMap<>(execArgs("unused"));
        args.remove("command");
        List<CircleCiOrb.RunStep> steps = new ArrayList<>(orb.command("fetch", args));
        steps.addAll(orb.command("fetch", args));
        steps.addAll(orb.command("revoke", Map.of()));
        CircleCiJob.Result r = job(claims).run(steps);

        assertThat(r.exitCode()).as(r.log()).isEqualTo(2);
        assertThat(r.log()).contains("segura/fetch already ran in this job and its session is still open",
                "run segura/revoke before fetching again", "segura-cli: session revoked");
        String sub = (String) claims.get("sub");
        assertThat(live.broker().events("lease.issued", sub)).hasSize(1);
        assertThat(live.broker().leases(true, sub)).isEmpty();
    }

    @Test
    void execWhenSshRerunThenReadmeRoleRefusesWithTheClaimAndCommandNeverRuns() throws Exception {
        Map<String, Object> claims = claims("ssh-rerun", true);
        CircleCiJob.Result r = job(claims).run(orb.command("exec", execArgs("echo command-ran")));

        assertThat(r.exitCode()).as(r.log()).isEqualTo(4);
        assertThat(r.log()).contains("invalid_grant", "claim oidc.circleci.com/ssh-rerun is \"true\"").doesNotContain("command-ran");
        assertThat(live.broker().leases(false, (String) claims.get("sub"))).isEmpty();
        assertNoSecretAnywhere(r);
    }

    @Test
    void execWhenPathOutsideTheRoleThenBrokersProblemIsShownAndCommandNeverRuns() throws Exception {
        Map<String, Object> claims = claims("outside", false);
        Map<String, Object> args = execArgs("echo command-ran");
        args.put("secrets", "db/staging/password > DB_PASSWORD");
        CircleCiJob.Result r = job(claims).run(orb.command("exec", args));

        assertThat(r.exitCode()).as(r.log()).isEqualTo(4);
        assertThat(r.log()).contains("https://segura.dev/problems/", "db/staging/password", "HTTP 403")
                .doesNotContain("command-ran");
        assertNoSecretAnywhere(r);
    }

    @Test
    void execWhenNoCircleciCliThenDefaultTokenWithOrgAudienceIsRefusedNamingTheAudience() throws Exception {
        Map<String, Object> claims = claims("default-token", false);
        Path project = Files.createDirectories(dir.resolve("project"));
        CircleCiJob job = new CircleCiJob(project, CiJobs.circleCi(live.issuer().mint(claims), "/unused"), null);
        CircleCiJob.Result r = job.run(orb.command("exec", execArgs("echo command-ran")));

        assertThat(r.exitCode()).as(r.log()).isEqualTo(4);
        assertThat(r.log()).contains("circleci CLI is not on the PATH", "invalid_grant", "aud")
                .doesNotContain("command-ran");
    }

    @Test
    void deployGateWhenRoleWouldReleaseThenPassesWithoutLeasing() throws Exception {
        Map<String, Object> claims = claims("gate", false);
        Map<String, Object> args = new LinkedHashMap<>(execArgs("unused"));
        args.remove("command");
        args.remove("secrets");
        args.put("secrets", "db/prod/password > DB_PASSWORD");
        CircleCiJob.Result r = job(claims).run(orb.job("deploy-gate", args));

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains("==> Segura deploy gate");
        assertThat(live.broker().leases(false, (String) claims.get("sub"))).isEmpty();
    }

    @Test
    void deployGateWhenFreezeWindowThenFailsWithExitThreeAndTheReason() throws Exception {
        Map<String, Object> claims = claims("gate-frozen", false);
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("url", live.broker().url().toString());
        args.put("role", "deploy-frozen");
        args.put("audience", AUDIENCE);
        args.put("secrets", "db/prod/password > DB_PASSWORD");
        CircleCiJob.Result r = job(claims).run(orb.job("deploy-gate", args));

        assertThat(r.exitCode()).as(r.log()).isEqualTo(3);
        assertThat(r.log()).contains("circleci test freeze");
    }
}
