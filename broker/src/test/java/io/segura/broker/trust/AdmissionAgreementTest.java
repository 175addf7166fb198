// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.broker.database.DatabaseDeadline;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.exchange.ExchangeMetrics;
import io.segura.broker.exchange.RateLimiter;
import io.segura.broker.exchange.TokenExchangeRequest;
import io.segura.broker.exchange.TokenExchangeService;
import io.segura.broker.federation.IssuerKeys;
import io.segura.broker.federation.TokenVerifier;
import io.segura.broker.lease.Explanation;
import io.segura.broker.lease.LeaseExplainer;
import io.segura.broker.policy.CelExpressions;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.session.SessionIssuer;
import io.segura.broker.session.SessionStore;
import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretStore;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dry run ({@link LeaseExplainer}) and the real exchange ({@link TokenExchangeService}, committing sessions to
 * PostgreSQL) give the same decision for the same signed token and requested role — the role named in {@code scope}
 * and the role implied when the job names none — over generated claim sets, role bindings and conditions. Both ask
 * {@link Admission}; this proves nothing on either path decides on its own.
 */
class AdmissionAgreementTest {

    private static final String AUD = "https://segura.test";
    private static final List<String> CONDITIONS = List.of(
            "", "request.scope == \"\"", "request.scope != \"\"", "ctx.event == \"push\"",
            "claims.environment == \"prod\"", "has(claims.environment)", "request.role == \"r0\"");

    private static TestDatabase database;
    private static MigratedDatabase db;
    private static IssuerSimulator issuer;
    private static GroupCommit commits;
    private static final Clock CLOCK = Clock.systemUTC();
    private static final SecureRandom RANDOM = new SecureRandom();

    @BeforeContainer
    static void start() throws Exception {
        database = TestDatabase.create("AdmissionAgreementTest");
        db = MigratedDatabase.postgres(database, null);
        issuer = IssuerSimulator.start();
        commits = new GroupCommit(new WriteStatements(db.db()), db.tx(), 64, 2,
                DatabaseDeadline.after(Duration.ofSeconds(10)));
    }

    @AfterContainer
    static void stop() throws Exception {
        if (issuer != null) {
            issuer.close();
        }
        if (database != null) {
            database.close();
        }
    }

    /** One generated role: its bound claims (name → values, any of) and its condition ("" = none). */
    record RoleDef(Map<String, List<String>> bindings, String condition) {
    }

    @Property(tries = 120)
    void dryRunAndExchangeAgree(@ForAll("claims") Map<String, Object> claims, @ForAll("roles") List<RoleDef> roles,
            @ForAll("requested") int requested) {
        Fixture f = new Fixture(roles);
        String role = requested < 0 ? null : "r" + (requested % roles.size());
        assertAgree(f, claims, role);
    }

    /** The case the split copies got wrong: a condition on the scope, with no scope sent. */
    @Example
    void dryRunAndExchangeAgreeOnAnImpliedRoleWithAConditionOnTheScope() {
        Fixture f = new Fixture(List.of(new RoleDef(Map.of("repository_id", List.of("1")), "request.scope != \"\"")));
        Map<String, Object> claims = Map.of("repository_id", "1", "ref", "refs/heads/main", "event_name", "push");
        Outcome implied = assertAgree(f, claims, null);
        assertThat(implied.allowed()).as("the condition needs a scope; none was sent").isFalse();
        Outcome named = assertAgree(f, claims, "r0");
        assertThat(named.allowed()).isTrue();
    }

    private record Outcome(boolean allowed, String reason) {
    }

    private static Outcome assertAgree(Fixture f, Map<String, Object> claims, String role) {
        Map<String, Object> all = new LinkedHashMap<>(claims);
        all.put("sub", "repo:acme/app:ref:" + claims.get("ref"));
        all.put("aud", AUD);
        String token = issuer.mint(all);
        Explanation dry = f.explainer.forToken(token, role, List.of(), null).block(Duration.ofSeconds(10));
        Throwable refused = catchThrowable(() -> f.exchange.exchange(
                new TokenExchangeRequest(token, role, "127.0.0.1", "property")).block(Duration.ofSeconds(10)));
        assertThat(dry).isNotNull();
        boolean exchanged = refused == null;
        assertThat(dry.decision()).as("dry run for role %s, claims %s: %s", role, claims,
                        refused == null ? "exchanged" : refused.getMessage())
                .isEqualTo(exchanged ? "allow" : "deny");
        if (!exchanged) {
            assertThat(refused).isInstanceOf(Refusal.class);
            assertThat(dry.admission().reason()).isEqualTo(((Refusal) refused).reason());
            assertThat(dry.admission().getMessage()).isEqualTo(refused.getMessage());
        }
        return new Outcome(exchanged, exchanged ? null : ((Refusal) refused).reason());
    }

