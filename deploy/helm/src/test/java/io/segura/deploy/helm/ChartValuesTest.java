// SPDX-License-Identifier: Apache-2.0
package io.segura.deploy.helm;

import static io.segura.deploy.helm.TestCharts.MINIMAL;
import static io.segura.deploy.helm.TestCharts.renderText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Bad values are refused by {@code helm template} and {@code helm lint} with a message naming the value: by
 * values.schema.json (types, names, unknown keys — so a secret typed into the values has nowhere to go), or by the
 * chart's own cross-field checks ({@code segura-broker.validate}). Good value sets lint clean.
 */
class ChartValuesTest {

    private static final String SCHEMA = "values don't meet the specifications of the schema(s)";
    private static final String KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

    static Stream<Arguments> refusedBySchema() {
        return Stream.of(
                Arguments.of("no existingSecret", "existingSecret: \"\"", "at '/existingSecret': minLength"),
                Arguments.of("existingSecret not a Kubernetes name", "existingSecret: Segura_Keys",
                        "at '/existingSecret': 'Segura_Keys' does not match pattern"),
                Arguments.of("master key in clear at the top", "masterKey: " + KEY,
                        "additional properties 'masterKey' not allowed"),
                Arguments.of("database URL in clear at the top",
                        "databaseUrl: r2dbc:postgresql://segura:pw@db:5432/segura",
                        "additional properties 'databaseUrl' not allowed"),
                Arguments.of("admin token as a value of secretKeys", "secretKeys: {adminToken: \"sga_abc/def=\"}",
                        "at '/secretKeys/adminToken': 'sga_abc/def=' does not match pattern"),
                Arguments.of("database URL put where its key name goes",
                        "secretKeys: {databaseUrl: \"r2dbc:postgresql://segura:pw@db/segura\"}",
                        "at '/secretKeys/databaseUrl'"),
                Arguments.of("unknown secretKeys entry", "secretKeys: {masterKeyValue: " + KEY + "}",
                        "additional properties 'masterKeyValue' not allowed"),
                Arguments.of("admin token through env", "env: {SEGURA_ADMIN_TOKEN: sga_0123456789abcdef}",
                        "invalid propertyName 'SEGURA_ADMIN_TOKEN'"),
                Arguments.of("master key through env", "env: {SEGURA_MASTER_KEY: \"" + KEY + "\"}",
                        "invalid propertyName 'SEGURA_MASTER_KEY'"),
                Arguments.of("database URL through env", "env: {SEGURA_DATABASE_URL: \"r2dbc:postgresql://x/y\"}",
                        "invalid propertyName 'SEGURA_DATABASE_URL'"),
                Arguments.of("a key store password through env", "env: {SERVER_SSL_KEY_STORE_PASSWORD: changeit}",
                        "invalid propertyName 'SERVER_SSL_KEY_STORE_PASSWORD'"),
                Arguments.of("a setting the chart owns", "env: {SERVER_PORT: \"9090\"}",
                        "invalid propertyName 'SERVER_PORT'"),
                Arguments.of("a secret in a JVM flag", "jvm: {extraOptions: \"-Djavax.net.ssl.trustStorePassword=x\"}",
                        "at '/jvm/extraOptions'"),
                Arguments.of("env value not a string", "env: {SEGURA_DATABASE_TIMEOUT: [10s]}",
                        "at '/env/SEGURA_DATABASE_TIMEOUT'"),
                Arguments.of("pull policy", "image: {pullPolicy: Sometimes}",
                        "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"),
                Arguments.of("digest", "image: {digest: \"sha256:nothex\"}", "at '/image/digest'"),
                Arguments.of("zero replicas", "replicaCount: 0", "at '/replicaCount': minimum"),
                Arguments.of("CPU target over 100 %", "autoscaling: {targetCPUUtilizationPercentage: 150}",
                        "at '/autoscaling/targetCPUUtilizationPercentage': maximum"),
                Arguments.of("update strategy", "updateStrategy: {type: OnDelete}", "at '/updateStrategy/type'"),
                Arguments.of("no memory limit", "resources: {limits: {memory: null}}",
                        "at '/resources/limits': missing property 'memory'"),
                Arguments.of("memory not a quantity", "resources: {requests: {memory: lots}}",
                        "at '/resources/requests/memory'"),
                Arguments.of("heap not a JVM size", "jvm: {maxHeap: 256MiB}", "at '/jvm/maxHeap'"),
                Arguments.of("privileged port", "containerPort: 80", "at '/containerPort': minimum"),
                Arguments.of("unknown probe setting", "probes: {liveness: {path: /health}}",
                        "additional properties 'path' not allowed"),
                Arguments.of("peer with an unknown field",
                        "networkPolicy: {egress: {postgresql: {to: [{ipblock: {cidr: 10.0.0.0/8}}]}}}",
                        "additional properties 'ipblock' not allowed"),
                Arguments.of("no issuer egress", "networkPolicy: {egress: {issuers: {to: []}}}",
                        "at '/networkPolicy/egress/issuers/to': minItems"),
                Arguments.of("scrape interval", "metrics: {serviceMonitor: {interval: often}}",
                        "at '/metrics/serviceMonitor/interval'"),
                Arguments.of("TLS on without its Secret", "tls: {enabled: true}",
                        "at '/tls/existingSecret': minLength"),
                Arguments.of("certificate in the values", "tls: {enabled: true, existingSecret: segura-tls, "
                        + "cert: \"-----BEGIN CERTIFICATE-----\"}", "additional properties 'cert' not allowed"),
                Arguments.of("private key in the values", "tls: {enabled: true, existingSecret: segura-tls, "
                        + "key: \"-----BEGIN PRIVATE KEY-----\"}", "additional properties 'key' not allowed"),
                Arguments.of("PEM where the Secret's name goes",
                        "tls: {enabled: true, existingSecret: \"-----BEGIN CERTIFICATE-----\"}",
                        "at '/tls/existingSecret'"),
                Arguments.of("TLS file set by hand through env", "env: {SEGURA_TLS_CERT: /etc/tls.crt}",
                        "invalid propertyName 'SEGURA_TLS_CERT'"),
                Arguments.of("Spring's static key store through env", "env: {SERVER_SSL_ENABLED: \"true\"}",
                        "invalid propertyName 'SERVER_SSL_ENABLED'"),
                Arguments.of("reload interval", "tls: {reloadInterval: soon}", "at '/tls/reloadInterval'"),
                Arguments.of("ingress on without hosts", "ingress: {enabled: true}", "at '/ingress/hosts': minItems"),
                Arguments.of("ingress host a URL", "ingress: {enabled: true, hosts: [\"https://segura.example.com\"]}",
                        "at '/ingress/hosts/0'"),
                Arguments.of("unknown ingress setting", "ingress: {enabled: true, hosts: [a.example.com], paths: [/]}",
                        "additional properties 'paths' not allowed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedBySchema")
    void templateWhenSchemaRefusesThenHelmFailsNamingTheValue(String name, String values, String message) {
        assertThatThrownBy(() -> renderText(MINIMAL, values)).hasMessageContaining(SCHEMA)
                .hasMessageContaining(message);
        LintResult lint = TestCharts.lint(MINIMAL, values);
        assertThat(lint.isFailed()).as("lint of %s", name).isTrue();
        assertThat(String.join("\n", lint.getMessages())).contains(message);
    }

    static Stream<Arguments> refusedByChart() {
        return Stream.of(
                Arguments.of("no trust config", "trust: {config: \"\"}",
                        "trust: set trust.config (the trust YAML, DESIGN §9) or trust.existingConfigMap"),
                Arguments.of("two trust configs", "trust: {existingConfigMap: mine}",
                        "trust: set exactly one of trust.config (the YAML) and trust.existingConfigMap, not both"),
                Arguments.of("network policy without PostgreSQL", "networkPolicy: {egress: {postgresql: {to: []}}}",
                        "networkPolicy.egress.postgresql.to: name where PostgreSQL is"),
                Arguments.of("min above max", "autoscaling: {minReplicas: 5, maxReplicas: 3}",
                        "autoscaling: minReplicas (5) is above maxReplicas (3)"),
                Arguments.of("TLS Secret given, TLS off", "tls: {existingSecret: segura-tls}",
                        "tls: tls.existingSecret or tls.clientCaSecret is set but tls.enabled is false"),
                Arguments.of("ingress with a policy that keeps its controller out",
                        "ingress: {enabled: true, hosts: [a.example.com]}\n"
                                + "networkPolicy: {ingress: {ingressControllerNamespaceSelector: null}}",
                        "networkPolicy.ingress.ingressControllerNamespaceSelector: name the namespace"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedByChart")
    void templateWhenChartRefusesThenHelmFailsNamingTheValue(String name, String values, String message) {
        assertThatThrownBy(() -> renderText(MINIMAL, values)).hasMessageContaining(message);
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("minimal", ""),
                Arguments.of("everything on", """
                        secretKeys: {masterKeyPrevious: master-key-previous, exposureWebhookSecret: webhook-secret}
                        env: {SEGURA_DATABASE_TIMEOUT: 10s, SEGURA_TOKEN_RATE_PER_IP: "200"}
                        metrics: {serviceMonitor: {enabled: true}}
                        image: {digest: "sha256:%s"}
                        imagePullSecrets: [{name: ghcr}]
                        podDisruptionBudget: {maxUnavailable: null, minAvailable: 1}
                        """.formatted("a".repeat(64))),
                Arguments.of("fixed replicas, no policy, no spread", """
                        autoscaling: {enabled: false}
                        replicaCount: 1
                        podDisruptionBudget: {enabled: false}
                        networkPolicy: {enabled: false}
                        topologySpread: {enabled: false}
                        preStopSleepSeconds: 0
                        resources: {limits: {cpu: "2", memory: 1Gi}, requests: {cpu: 250m, memory: 1Gi}}
                        jvm: {maxHeap: 640m}
                        """),
                Arguments.of("TLS, mTLS, ingress and ServiceMonitor", ChartRenderTest.TLS + ChartRenderTest.INGRESS
                        + "metrics: {serviceMonitor: {enabled: true}}\n"),
                Arguments.of("own ConfigMap and ServiceAccount", """
                        trust: {config: "", existingConfigMap: platform-trust, key: segura.yaml}
                        serviceAccount: {create: false, name: ci-broker}
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void lintWhenValuesAreGoodThenNoErrorOrWarning(String name, String values) {
        LintResult lint = TestCharts.lint(MINIMAL, values);
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
        assertThat(StrictManifests.parse(renderText(MINIMAL, values))).isNotEmpty();
    }

    @Test
    void readmeWhenInstallExampleFollowedThenItsValuesLintRenderAndNameTheSecretsKeys() throws Exception {
        String readme = Files.readString(TestCharts.chartDir().resolve("README.md"));
        Matcher values = Pattern.compile("cat > segura-values.yaml <<'EOF'\\n(.*?)\\nEOF\\n", Pattern.DOTALL)
                .matcher(readme);
        assertThat(values.find()).as("the README's values heredoc").isTrue();
        LintResult lint = TestCharts.lint(values.group(1));
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        List<HasMetadata> rendered = TestCharts.render(values.group(1));
        String secret = TestCharts.only(rendered, Deployment.class).getSpec().getTemplate().getSpec().getVolumes()
                .stream().filter(v -> v.getSecret() != null).findFirst().orElseThrow().getSecret().getSecretName();
        // The `kubectl create secret` of the README makes that Secret, with the keys the chart reads by default.
        Matcher create = Pattern.compile("kubectl -n segura create secret generic (\\S+) \\\\\\n((?:.*\\\\\\n)*.*)")
                .matcher(readme);
        assertThat(create.find()).isTrue();
        assertThat(create.group(1)).isEqualTo(secret);
        Set<String> keys = new HashSet<>();
        Matcher literal = Pattern.compile("--from-literal=([-._a-zA-Z0-9]+)=").matcher(create.group(2));
        while (literal.find()) {
            keys.add(literal.group(1));
        }
        Map<String, Object> defaults = new Yaml().load(Files.readString(TestCharts.chartDir().resolve("values.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, String> secretKeys = (Map<String, String>) defaults.get("secretKeys");
        assertThat(keys).containsExactlyInAnyOrder(secretKeys.get("databaseUrl"), secretKeys.get("masterKey"),
                secretKeys.get("adminToken"));
    }

    @Test
    void lintWhenChartDefaultsAloneThenRefusedForWantOfTheSecretName() {
        LintResult lint = TestCharts.lint("");
        assertThat(lint.isFailed()).isTrue();
        assertThat(String.join("\n", lint.getMessages())).contains("at '/existingSecret': minLength");
    }
}
