// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static io.segura.broker.config.TestConfigs.HASH;
import static io.segura.broker.config.TestConfigs.client;
import static io.segura.broker.config.TestConfigs.dynamic;
import static io.segura.broker.config.TestConfigs.issuer;
import static io.segura.broker.config.TestConfigs.policy;
import static io.segura.broker.config.TestConfigs.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per validation rule: a bad snippet and the problem it must produce, with line and field path. */
class TrustConfigLoaderTests {

    private static final ECKey EC_KEY = generate();

    private static ECKey generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> badIssuers() {
        String privateJwks = new JWKSet(EC_KEY).toString(false);
        return Stream.of(
                row("unknown preset", issuer("preset: github-action\naudiences: [a]"),
                        3, "issuers[0].preset", "did you mean `github-actions`?"),
                row("issuer and pattern", issuer("issuer: https://a.example\n"
                        + "issuer-pattern: 'https://a\\.example/.*'\naudiences: [a]"), 4, "issuers[0].issuer",
                        "exactly one of issuer and issuer-pattern, got both"),
                row("neither issuer nor pattern", issuer("audiences: [a]"),
                        2, "issuers[0].issuer", "got neither"),
                row("preset without fixed issuer", issuer("preset: circleci\naudiences: [a]"),
                        2, "issuers[0].issuer", "preset circleci has no fixed issuer"),
                row("pattern does not compile", issuer("issuer-pattern: 'https://(a'\naudiences: [a]"),
                        3, "issuers[0].issuer-pattern", "not a valid regular expression"),
                row("audiences missing", issuer("issuer: https://a.example"),
                        2, "issuers[0].audiences", "is required"),
                row("audiences empty", issuer("issuer: https://a.example\naudiences: []"),
                        4, "issuers[0].audiences", "must not be empty"),
                row("audiences not a list", issuer("issuer: https://a.example\naudiences: https://b"),
                        4, "issuers[0].audiences", "expected a list of strings"),
                row("audience element not a string", issuer("issuer: https://a.example\naudiences: [[a]]"),
                        4, "issuers[0].audiences[0]", "expected a string, got a list"),
                row("http issuer off loopback", issuer("issuer: http://issuer.example\naudiences: [a]"),
                        3, "issuers[0].issuer", "must use https"),
                row("http on a loopback look-alike", issuer("issuer: http://127.0.0.1.evil.example\naudiences: [a]"),
                        3, "issuers[0].issuer", "must use https"),
                row("issuer with query", issuer("issuer: https://a.example/?tenant=1\naudiences: [a]"),
                        3, "issuers[0].issuer", "must not contain a query"),
                row("issuer with credentials", issuer("issuer: https://u:p@a.example\naudiences: [a]"),
                        3, "issuers[0].issuer", "must not contain user info"),
                row("ftp jwks-uri", issuer("issuer: https://a.example\naudiences: [a]\njwks-uri: ftp://a.example/k"),
                        5, "issuers[0].jwks-uri", "must use https"),
                row("jwks-uri and jwks", issuer("issuer: https://a.example\naudiences: [a]\n"
                        + "jwks-uri: https://a.example/k\njwks: '" + new JWKSet(EC_KEY.toPublicJWK()) + "'"),
                        6, "issuers[0].jwks", "at most one of jwks-uri and jwks, got both"),
                row("private key in inline jwks", issuer("issuer: https://a.example\naudiences: [a]\njwks: '"
                        + privateJwks + "'"), 5, "issuers[0].jwks", "key 0 (kid k1) contains private key material"),
                row("symmetric key in inline jwks", issuer("issuer: https://a.example\naudiences: [a]\n"
                        + "jwks: '{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}'"), 5, "issuers[0].jwks",
                        "key 0 is a symmetric (shared-secret) key"),
                row("inline jwks not json", issuer("issuer: https://a.example\naudiences: [a]\njwks: 'nope'"),
                        5, "issuers[0].jwks", "not a JWK set"),
                row("inline jwks without keys", issuer("issuer: https://a.example\naudiences: [a]\n"
                        + "jwks: '{\"keys\":[]}'"), 5, "issuers[0].jwks", "has no keys"),
                row("ca-pem not a certificate", issuer("issuer: https://a.example\naudiences: [a]\n"
                        + "ca-pem: |\n  -----BEGIN CERTIFICATE-----\n  AAAA\n  -----END CERTIFICATE-----"),
                        5, "issuers[0].ca-pem", "not a PEM bundle of X.509 certificates"),
                row("HS256", issuer("issuer: https://a.example\naudiences: [a]\nalgorithms: [RS256, HS256]"),
                        5, "issuers[0].algorithms[1]", "`HS256` is not allowed"),
                row("none", issuer("issuer: https://a.example\naudiences: [a]\nalgorithms:\n  - ES256\n  - none"),
                        7, "issuers[0].algorithms[1]", "`none` is not allowed"),
                row("unknown algorithm", issuer("issuer: https://a.example\naudiences: [a]\nalgorithms: [RS257]"),
                        5, "issuers[0].algorithms[0]", "unknown algorithm `RS257`"),
                row("empty algorithms", issuer("issuer: https://a.example\naudiences: [a]\nalgorithms: []"),
                        5, "issuers[0].algorithms", "must not be empty"),
                row("clock skew above cap", issuer("issuer: https://a.example\naudiences: [a]\nclock-skew: 10m"),
                        5, "issuers[0].clock-skew", "must be at most 5m"),
                row("clock skew without unit", issuer("issuer: https://a.example\naudiences: [a]\nclock-skew: 60"),
                        5, "issuers[0].clock-skew", "expected a duration like 60s"),
                row("token lifetime above cap", issuer("issuer: https://a.example\naudiences: [a]\n"
                        + "max-token-lifetime: 25h"), 5, "issuers[0].max-token-lifetime", "must be at most 1d"),
                row("token lifetime zero", issuer("issuer: https://a.example\naudiences: [a]\n"
                        + "max-token-lifetime: 0s"), 5, "issuers[0].max-token-lifetime", "must be greater than 0s"),
                row("replay protection as string", issuer("issuer: https://a.example\naudiences: [a]\n"
                        + "replay-protection: \"yes\""), 5, "issuers[0].replay-protection", "expected true or false"),
                row("misspelt key", issuer("issuer: https://a.example\naudience: [a]"),
                        4, "issuers[0].audience", "unknown key (did you mean `audiences`?)"),
                row("invalid name", "issuers:\n  - name: GitHub_1\n    issuer: https://a.example\n    audiences: [a]\n",
                        2, "issuers[0].name", "`GitHub_1` is not a valid name"),
                row("duplicate name", "issuers:\n  - {name: a, issuer: https://a.example, audiences: [a]}\n"
                        + "  - {name: a, issuer: https://b.example, audiences: [a]}\n",
                        3, "issuers[1].name", "duplicate name `a`, first defined at bad.yaml:2:"),
                row("entry not a mapping", "issuers:\n  - github\n", 2, "issuers[0]", "expected a mapping"));
    }

