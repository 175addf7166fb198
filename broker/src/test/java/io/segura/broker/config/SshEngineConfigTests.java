// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code dynamic.ssh}: one row per validation rule, each problem with its line and field path. */
class SshEngineConfigTests {

    /** {@code dynamic.ssh[0]} named {@code ssh/d} with its CA key at {@code ssh/ca/d}; the lines start at line 5. */
    static String ssh(String lines) {
        return "dynamic:\n  ssh:\n    - name: ssh/d\n      ca-key-secret: ssh/ca/d\n"
                + lines.lines().map(l -> "      " + l + "\n").collect(Collectors.joining());
    }

    static Stream<Arguments> badEngines() {
        return Stream.of(
                row("name without ssh/", "dynamic:\n  ssh:\n    - name: deploy\n      ca-key-secret: a/b\n"
                        + "      principals: [x]\n", 3, "dynamic.ssh[0].name", "is not an SSH engine name"),
                row("name with a bad segment", "dynamic:\n  ssh:\n    - name: ssh/De_ploy\n      ca-key-secret: a/b\n"
                        + "      principals: [x]\n", 3, "dynamic.ssh[0].name", "is not an SSH engine name"),
                row("duplicate name", ssh("principals: [x]") + "    - name: ssh/d\n      ca-key-secret: x/y\n"
                        + "      principals: [x]\n", 6, "dynamic.ssh[1].name", "duplicate name `ssh/d`"),
                row("ca key secret missing", "dynamic:\n  ssh:\n    - name: ssh/d\n      principals: [x]\n", 3,
                        "dynamic.ssh[0].ca-key-secret", "is required"),
                row("ca key secret is a glob", "dynamic:\n  ssh:\n    - name: ssh/d\n      ca-key-secret: ssh/*\n"
                        + "      principals: [x]\n", 4, "dynamic.ssh[0].ca-key-secret", "is not a secret path"),
                row("principals missing", ssh("max-ttl: 5m"), 3, "dynamic.ssh[0].principals", "is required"),
                row("principals empty", ssh("principals: []"), 5, "dynamic.ssh[0].principals", "must not be empty"),
                row("principal with unknown ctx field", ssh("principals: [\"deploy-${ctx.repositry}\"]"), 5,
                        "dynamic.ssh[0].principals[0]",
                        "unknown run-context field `repositry` (did you mean `repository`?)"),
                row("principal placeholder not ctx", ssh("principals: [\"deploy-${claims.sub}\"]"), 5,
                        "dynamic.ssh[0].principals[0]", "must be ${ctx.FIELD}"),
                row("principal placeholder unclosed", ssh("principals: [\"deploy-${ctx.repository\"]"), 5,
                        "dynamic.ssh[0].principals[0]", "unclosed placeholder"),
                row("principal with a comma", ssh("principals: [\"deploy,root\"]"), 5,
                        "dynamic.ssh[0].principals[0]", "characters a principal may not hold"),
                row("principal with a space", ssh("principals: [\"deploy root\"]"), 5,
                        "dynamic.ssh[0].principals[0]", "characters a principal may not hold"),
                row("duplicate principal", ssh("principals: [ops, ops]"), 5, "dynamic.ssh[0].principals[1]",
                        "duplicate principal `ops`"),
                row("unknown extension", ssh("principals: [x]\nextensions: [permit-tty]"), 6,
                        "dynamic.ssh[0].extensions[0]", "unknown extension `permit-tty` (did you mean `permit-pty`?)"),
                row("duplicate extension", ssh("principals: [x]\nextensions: [permit-pty, permit-pty]"), 6,
                        "dynamic.ssh[0].extensions[1]", "duplicate extension"),
                row("unknown critical option", ssh("principals: [x]\ncritical-options:\n  force-comand: /bin/true"), 7,
                        "dynamic.ssh[0].critical-options.force-comand", "unknown key (did you mean `force-command`?)"),
                row("force-command with a newline", ssh("principals: [x]\ncritical-options:\n"
                        + "  force-command: \"a\\nb\""), 7, "dynamic.ssh[0].critical-options.force-command",
                        "control characters"),
                row("source address not an address", ssh("principals: [x]\ncritical-options:\n"
                        + "  source-address: [10.0.0.0/8, example.com]"), 7,
                        "dynamic.ssh[0].critical-options.source-address[1]", "`example.com` is not an IPv4 or IPv6"),
                row("source address host bits", ssh("principals: [x]\ncritical-options:\n"
                        + "  source-address: \"10.0.0.1/8\""), 7, "dynamic.ssh[0].critical-options.source-address",
                        "host bits set"),
                row("source address prefix too long", ssh("principals: [x]\ncritical-options:\n"
                        + "  source-address: [\"2001:db8::/129\"]"), 7,
                        "dynamic.ssh[0].critical-options.source-address[0]", "prefix length that is not 0..128"),
                row("unknown key type", ssh("principals: [x]\nkey-types: [ssh-ed448]"), 6,
                        "dynamic.ssh[0].key-types[0]", "unknown or unsupported key type `ssh-ed448`"),
                row("dsa key type", ssh("principals: [x]\nkey-types: [ssh-dss]"), 6,
                        "dynamic.ssh[0].key-types[0]", "unsupported key type `ssh-dss`"),
                row("bad ca key type", ssh("principals: [x]\nca-key-type: ssh-rsa"), 6,
                        "dynamic.ssh[0].ca-key-type", "unknown CA key type `ssh-rsa`"),
                row("max-ttl over the cap", ssh("principals: [x]\nmax-ttl: 25h"), 6, "dynamic.ssh[0].max-ttl",
                        "must be at most 1d"),
                row("max-ttl zero", ssh("principals: [x]\nmax-ttl: 0s"), 6, "dynamic.ssh[0].max-ttl",
                        "must be greater than 0s"),
                row("backdate over the cap", ssh("principals: [x]\nbackdate: 1h"), 6, "dynamic.ssh[0].backdate",
                        "must be at most 5m"),
                row("unknown key", ssh("principals: [x]\nttl: 5m"), 6, "dynamic.ssh[0].ttl", "unknown key"),
                row("role could lease the CA key", ssh("principals: [x]") + """
                        issuers:
                          - name: gh
                            preset: github-actions
                            audiences: [https://b.example]
                        roles:
                          - name: r
                            issuers: [gh]
                            bound-claims: {repository_id: "74"}
                            secrets: ["app/*", "ssh/*"]
                        """, 11, "roles[0].secrets[1]", "would let role `r` lease the private CA key of ssh/d"),
                row("role lists an ssh engine that is not defined", ssh("principals: [x]") + """
                        issuers:
                          - name: gh
                            preset: github-actions
                            audiences: [https://b.example]
                        roles:
                          - name: r
                            issuers: [gh]
                            bound-claims: {repository_id: "74"}
                            dynamic: [ssh/e]
                        """, 14, "roles[0].dynamic[0]", "no dynamic secret named `ssh/e` is defined (did you mean "
                        + "`ssh/d`?)"),
                row("database engine named under ssh/", "dynamic:\n  postgresql:\n    - name: ssh/db\n", 3,
                        "dynamic.postgresql[0].name", "names under ssh/ belong to the SSH certificate authorities"));
    }

