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
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.tls.TestCa;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * With {@code tls.enabled} and a client CA, a broker started on the rendered settings, its files laid out as the
     * kubelet lays out a Secret volume (a timestamped directory, a {@code ..data} symlink to it, each file a symlink
     * through {@code ..data}), answers each probe over https to a client that sends no certificate (as the kubelet
     * does); and a renewal made the kubelet's way (a new directory, then {@code ..data} swapped by one rename) is
     * served to new connections without a restart. This is why the chart mounts the directory: a subPath mount would
     * hold the first file for good.
     */
    @Test
    void probesWhenTlsOnThenAnswerOverHttpsAndAKubeletStyleSecretUpdateIsServed(@TempDir Path volume)
            throws Exception {
        List<HasMetadata> tlsRendered = TestCharts.render(MINIMAL, """
                tls: {enabled: true, existingSecret: segura-broker-tls, clientCaSecret: ci-clients-ca,
                      reloadInterval: 1s}
                """);
        Deployment deployment = only(tlsRendered, Deployment.class);
        Container container = brokerContainer(deployment);
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals("tls")).findFirst()
                .orElseThrow();
        List<String> files = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("tls")).findFirst().orElseThrow().getProjected().getSources().stream()
                .flatMap(source -> source.getSecret().getItems().stream()).map(KeyToPath::getPath).toList();
        assertThat(files).containsExactly("tls.crt", "tls.key", "client-ca.crt");

        TestCa serverCa = TestCa.create("CN=Segura chart test server CA");
        TestCa clientsCa = TestCa.create("CN=Segura chart test clients CA");
        TestCa.Issued first = serverCa.server("CN=segura-segura-broker.ci-secrets.svc");
        kubeletWrite(volume, first, clientsCa, "..2026_12_03_00_00_00.000000001");
        for (String file : files) {
            Files.createSymbolicLink(volume.resolve(file), Path.of("..data", file));
        }

        BrokerLauncher.Builder builder = BrokerLauncher.builder().owner("helm_chart_probes_tls")
                .config(only(tlsRendered, ConfigMap.class).getData().get("trust.yaml"));
        for (EnvVar e : container.getEnv()) {
            if (e.getValueFrom() == null && !LAUNCHER_OWNS.contains(e.getName())) {
                // The pod's paths, in the test's copy of the volume.
                builder.env(e.getName(), e.getValue().replace(mount.getMountPath(), volume.toString()));
            }
        }
        builder.tlsPem(volume.resolve("tls.crt"), volume.resolve("tls.key"), volume.resolve("client-ca.crt"),
                serverCa);
        try (BrokerLauncher tlsBroker = builder.start()) {
            for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(),
                    container.getReadinessProbe())) {
                assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
                assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString("https"));
                HttpResponse<String> answer = getOverNewConnection(tlsBroker, serverCa, probe.getHttpGet().getPath());
                assertThat(answer.statusCode()).as("GET " + probe.getHttpGet().getPath()).isEqualTo(200);
                assertThat(answer.body()).contains("\"status\":\"UP\"");
                assertThat(servedSerial(answer)).isEqualTo(first.serial());
            }

            TestCa.Issued renewed = serverCa.server("CN=segura-segura-broker.ci-secrets.svc");
            kubeletWrite(volume, renewed, clientsCa, "..2026_12_03_01_00_00.000000002");
            String path = container.getReadinessProbe().getHttpGet().getPath();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            BigInteger served = first.serial();
            while (!served.equals(renewed.serial()) && System.nanoTime() < deadline) {
                Thread.sleep(250); // a poll's pace, not a wait for the reload: the loop ends on the serial
                HttpResponse<String> answer = getOverNewConnection(tlsBroker, serverCa, path);
                assertThat(answer.statusCode()).isEqualTo(200);
                served = servedSerial(answer);
            }
            assertThat(served).as("the serial served after the kubelet-style swap").isEqualTo(renewed.serial());
            assertThat(tlsBroker.log()).doesNotContain("BEGIN", "PRIVATE KEY");
        }
    }

    /**
     * What the kubelet's AtomicWriter does on a Secret update: the files into a new timestamped directory, then
     * {@code ..data} pointed at it by renaming a fresh symlink over it (one atomic step), then the old one removed.
     */
    private static void kubeletWrite(Path volume, TestCa.Issued server, TestCa clientsCa, String timestamped)
            throws Exception {
        Path dir = Files.createDirectory(volume.resolve(timestamped));
        server.writeChain(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        clientsCa.writeCertificate(dir.resolve("client-ca.crt"));
        Path data = volume.resolve("..data");
        Path old = Files.isSymbolicLink(data) ? volume.resolve(Files.readSymbolicLink(data)) : null;
        Path tmp = Files.createSymbolicLink(volume.resolve("..data_tmp"), Path.of(timestamped));
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (old != null) {
            try (var stale = Files.list(old)) {
                for (Path f : stale.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(old);
        }
    }

    /** A new client, so a new TLS handshake: a reused connection would keep the certificate it began with. */
    private static HttpResponse<String> getOverNewConnection(BrokerLauncher target, TestCa serverCa, String path)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(serverCa.trustingContext())
                .connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create(target.url() + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static BigInteger servedSerial(HttpResponse<?> answer) throws Exception {
        return ((X509Certificate) answer.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create(broker.url() + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