    static Stream<Arguments> badRoles() {
        return Stream.of(
                row("unknown issuer", role("issuers: [gitlab]\nbound-claims: {project_id: \"1\"}\nsecrets: [a]"),
                        12, "roles[0].issuers[0]", "no issuer named `gitlab` is defined"),
                row("multi-tenant issuer without bound claims", role("issuers: [gh]\nsecrets: [a]"),
                        11, "roles[0].bound-claims", "any token of those issuers could assume it"),
                row("empty bound claims", role("issuers: [gh]\nbound-claims: {}\nsecrets: [a]"),
                        13, "roles[0].bound-claims", "needs at least one bound claim"),
                row("neither issuers nor clients", role("secrets: [a]"),
                        11, "roles[0].issuers", "needs issuers (OIDC) or clients (OAuth), got neither"),
                row("empty issuers list", role("issuers: []\nclients: [bamboo]\nsecrets: [a]"),
                        12, "roles[0].issuers", "must not be empty"),
                row("claim value empty list", role("issuers: [gh]\nbound-claims:\n  ref: []\nsecrets: [a]"),
                        14, "roles[0].bound-claims.ref", "non-empty list of strings, got an empty list"),
                row("claim value mapping", role("issuers: [gh]\nbound-claims:\n  ref: {a: b}\nsecrets: [a]"),
                        14, "roles[0].bound-claims.ref", "expected a string or a non-empty list of strings"),
                row("claim value null", role("issuers: [gh]\nbound-claims:\n  ref:\nsecrets: [a]"),
                        14, "roles[0].bound-claims.ref", "got nothing (null)"),
                row("claim value octal", role("issuers: [gh]\nbound-claims:\n  repository_id: 0123\nsecrets: [a]"),
                        14, "roles[0].bound-claims.repository_id", "YAML reads `0123` as a number"),
                row("claim value yes", role("issuers: [gh]\nbound-claims:\n  environment: [prod, on]\n"
                        + "secrets: [a]"), 14, "roles[0].bound-claims.environment[1]", "`on` as a boolean"),
                row("claim value empty string", role("issuers: [gh]\nbound-claims:\n  ref: ''\nsecrets: [a]"),
                        14, "roles[0].bound-claims.ref", "must not be empty"),
                row("unknown ctx field", role("issuers: [gh]\nbound-claims:\n  ctx.events: push\nsecrets: [a]"),
                        14, "roles[0].bound-claims.ctx.events", "unknown run-context field `events` "
                                + "(did you mean `event`?)"),
                row("duplicate claim", role("issuers: [gh]\nbound-claims:\n  ref: a\n  ref: b\nsecrets: [a]"),
                        15, "roles[0].bound-claims.ref", "duplicate claim"),
                row("bound claims without issuers", role("clients: [bamboo]\nbound-claims: {ref: a}\nsecrets: [a]"),
                        13, "roles[0].bound-claims", "this role trusts no issuers"),
                row("secrets missing", role("clients: [bamboo]"), 11, "roles[0].secrets", "is required"),
                row("secrets empty", role("clients: [bamboo]\nsecrets: []"), 13, "roles[0].secrets",
                        "must not be empty"),
                row("secret glob upper case", role("clients: [bamboo]\nsecrets:\n  - db/*\n  - DB/Prod"),
                        15, "roles[0].secrets[1]", "`DB/Prod` is not a secret path glob"),
                row("secret glob empty segment", role("clients: [bamboo]\nsecrets: [db//x]"),
                        13, "roles[0].secrets[0]", "is not a secret path glob"),
                row("secret glob with version", role("clients: [bamboo]\nsecrets: [db/x@3]"),
                        13, "roles[0].secrets[0]", "is not a secret path glob"),
                row("secret glob traversal", role("clients: [bamboo]\nsecrets: [db/../x]"),
                        13, "roles[0].secrets[0]", "is not a secret path glob"),
                row("session ttl above cap", role("clients: [bamboo]\nsecrets: [a]\nsession-ttl: 25h"),
                        14, "roles[0].session-ttl", "must be at most 1d"),
                row("lease ttl zero", role("clients: [bamboo]\nsecrets: [a]\nmax-lease-ttl: 0s"),
                        14, "roles[0].max-lease-ttl", "must be greater than 0s"),
                row("unknown policy", role("clients: [bamboo]\nsecrets: [a]\npolicies: [gates]"),
                        14, "roles[0].policies[0]", "no policy named `gates` is defined (did you mean `gate`?)"),
                row("unknown client", role("clients: [bambo]\nsecrets: [a]"),
                        12, "roles[0].clients[0]", "no client named `bambo`"),
                row("misspelt bound-claims", role("issuers: [gh]\nbound-claim: {ref: a}\nsecrets: [a]"),
                        13, "roles[0].bound-claim", "unknown key (did you mean `bound-claims`?)"),
                row("condition not a string", role("clients: [bamboo]\nsecrets: [a]\ncondition: [a]"),
                        14, "roles[0].condition", "expected a string, got a list"),
                row("duplicate role", role("clients: [bamboo]\nsecrets: [a]") + "  - {name: r, clients: [bamboo], "
                        + "secrets: [a]}\n", 14, "roles[1].name", "duplicate name `r`"),
                row("role name missing", "roles:\n  - clients: []\n", 2, "roles[0].name", "is required"));
    }