    @Test
    void parseWhenRoleListsAnSshEngineThenItMayRequestIt() {
        TrustConfig config = TrustConfigLoader.parse(ssh("principals: [x]") + """
                issuers:
                  - name: gh
                    preset: github-actions
                    audiences: [https://b.example]
                roles:
                  - name: r
                    issuers: [gh]
                    bound-claims: {repository_id: "74"}
                    dynamic: [ssh/d]
                """, "ok.yaml");
        assertThat(config.dynamic().names()).containsExactly("ssh/d");
        assertThat(config.roles().get(0).dynamic()).containsExactly("ssh/d");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEngines")
    void parseWhenSshEngineInvalidThenProblemWithLineAndField(String name, String yaml, int line, String field,
            String message) {
        assertThatThrownBy(() -> TrustConfigLoader.parse(yaml, "bad.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).as("problems of:\n%s\n%s", yaml, e.getMessage()).anySatisfy(p -> {
                        assertThat(p.at().file()).isEqualTo("bad.yaml");
                        assertThat(p.at().line()).isEqualTo(line);
                        assertThat(p.field()).isEqualTo(field);
                        assertThat(p.message()).contains(message);
                    });
                    assertThat(e.getMessage()).contains("bad.yaml:" + line + ":");
                });
    }

    @Test
    void parseWhenSshEngineIsFullThenEveryFieldIsRead() {
        SshEngineSpec e = TrustConfigLoader.parse(ssh("""
                principals: ["deploy-${ctx.repository_id}", "ci-${ctx.owner}-${ctx.environment}", ops]
                critical-options:
                  source-address: 10.0.0.0/8,192.168.1.0/24
                  force-command: /usr/local/bin/deploy --ref "$SSH_ORIGINAL_COMMAND"
                extensions: [permit-pty, permit-agent-forwarding]
                key-types: [ssh-ed25519, ssh-rsa]
                ca-key-type: ecdsa-sha2-nistp384
                max-ttl: 1h
                backdate: 0s
                """), "ok.yaml").dynamic().ssh().get(0);
        assertThat(e.name()).isEqualTo("ssh/d");
        assertThat(e.ca()).isEqualTo("d");
        assertThat(e.caKeySecret()).isEqualTo("ssh/ca/d");
        assertThat(e.caKeyType()).isEqualTo("ecdsa-sha2-nistp384");
        assertThat(e.principals()).extracting(PrincipalTemplate::source).containsExactly(
                "deploy-${ctx.repository_id}", "ci-${ctx.owner}-${ctx.environment}", "ops");
        assertThat(e.principals().get(1).parts()).containsExactly(new PrincipalTemplate.Part("ci-", null),
                new PrincipalTemplate.Part(null, "owner"), new PrincipalTemplate.Part("-", null),
                new PrincipalTemplate.Part(null, "environment"));
        assertThat(e.criticalOptions()).containsExactly(
                java.util.Map.entry("force-command", "/usr/local/bin/deploy --ref \"$SSH_ORIGINAL_COMMAND\""),
                java.util.Map.entry("source-address", "10.0.0.0/8,192.168.1.0/24"));
        assertThat(e.extensions()).containsExactly("permit-agent-forwarding", "permit-pty");
        assertThat(e.keyTypes()).isEqualTo(Set.of("ssh-ed25519", "ssh-rsa"));
        assertThat(e.maxTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(e.backdate()).isEqualTo(Duration.ZERO);
        assertThat(e.at().line()).isEqualTo(3);
    }

    @Test
    void parseWhenDesignSection9SshExampleThenAccepted() {
        // DESIGN §9, exactly.
        SshEngineSpec e = TrustConfigLoader.parse("""
                dynamic:
                  ssh:
                    - name: ssh/deploy
                      ca-key-secret: ssh/ca/deploy   # generated into the vault when absent; never printed
                      principals: ["deploy-${ctx.repository_id}"]
                      extensions: [permit-pty]
                      max-ttl: 15m
                """, "design.yaml").dynamic().ssh().get(0);
        assertThat(e.name()).isEqualTo("ssh/deploy");
        assertThat(e.principals()).extracting(PrincipalTemplate::source).containsExactly("deploy-${ctx.repository_id}");
        assertThat(e.extensions()).containsExactly("permit-pty");
        assertThat(e.maxTtl()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void parseWhenOptionalFieldsAbsentThenDefaults() {
        SshEngineSpec e = TrustConfigLoader.parse(ssh("principals: [ops]"), "ok.yaml").dynamic().ssh().get(0);
        assertThat(e.caKeyType()).isEqualTo("ssh-ed25519");
        assertThat(e.extensions()).isEmpty();
        assertThat(e.criticalOptions()).isEmpty();
        assertThat(e.keyTypes()).isEqualTo(SshEngineSpec.DEFAULT_KEY_TYPES).doesNotContain("ssh-rsa");
        assertThat(e.maxTtl()).isEqualTo(SshEngineSpec.DEFAULT_MAX_TTL);
        assertThat(e.backdate()).isEqualTo(Duration.ofSeconds(30));
        assertThat(TrustConfigLoader.parse("dynamic:\n  postgresql: []\n", "ok.yaml").dynamic().ssh()).isEmpty();
    }

    @Test
    void checkCidrWhenSshdWouldAcceptThenNull() {
        for (String ok : List.of("10.0.0.0/8", "127.0.0.1", "127.0.0.1/32", "0.0.0.0/0", "2001:db8::/32", "::1",
                "::1/128", "fe80::/10")) {
            assertThat(SshEngineParser.checkCidr(ok)).as(ok).isNull();
        }
        for (String bad : List.of("10.0.0.0/33", "256.0.0.1", "10.0.0", "10.0.0.0/", "host", "10.0.0.0/8/8",
                "1.2.3.4/-1", "::1/8")) {
            assertThat(SshEngineParser.checkCidr(bad)).as(bad).isNotNull();
        }
    }

    private static Arguments row(String name, String yaml, int line, String field, String message) {
        return Arguments.of(name, yaml, line, field, message);
    }
}