    /** Every collaborator real: the config loader, CEL, the verifier against the issuer's JWKS, PostgreSQL. */
    private static final class Fixture {
        final LeaseExplainer explainer;
        final TokenExchangeService exchange;

        Fixture(List<RoleDef> roles) {
            TrustConfig config = TrustConfigLoader.parse(yaml(roles), "generated.yaml");
            DeploymentGate gate = DeploymentGate.compile(config, new CelExpressions());
            Admission admission = new Admission(TrustRoles.compile(config), gate);
            IdentityTokens tokens = new IdentityTokens(new TokenVerifier(config.issuers(),
                    new IssuerKeys(config.issuers(), CLOCK), CLOCK));
            byte[] kek = new byte[32];
            RANDOM.nextBytes(kek);
            SecretStore secrets = new SecretStore(db.db(), db.tx(),
                    KeyRing.of(MasterKey.fromBase64(Base64.getEncoder().encodeToString(kek))));
            explainer = new LeaseExplainer(config, admission, tokens, gate, secrets, CLOCK);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            SessionIssuer sessions = new SessionIssuer(new SessionStore(db.db(), JsonMapper.builder().build(),
                    DatabaseDeadline.after(Duration.ofSeconds(10))), commits, CLOCK, RANDOM);
            RateLimiter unlimited = new RateLimiter(1_000_000, 1_000_000, CLOCK);
            exchange = new TokenExchangeService(tokens, admission, sessions, new AuditLog(db.db(), registry),
                    unlimited, unlimited, new ExchangeMetrics(registry));
        }

        private static String yaml(List<RoleDef> roles) {
            StringBuilder y = new StringBuilder("issuers:\n  - name: gh\n    preset: github-actions\n    issuer: "
                    + issuer.issuer() + "\n    audiences: [\"" + AUD + "\"]\nroles:\n");
            for (int i = 0; i < roles.size(); i++) {
                RoleDef r = roles.get(i);
                y.append("  - name: r").append(i).append("\n    issuers: [gh]\n    secrets: [\"app/*\"]\n")
                        .append("    bound-claims:\n");
                r.bindings().forEach((claim, values) -> y.append("      ").append(claim).append(": [")
                        .append(String.join(", ", values.stream().map(v -> "\"" + v + "\"").toList()))
                        .append("]\n"));
                if (!r.condition().isEmpty()) {
                    y.append("    condition: '").append(r.condition()).append("'\n");
                }
            }
            return y.toString();
        }
    }

    @Provide
    Arbitrary<Map<String, Object>> claims() {
        return Combinators.combine(
                Arbitraries.of("1", "2"),
                Arbitraries.of("refs/heads/main", "refs/heads/dev", "refs/tags/v1"),
                Arbitraries.of("prod", "staging", ""),
                Arbitraries.of("push", "pull_request")).as((repo, ref, env, event) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("repository_id", repo);
                    m.put("repository", "acme/app");
                    m.put("ref", ref);
                    if (!env.isEmpty()) {
                        m.put("environment", env);
                    }
                    m.put("event_name", event);
                    return m;
                });
    }

    @Provide
    Arbitrary<List<RoleDef>> roles() {
        Arbitrary<Map<String, List<String>>> bindings = Combinators.combine(
                Arbitraries.of(List.of("1"), List.of("2"), List.of("1", "2"), List.of("*")),
                Arbitraries.of(List.<String>of(), List.of("refs/heads/main"), List.of("refs/heads/*"),
                        List.of("refs/tags/*", "refs/heads/dev")),
                Arbitraries.of(List.<String>of(), List.of("prod"), List.of("prod", "staging")),
                Arbitraries.of(List.<String>of(), List.of("push"))).as((repo, ref, env, event) -> {
                    Map<String, List<String>> m = new LinkedHashMap<>();
                    m.put("repository_id", repo);
                    if (!ref.isEmpty()) {
                        m.put("ref", ref);
                    }
                    if (!env.isEmpty()) {
                        m.put("environment", env);
                    }
                    if (!event.isEmpty()) {
                        m.put("ctx.event", event);
                    }
                    return m;
                });
        Arbitrary<RoleDef> role = Combinators.combine(bindings, Arbitraries.of(CONDITIONS)).as(RoleDef::new);
        return role.list().ofMinSize(1).ofMaxSize(3).map(ArrayList::new);
    }

    @Provide
    Arbitrary<Integer> requested() {
        return Arbitraries.integers().between(-1, 2);
    }
}