    static Stream<Arguments> badPolicies() {
        return Stream.of(
                row("unknown mode", policy("mode: audit"), 3, "policies[0].mode", "expected enforce or warn"),
                row("max age without unit", policy("max-secret-age: 90"), 3, "policies[0].max-secret-age",
                        "expected a duration"),
                row("boolean as yes", policy("block-exposed: yes"), 3, "policies[0].block-exposed",
                        "expected true or false, got the boolean `yes`"),
                row("window from after to", policy("freeze-windows:\n  - {from: '2027-01-04T00:00:00Z', "
                        + "to: '2026-12-20T00:00:00Z'}"), 4, "policies[0].freeze-windows[0].to", "must be after from"),
                row("window date without time", policy("freeze-windows:\n  - {from: '2026-12-20', "
                        + "to: '2027-01-04T00:00:00Z'}"), 4, "policies[0].freeze-windows[0].from",
                        "expected an ISO-8601 instant"),
                row("window to missing", policy("freeze-windows:\n  - from: '2026-12-20T00:00:00Z'"),
                        4, "policies[0].freeze-windows[0].to", "is required"),
                row("absolute window with zone", policy("freeze-windows:\n  - {from: '2026-12-20T00:00:00Z', "
                        + "to: '2027-01-04T00:00:00Z', zone: UTC}"), 4, "policies[0].freeze-windows[0].zone",
                        "zone applies to weekly windows"),
                row("weekly bad day", policy("freeze-windows:\n  - days: [SATURDAY]\n    from: '00:00'\n"
                        + "    to: '06:00'\n    zone: UTC"), 4, "policies[0].freeze-windows[0].days[0]",
                        "expected one of MON, TUE"),
                row("weekly bad zone", policy("freeze-windows:\n  - {days: [SAT], from: '00:00', to: '06:00', "
                        + "zone: Mars/Olympus}"), 4, "policies[0].freeze-windows[0].zone", "unknown time zone"),
                row("weekly bad time", policy("freeze-windows:\n  - {days: [SAT], from: '24:00', to: '06:00', "
                        + "zone: UTC}"), 4, "policies[0].freeze-windows[0].from", "expected a time of day HH:mm"),
                row("weekly zone missing", policy("freeze-windows:\n  - {days: [SAT], from: '00:00', to: '06:00'}"),
                        4, "policies[0].freeze-windows[0].zone", "is required"),
                row("weekly empty window", policy("freeze-windows:\n  - {days: [SAT], from: '06:00', to: '06:00', "
                        + "zone: UTC}"), 4, "policies[0].freeze-windows[0].to", "must differ from from"),
                row("weekly unknown key", policy("freeze-windows:\n  - {days: [SAT], from: '00:00', to: '06:00', "
                        + "zone: UTC, reasons: x}"), 4, "policies[0].freeze-windows[0].reasons",
                        "did you mean `reason`?"),
                row("deny-if without message", policy("deny-if:\n  - expr: 'true'"), 4,
                        "policies[0].deny-if[0].message", "is required"),
                row("deny-if without expr", policy("deny-if:\n  - message: m"), 4,
                        "policies[0].deny-if[0].expr", "is required"),
                row("deny-if not a list", policy("deny-if: {expr: a, message: b}"), 3,
                        "policies[0].deny-if", "expected a list"));
    }

