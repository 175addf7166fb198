// SPDX-License-Identifier: Apache-2.0
package io.segura.deploy.helm;

import static io.segura.deploy.helm.ChartRenderTest.brokerContainer;
import static io.segura.deploy.helm.ChartRenderTest.env;
import static io.segura.deploy.helm.TestCharts.MINIMAL;
import static io.segura.deploy.helm.TestCharts.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.segura.testkit.broker.BrokerLauncher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's probes and scrape path against a real broker: the rendered Deployment's startup, liveness and readiness
 * probes and the ServiceMonitor's path are read from {@code helm template} (the single source), and the broker jar
 * — started on the trust YAML of the rendered ConfigMap and the literal settings of the rendered Deployment
 * ({@code JAVA_TOOL_OPTIONS}, the chart's {@code env}) — must answer each of them 200. A broker that stopped serving a
 * probe's path, or a chart probing a path the broker does not serve, fails here; no list of paths is kept twice.
 */
class ChartProbesTest {

    /** Settings the launcher gives the broker itself (its own port, config file and generated key). */
    private static final Set<String> LAUNCHER_OWNS = Set.of("SERVER_PORT", "SEGURA_CONFIG", "SEGURA_MASTER_KEY_FILE");

    private static List<HasMetadata> rendered;
    private static BrokerLauncher broker;

    @BeforeAll
    static void start() throws Exception {
        rendered = TestCharts.render(MINIMAL, """
                env: {SEGURA_DATABASE_TIMEOUT: 10s}
                metrics: {serviceMonitor: {enabled: true}}
                """);
        Container container = brokerContainer(only(rendered, Deployment.class));
        BrokerLauncher.Builder builder = BrokerLauncher.builder().owner("helm_chart_probes")
                .config(only(rendered, ConfigMap.class).getData().get("trust.yaml"));
        for (EnvVar e : container.getEnv()) {
            if (e.getValueFrom() == null && !LAUNCHER_OWNS.contains(e.getName())) {
                builder.env(e.getName(), e.getValue());
            }
        }
        broker = builder.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void probesWhenBrokerRunsThenEachPathAnswers200Up() throws Exception {
        Container container = brokerContainer(only(rendered, Deployment.class));
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startup", container.getStartupProbe());
        probes.put("liveness", container.getLivenessProbe());
        probes.put("readiness", container.getReadinessProbe());
        assertThat(probes.values()).doesNotContainNull();

        for (Map.Entry<String, Probe> probe : probes.entrySet()) {
            HTTPGetAction get = probe.getValue().getHttpGet();
            assertThat(get).as(probe.getKey() + " probe is an HTTP GET").isNotNull();
            assertThat(get.getScheme()).as(probe.getKey()).isIn(null, "HTTP");
            // The port is the container's named port, the one the broker listens on (SERVER_PORT).
            assertThat(get.getPort()).isEqualTo(new IntOrString("http"));
            int containerPort = container.getPorts().stream().filter(p -> p.getName().equals("http"))
                    .findFirst().orElseThrow().getContainerPort();
            assertThat(env(container, "SERVER_PORT")).isEqualTo(Integer.toString(containerPort));

            HttpResponse<String> answer = get(get.getPath());
            assertThat(answer.statusCode()).as(probe.getKey() + " probe GET " + get.getPath()).isEqualTo(200);
            assertThat(answer.body()).as(probe.getKey()).contains("\"status\":\"UP\"");
        }
        // Liveness and readiness are the two health groups, not the same check twice.
        assertThat(container.getLivenessProbe().getHttpGet().getPath())
                .isNotEqualTo(container.getReadinessProbe().getHttpGet().getPath());
    }

    @Test
    void serviceMonitorWhenBrokerRunsThenScrapePathServesPrometheusText() throws Exception {
        String path = only(rendered, ServiceMonitor.class).getSpec().getEndpoints().get(0).getPath();
        HttpResponse<String> answer = get(path);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("# TYPE", "jvm_memory_used_bytes");
    }

    @Test
    void brokerWhenStartedFromChartSettingsThenLogsNoSecret() throws Exception {
        assertThat(broker.log()).doesNotContain(broker.adminToken()).contains("-Xmx256m");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create(broker.url() + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