    static Stream<Arguments> badClients() {
        return Stream.of(
                row("secret and subject", client("secret-sha256: " + HASH + "\nmtls-subject: CN=a"),
                        4, "clients[0].secret-sha256", "exactly one of secret-sha256 and mtls-subject, got both"),
                row("neither secret nor subject", "clients:\n  - id: c\n", 2, "clients[0].secret-sha256",
                        "got neither"),
                row("upper-case hash", client("secret-sha256: " + HASH.toUpperCase(java.util.Locale.ROOT)),
                        3, "clients[0].secret-sha256", "expected 64 lower-case hex characters"),
                row("short hash", client("secret-sha256: abc"), 3, "clients[0].secret-sha256", "got 3 characters"),
                row("bad subject", client("mtls-subject: 'not a dn'"), 3, "clients[0].mtls-subject",
                        "not a distinguished name"),
                row("invalid id", "clients:\n  - id: Bamboo\n    mtls-subject: CN=a\n", 2, "clients[0].id",
                        "`Bamboo` is not a valid name"),
                row("id missing", "clients:\n  - mtls-subject: CN=a\n", 2, "clients[0].id", "is required"));
    }

    static final String CONNECTION = "connection: {url: 'postgresql://h:5432/app', username: admin, "
            + "password-secret: db/a}";
    static final String CREATION = "creation: ['CREATE ROLE \"{{name}}\" LOGIN PASSWORD ''{{password}}''']";

    static Stream<Arguments> badDynamic() {
        return Stream.of(
                row("password secret is a glob", dynamic(CONNECTION.replace("db/a", "db/*") + "\n" + CREATION),
                        4, "dynamic.postgresql[0].connection.password-secret", "is not a secret path"),
                row("credentials inline in the URL", dynamic(CONNECTION.replace("//h", "//admin:pw@h") + "\n"
                        + CREATION), 4, "dynamic.postgresql[0].connection.url", "credentials do not belong in the URL"),
                row("a MySQL URL for PostgreSQL", dynamic(CONNECTION.replace("postgresql:", "mysql:") + "\n"
                        + CREATION), 4, "dynamic.postgresql[0].connection.url", "expected a URL like postgresql://"),
                row("no database in a PostgreSQL URL", dynamic(CONNECTION.replace(":5432/app", "") + "\n"
                        + CREATION), 4, "dynamic.postgresql[0].connection.url", "names no database"),
                row("connection missing", dynamic(CREATION), 3, "dynamic.postgresql[0].connection", "is required"),
                row("empty creation", dynamic(CONNECTION + "\ncreation: []"),
                        5, "dynamic.postgresql[0].creation", "must not be empty"),
                row("creation missing", dynamic(CONNECTION), 3, "dynamic.postgresql[0].creation", "is required"),
                row("creation sets no password", dynamic(CONNECTION + "\ncreation: ['CREATE ROLE \"{{name}}\"']"),
                        5, "dynamic.postgresql[0].creation", "no statement sets the generated {{password}}"),
                row("misspelt placeholder", dynamic(CONNECTION + "\n" + CREATION.replace("{{password}}",
                        "{{pasword}}")), 5, "dynamic.postgresql[0].creation[0]",
                        "unknown placeholder {{pasword}} (did you mean `password`?)"),
                row("revocation uses the password", dynamic(CONNECTION + "\n" + CREATION
                        + "\nrevocation: ['ALTER ROLE x PASSWORD ''{{password}}''']"), 6,
                        "dynamic.postgresql[0].revocation[0]", "cannot use {{password}}"),
                row("name template without randomness", dynamic(CONNECTION + "\n" + CREATION
                        + "\nname-template: 'v_{{role}}'"), 6, "dynamic.postgresql[0].name-template",
                        "must contain {{random}} exactly once"),
                row("name template over MySQL's 32", "dynamic:\n  mysql:\n    - name: d\n      connection: {url: "
                        + "'mysql://h/app', username: a, password-secret: db/a}\n      " + CREATION + "\n"
                        + "      name-template: 'abcdefghijklmnopq_{{random}}'\n", 6, "dynamic.mysql[0].name-template",
                        "at least 34 characters without {{role}} and {{name}}, over the mysql limit of 32"),
                row("name template with quotes", dynamic(CONNECTION + "\n" + CREATION
                        + "\nname-template: 'v\"{{random}}'"), 6, "dynamic.postgresql[0].name-template",
                        "only a-z, 0-9 and _ are allowed"),
                row("password minimums over the length", dynamic(CONNECTION + "\n" + CREATION
                        + "\npassword: {length: 16, min-digits: 10, min-upper: 10}"), 6,
                        "dynamic.postgresql[0].password", "the minimums add up to 21, more than length 16"),
                row("password too short", dynamic(CONNECTION + "\n" + CREATION + "\npassword: {length: 8}"), 6,
                        "dynamic.postgresql[0].password.length", "must be from 16 to 128, got 8"),
                row("default ttl over max ttl", dynamic(CONNECTION + "\n" + CREATION
                        + "\ndefault-ttl: 2h\nmax-ttl: 1h"), 6, "dynamic.postgresql[0].default-ttl",
                        "must be at most max-ttl (1h)"),
                row("unknown engine", "dynamic:\n  oracle: []\n", 2, "dynamic.oracle", "unknown key"),
                row("name is not a dynamic name", dynamic(CONNECTION + "\n" + CREATION).replace("name: d",
                        "name: DB/Prod"), 3, "dynamic.postgresql[0].name", "is not a dynamic-secret name"),
                row("duplicate dynamic name across engines", dynamic(CONNECTION + "\n" + CREATION)
                        + "  mysql:\n    - name: d\n      connection: {url: 'mysql://h/app', username: a, "
                        + "password-secret: db/a}\n      " + CREATION + "\n", 7, "dynamic.mysql[0].name",
                        "duplicate name `d`"),
                row("role lists an unknown dynamic secret", "clients:\n  - id: c\n    mtls-subject: CN=a\n"
                        + "roles:\n  - name: r\n    clients: [c]\n    dynamic: [db/x]\n", 7, "roles[0].dynamic[0]",
                        "no dynamic secret named `db/x` is defined"));
    }

    static Stream<Arguments> badDocuments() {
        return Stream.of(
                row("misspelt section", "role: []\n", 1, "role", "unknown key (did you mean `roles`?)"),
                row("duplicate section", "roles: []\nroles: []\n", 2, "roles", "duplicate key"),
                row("anchor and alias", "issuers: &a []\nroles: *a\n", 1, "issuers", "anchors and aliases are not "
                        + "allowed"),
                row("merge key", "issuers:\n  - &base {name: a}\n  - <<: *base\n", 2, "issuers[0]", "anchors"),
                row("custom tag", "issuers: !!binary aGVsbG8=\n", 1, "issuers", "custom tags are not allowed"),
                row("local tag", "issuers: !thing {}\n", 1, "issuers", "custom tags are not allowed"),
                row("syntax error", "issuers: [\n", 2, "", "invalid YAML"),
                row("two documents", "issuers: []\n---\nroles: []\n", 2, "", "expected a single document"),
                row("empty document", "# nothing\n", 1, "", "the trust config is empty"),
                row("top level list", "- issuers\n", 1, "", "expected a mapping, got a list"),
                row("section not a list", "roles: {name: r}\n", 1, "roles", "expected a list, got a mapping"),
                row("non-string key", "issuers:\n  - {name: a, 1: b}\n", 2, "issuers[0]",
                        "keys must be plain strings"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"badIssuers", "badRoles", "badPolicies", "badClients", "badDynamic", "badDocuments"})
    void parseWhenInvalidThenProblemWithLineAndField(String name, String yaml, int line, String field,
            String message) {
        assertThatThrownBy(() -> TrustConfigLoader.parse(yaml, "bad.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems())
                            .as("problems of:\n%s\n%s", yaml, e.getMessage())
                            .anySatisfy(p -> {
                                assertThat(p.at().file()).isEqualTo("bad.yaml");
                                assertThat(p.at().line()).isEqualTo(line);
                                assertThat(p.field()).isEqualTo(field);
                                assertThat(p.message()).contains(message);
                            });
                    assertThat(e.getMessage()).contains("bad.yaml:" + line + ":");
                });
    }

    private static Arguments row(String name, String yaml, int line, String field, String message) {
        return Arguments.of(name, yaml, line, field, message);
    }
}
