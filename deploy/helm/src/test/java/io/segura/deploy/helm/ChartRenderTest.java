// SPDX-License-Identifier: Apache-2.0
package io.segura.deploy.helm;

import static io.segura.deploy.helm.TestCharts.MINIMAL;
import static io.segura.deploy.helm.TestCharts.SENTINEL_SECRET;
import static io.segura.deploy.helm.TestCharts.all;
import static io.segura.deploy.helm.TestCharts.only;
import static io.segura.deploy.helm.TestCharts.render;
import static io.segura.deploy.helm.TestCharts.renderText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code helm template} of the chart with several value sets, every manifest parsed strictly into fabric8's model
 * ({@link StrictManifests}), then checked: what is rendered, the security context, the Secret references, the
 * NetworkPolicy, the optional ServiceMonitor.
 */
class ChartRenderTest {

    /**
     * Secret material shapes: a base64 32-byte key, the broker's token prefixes, a URL with credentials, PEM and the
     * base64 of DER (a certificate or key copied without its PEM lines).
     */
    private static final List<String> SECRET_SHAPES = List.of("[A-Za-z0-9+/]{43}=", "\\bsg[as]_[A-Za-z0-9_-]{8,}",
            "r2dbc:", "postgresql://", "://[^/\\s]*:[^/\\s]*@", "BEGIN [A-Z ]*PRIVATE KEY", "BEGIN CERTIFICATE",
            "MII[A-Za-z0-9+/]{20}");

    /** Server TLS and mTLS from two Secrets, as an operator with cert-manager sets it. */
    static final String TLS = """
            tls:
              enabled: true
              existingSecret: segura-broker-tls
              clientCaSecret: ci-clients-ca
              clientCaKey: ca.crt
              reloadInterval: 5s
            """;

    /** An Ingress re-encrypting to the broker (ingress-nginx). */
    static final String INGRESS = """
            ingress:
              enabled: true
              className: nginx
              hosts: [segura.example.com, secrets.example.com]
              tlsSecret: segura-public-tls
              annotations:
                nginx.ingress.kubernetes.io/backend-protocol: HTTPS
            """;

    @Test
    void templateWhenMinimalValuesThenEveryKindOnceAndNoServiceMonitor() {
        List<HasMetadata> resources = render(MINIMAL);

        assertThat(resources.stream().map(HasMetadata::getKind).sorted().toList()).containsExactly("ConfigMap",
                "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "Service",
                "ServiceAccount");
        assertThat(resources).allSatisfy(r -> {
            assertThat(r.getMetadata().getNamespace()).isEqualTo(TestCharts.NAMESPACE);
            assertThat(r.getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "segura-broker")
                    .containsEntry("app.kubernetes.io/instance", TestCharts.RELEASE);
        });
    }

    @Test
    void templateWhenRenderedThenNoSecretAndSecretsOnlyByReference() {
        String allOptions = MINIMAL + """
                secretKeys:
                  masterKeyPrevious: master-key-previous
                  exposureWebhookSecret: exposure-webhook-secret
                env:
                  SEGURA_DATABASE_TIMEOUT: 10s
                metrics:
                  serviceMonitor:
                    enabled: true
                """;
        for (String values : List.of(MINIMAL, allOptions)) {
            String text = renderText(values);
            List<HasMetadata> resources = StrictManifests.parse(text);

            assertThat(resources).noneMatch(r -> r.getKind().equals("Secret"));
            for (String shape : SECRET_SHAPES) {
                assertThat(text).as("rendered text matching %s", shape).doesNotContainPattern(shape);
            }
            Container broker = brokerContainer(only(resources, Deployment.class));
            Map<String, EnvVar> env = broker.getEnv().stream()
                    .collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> {
                        throw new AssertionError("env " + a.getName() + " given twice");
                    }));
            for (String name : List.of("SEGURA_DATABASE_URL", "SEGURA_ADMIN_TOKEN")) {
                assertThat(env.get(name).getValue()).as(name).isNull();
                assertThat(env.get(name).getValueFrom().getSecretKeyRef().getName()).isEqualTo(SENTINEL_SECRET);
            }
            assertThat(env).doesNotContainKeys("SEGURA_MASTER_KEY", "SEGURA_MASTER_KEY_PREVIOUS");
            assertThat(env.get("SEGURA_MASTER_KEY_FILE").getValue()).isEqualTo("/var/run/secrets/segura/master-key");
            // Every reference to a Secret names the operator's, and every literal value is a setting, not a secret.
            env.values().stream().filter(e -> e.getValueFrom() != null).forEach(e ->
                    assertThat(e.getValueFrom().getSecretKeyRef().getName()).as(e.getName())
                            .isEqualTo(SENTINEL_SECRET));
            Volume keys = volume(only(resources, Deployment.class), "keys");
            assertThat(keys.getSecret().getSecretName()).isEqualTo(SENTINEL_SECRET);
            assertThat(keys.getSecret().getDefaultMode()).isEqualTo(0440);
        }
        Container withAll = brokerContainer(only(render(allOptions), Deployment.class));
        assertThat(withAll.getEnv()).extracting(EnvVar::getName).contains("SEGURA_MASTER_KEY_PREVIOUS_FILE",
                "SEGURA_EXPOSURE_WEBHOOK_SECRET", "SEGURA_DATABASE_TIMEOUT");
    }

    @Test
    void templateWhenTlsEnabledThenSecretsMountedAsDirectoryEnvPointsIntoItAndEverythingSpeaksHttps() {
        String values = TLS + """
                metrics: {serviceMonitor: {enabled: true}}
                """;
        String text = renderText(MINIMAL, values);
        for (String shape : SECRET_SHAPES) {
            assertThat(text).as("rendered text matching %s", shape).doesNotContainPattern(shape);
        }
        List<HasMetadata> resources = StrictManifests.parse(text);
        assertThat(resources).noneMatch(r -> r.getKind().equals("Secret"));
        Deployment deployment = only(resources, Deployment.class);
        Container broker = brokerContainer(deployment);

        // The directory, read-only, never subPath: a subPath mount would never see the kubelet's update of a Secret.
        VolumeMount mount = broker.getVolumeMounts().stream().filter(m -> m.getName().equals("tls")).findFirst()
                .orElseThrow();
        assertThat(mount.getMountPath()).isEqualTo("/etc/segura/tls");
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(mount.getSubPath()).isNull();
        assertThat(mount.getSubPathExpr()).isNull();
        assertThat(broker.getVolumeMounts()).allSatisfy(m -> assertThat(m.getSubPath()).as(m.getName()).isNull());
        Volume tls = volume(deployment, "tls");
        assertThat(tls.getProjected().getDefaultMode()).isEqualTo(0440);
        assertThat(tls.getProjected().getSources()).extracting(s -> s.getSecret().getName())
                .containsExactly("segura-broker-tls", "ci-clients-ca");
        assertThat(tls.getProjected().getSources().get(0).getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactly(tuple("tls.crt", "tls.crt"), tuple("tls.key", "tls.key"));
        assertThat(tls.getProjected().getSources().get(1).getSecret().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath).containsExactly(tuple("ca.crt", "client-ca.crt"));

        assertThat(env(broker, "SEGURA_TLS_CERT")).isEqualTo("/etc/segura/tls/tls.crt");
        assertThat(env(broker, "SEGURA_TLS_KEY")).isEqualTo("/etc/segura/tls/tls.key");
        assertThat(env(broker, "SEGURA_TLS_CLIENT_CA")).isEqualTo("/etc/segura/tls/client-ca.crt");
        assertThat(env(broker, "SEGURA_TLS_RELOAD_INTERVAL")).isEqualTo("5s");
        // Every file the broker is pointed to is in the mounted directory, under the path the volume projects.
        Set<String> projected = tls.getProjected().getSources().stream()
                .flatMap(s -> s.getSecret().getItems().stream()).map(i -> mount.getMountPath() + "/" + i.getPath())
                .collect(Collectors.toSet());
        assertThat(Set.of(env(broker, "SEGURA_TLS_CERT"), env(broker, "SEGURA_TLS_KEY"),
                env(broker, "SEGURA_TLS_CLIENT_CA"))).isEqualTo(projected);
        assertThat(broker.getVolumeMounts()).filteredOn(m -> !Boolean.TRUE.equals(m.getReadOnly()))
                .extracting(VolumeMount::getMountPath).containsExactly("/tmp");

        assertThat(broker.getPorts()).singleElement().satisfies(p -> assertThat(p.getName()).isEqualTo("https"));
        for (Probe probe : List.of(broker.getStartupProbe(), broker.getLivenessProbe(), broker.getReadinessProbe())) {
            assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS");
            assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString("https"));
        }
        ServicePort port = only(resources, Service.class).getSpec().getPorts().get(0);
        assertThat(port.getName()).isEqualTo("https");
        assertThat(port.getTargetPort()).isEqualTo(new IntOrString("https"));
        assertThat(port.getAppProtocol()).isEqualTo("https");
        assertThat(only(resources, ServiceMonitor.class).getSpec().getEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPort()).isEqualTo("https");
            assertThat(e.getScheme()).isEqualTo("https");
            assertThat(e.getTlsConfig().getServerName()).isEqualTo("segura-segura-broker.ci-secrets.svc");
        });
        assertThat(only(resources, NetworkPolicy.class).getSpec().getIngress()).allSatisfy(rule -> assertThat(
                rule.getPorts()).extracting(NetworkPolicyPort::getPort).containsExactly(new IntOrString("https")));

        // Server TLS without a client CA: no SEGURA_TLS_CLIENT_CA, only the server pair projected.
        Deployment serverOnly = only(render(MINIMAL, "tls: {enabled: true, existingSecret: segura-broker-tls}"),
                Deployment.class);
        assertThat(brokerContainer(serverOnly).getEnv()).extracting(EnvVar::getName)
                .contains("SEGURA_TLS_CERT", "SEGURA_TLS_KEY", "SEGURA_TLS_RELOAD_INTERVAL")
                .doesNotContain("SEGURA_TLS_CLIENT_CA");
        assertThat(env(brokerContainer(serverOnly), "SEGURA_TLS_RELOAD_INTERVAL")).isEqualTo("10s");
        assertThat(volume(serverOnly, "tls").getProjected().getSources()).hasSize(1);
    }

    @Test
    void templateWhenTlsDisabledThenPlainHttpAndNoTlsVolumeOrSetting() {
        Deployment deployment = only(render(MINIMAL), Deployment.class);
        Container broker = brokerContainer(deployment);
        assertThat(broker.getEnv()).extracting(EnvVar::getName).noneMatch(n -> n.startsWith("SEGURA_TLS_"));
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes()).extracting(Volume::getName)
                .doesNotContain("tls");
        assertThat(broker.getLivenessProbe().getHttpGet().getScheme()).isNull();
        assertThat(only(render(MINIMAL), Service.class).getSpec().getPorts().get(0).getAppProtocol())
                .isEqualTo("http");
        ServiceMonitor monitor = only(render(MINIMAL, "metrics: {serviceMonitor: {enabled: true}}"),
                ServiceMonitor.class);
        assertThat(monitor.getSpec().getEndpoints().get(0).getScheme()).isNull();
        assertThat(monitor.getSpec().getEndpoints().get(0).getTlsConfig()).isNull();
    }

    @Test
    void templateWhenServiceMonitorTlsConfigGivenThenUsedAsIs() {
        ServiceMonitor monitor = only(render(MINIMAL, TLS, """
                metrics:
                  serviceMonitor:
                    enabled: true
                    tlsConfig:
                      ca: {secret: {name: segura-broker-tls, key: ca.crt}}
                      serverName: segura.ci-secrets.svc
                """), ServiceMonitor.class);
        assertThat(monitor.getSpec().getEndpoints().get(0).getTlsConfig().getCa().getSecret().getName())
                .isEqualTo("segura-broker-tls");
        assertThat(monitor.getSpec().getEndpoints().get(0).getTlsConfig().getServerName())
                .isEqualTo("segura.ci-secrets.svc");
    }

    @Test
    void templateWhenIngressEnabledThenItRoutesEachHostToTheServicePortAndPolicyLetsTheControllerIn() {
        assertThat(all(render(MINIMAL), Ingress.class)).isEmpty();
        assertThat(all(render(MINIMAL, TLS), Ingress.class)).isEmpty();

        List<HasMetadata> resources = render(MINIMAL, TLS, INGRESS);
        Ingress ingress = only(resources, Ingress.class);
        Service service = only(resources, Service.class);
        assertThat(ingress.getMetadata().getNamespace()).isEqualTo(TestCharts.NAMESPACE);
        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(ingress.getMetadata().getAnnotations())
                .containsExactly(Map.entry("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS"));
        assertThat(ingress.getSpec().getTls()).singleElement().satisfies(t -> {
            assertThat(t.getSecretName()).isEqualTo("segura-public-tls");
            assertThat(t.getHosts()).containsExactly("segura.example.com", "secrets.example.com");
        });
        assertThat(ingress.getSpec().getRules()).extracting(IngressRule::getHost)
                .containsExactly("segura.example.com", "secrets.example.com");
        assertThat(ingress.getSpec().getRules()).allSatisfy(rule -> assertThat(rule.getHttp().getPaths())
                .singleElement().satisfies(path -> {
                    assertThat(path.getPath()).isEqualTo("/");
                    assertThat(path.getPathType()).isEqualTo("Prefix");
                    assertThat(path.getBackend().getService().getName()).isEqualTo(service.getMetadata().getName());
                    assertThat(path.getBackend().getService().getPort().getName())
                            .isEqualTo(service.getSpec().getPorts().get(0).getName()).isEqualTo("https");
                }));
        assertThat(only(resources, NetworkPolicy.class).getSpec().getIngress()).anySatisfy(rule ->
                assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(
                        peer.getNamespaceSelector().getMatchLabels())
                        .containsExactly(Map.entry("kubernetes.io/metadata.name", "ingress-nginx"))));

        // Passthrough: no tls section, no class, the plain http port when the broker serves http.
        Ingress plain = only(render(MINIMAL, "ingress: {enabled: true, hosts: [segura.example.com]}"), Ingress.class);
        assertThat(plain.getSpec().getTls()).isNullOrEmpty();
        assertThat(plain.getSpec().getIngressClassName()).isNull();
        assertThat(plain.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getPort()
                .getName()).isEqualTo("http");
    }

    @Test
    void templateWhenAdminTokenKeyEmptyThenOperatorApiLeftClosed() {
        Container broker = brokerContainer(only(render(MINIMAL, "secretKeys: {adminToken: \"\"}"),
                Deployment.class));
        assertThat(broker.getEnv()).extracting(EnvVar::getName).doesNotContain("SEGURA_ADMIN_TOKEN");
        assertThat(TestCharts.notes(MINIMAL, "secretKeys: {adminToken: \"\"}"))
                .contains("The operator API is closed: secretKeys.adminToken is empty.");
    }

    @Test
    void notesWhenInstalledThenNameTheSecretTheRolloutAndTheNamespaceLabel() {
        String notes = TestCharts.notes(MINIMAL);
        assertThat(notes).contains("Secret \"" + SENTINEL_SECRET + "\" (keys: database-url, master-key, admin-token)",
                "rollout status deployment/segura-segura-broker", "the startup probe allows 180 s",
                "kubectl label namespace ci segura.io/broker-client=true",
                "http://segura-segura-broker.ci-secrets.svc:8080")
                .doesNotContain("The operator API is closed");
        for (String shape : SECRET_SHAPES) {
            assertThat(notes).doesNotContainPattern(shape);
        }
    }

    @Test
    void notesWhenTlsAndIngressThenHttpsAddressesAndTheMtlsCaveat() {
        assertThat(TestCharts.notes(MINIMAL)).contains("TLS is off: the broker serves plain http.");

        String notes = TestCharts.notes(MINIMAL, TLS, INGRESS);
        assertThat(notes).contains("https://segura-segura-broker.ci-secrets.svc:8080",
                "curl -sk https://127.0.0.1:8080/actuator/health/readiness",
                "the Secret \"segura-broker-tls\" (tls.crt, tls.key)", "re-reads it every 5s",
                "Secret \"ci-clients-ca\" (key ca.crt)",
                "Ingress: https://segura.example.com, https://secrets.example.com",
                "mTLS clients\n   need TLS passthrough").doesNotContain("TLS is off", "http://segura-segura-broker");
        for (String shape : SECRET_SHAPES) {
            assertThat(notes).doesNotContainPattern(shape);
        }
        // Passthrough (no tlsSecret): no caveat.
        assertThat(TestCharts.notes(MINIMAL, TLS, "ingress: {enabled: true, hosts: [segura.example.com]}"))
                .contains("Ingress: https://segura.example.com").doesNotContain("need TLS passthrough");
    }

    @Test
    void templateWhenRenderedThenNonRootReadOnlyNoEscalationRuntimeDefaultNoCapabilities() {
        Deployment deployment = only(render(MINIMAL), Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        PodSecurityContext podContext = pod.getSecurityContext();
        assertThat(podContext.getRunAsNonRoot()).isTrue();
        assertThat(podContext.getRunAsUser()).isEqualTo(65532L);
        assertThat(podContext.getRunAsGroup()).isEqualTo(65532L);
        assertThat(podContext.getFsGroup()).isEqualTo(65532L);
        assertThat(podContext.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();

        SecurityContext container = brokerContainer(deployment).getSecurityContext();
        assertThat(container.getRunAsNonRoot()).isTrue();
        assertThat(container.getPrivileged()).isFalse();
        assertThat(container.getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(container.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        // The read-only root leaves the JVM one writable place.
        assertThat(brokerContainer(deployment).getVolumeMounts()).filteredOn(m -> !Boolean.TRUE.equals(
                m.getReadOnly())).extracting(m -> m.getMountPath()).containsExactly("/tmp");
        assertThat(volume(deployment, "tmp").getEmptyDir()).isNotNull();
    }

    @Test
    void templateWhenRenderedThenImageEntrypointUntouchedAndSizedFromMeasuredRss() {
        Deployment deployment = only(render(MINIMAL), Deployment.class);
        Container broker = brokerContainer(deployment);
        assertThat(broker.getImage()).isEqualTo("ghcr.io/segura-ci/segura-broker:"
                + System.getProperty("segura.project.version", "0.1.0-SNAPSHOT"));
        assertThat(broker.getCommand()).isNullOrEmpty();
        assertThat(broker.getArgs()).isNullOrEmpty();
        assertThat(broker.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(8080);
        });
        assertThat(env(broker, "JAVA_TOOL_OPTIONS")).isEqualTo("-Xmx256m -XX:+ExitOnOutOfMemoryError");
        // 323 MiB measured (docs/PERFORMANCE.md) must fit the limit with room for a full 256 MiB heap's overhead.
        long limit = Quantity.getAmountInBytes(broker.getResources().getLimits().get("memory")).longValueExact();
        assertThat(limit).isEqualTo(512L * 1024 * 1024).isGreaterThan(323L * 1024 * 1024 * 3 / 2);
        assertThat(broker.getResources().getLimits()).doesNotContainKey("cpu");
        assertThat(broker.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(broker.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5L);

        Path performance = TestCharts.chartDir().resolve("../../../docs/PERFORMANCE.md").normalize();
        if (Files.isRegularFile(performance)) {
            assertThat(performance).content().contains("**323 MiB** RSS (VmHWM)");
        }
    }

    @Test
    void templateWhenRenderedThenRollingUpdateSpreadAndDisruptionBudget() {
        List<HasMetadata> resources = render(MINIMAL);
        Deployment deployment = only(resources, Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).as("the HPA owns replicas").isNull();
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable())
                .isEqualTo(new IntOrString(0));
        assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .extracting(c -> c.getTopologyKey())
                .containsExactly("topology.kubernetes.io/zone", "kubernetes.io/hostname");
        Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
        assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .allSatisfy(c -> assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(selector));
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selector);
        assertThat(only(resources, Service.class).getSpec().getSelector()).isEqualTo(selector);
        assertThat(only(resources, PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels())
                .isEqualTo(selector);

        HorizontalPodAutoscaler hpa = only(resources, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);

        List<HasMetadata> fixed = render(MINIMAL, "autoscaling: {enabled: false}\nreplicaCount: 3");
        assertThat(all(fixed, HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(only(fixed, Deployment.class).getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    void templateWhenTrustConfigGivenThenConfigMapHoldsItAndPodsRollOnChange() {
        List<HasMetadata> resources = render(MINIMAL);
        ConfigMap trust = only(resources, ConfigMap.class);
        assertThat(new Yaml().<Object>load(trust.getData().get("trust.yaml")))
                .isEqualTo(new Yaml().load(TestCharts.TRUST_YAML));
        Deployment deployment = only(resources, Deployment.class);
        assertThat(volume(deployment, "trust").getConfigMap().getName()).isEqualTo(trust.getMetadata().getName());
        assertThat(env(brokerContainer(deployment), "SEGURA_CONFIG")).isEqualTo("/etc/segura/trust/trust.yaml");
        String before = deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/trust-config");
        String after = only(render(MINIMAL.replace("\"74\"", "\"75\"")), Deployment.class).getSpec().getTemplate()
                .getMetadata().getAnnotations().get("checksum/trust-config");
        assertThat(before).isNotBlank().isNotEqualTo(after);

        List<HasMetadata> own = render(MINIMAL, "trust: {config: \"\", existingConfigMap: platform-trust}");
        assertThat(all(own, ConfigMap.class)).isEmpty();
        assertThat(volume(only(own, Deployment.class), "trust").getConfigMap().getName()).isEqualTo("platform-trust");
    }

    @Test
    void templateWhenNetworkPolicyThenIngressFromLabelledNamespacesEgressToDnsPostgresAndIssuers() {
        NetworkPolicy policy = only(render(MINIMAL), NetworkPolicy.class);
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(
                only(render(MINIMAL), Deployment.class).getSpec().getSelector().getMatchLabels());

        assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> {
                assertThat(peer.getNamespaceSelector().getMatchLabels())
                        .containsExactly(Map.entry("segura.io/broker-client", "true"));
                assertThat(peer.getPodSelector()).isNull();
                assertThat(peer.getIpBlock()).isNull();
            });
            assertThat(rule.getPorts()).extracting(NetworkPolicyPort::getPort).containsExactly(new IntOrString("http"));
        });

        List<NetworkPolicyEgressRule> egress = policy.getSpec().getEgress();
        assertThat(egress).hasSize(3);
        assertThat(ports(egress.get(0))).containsExactlyInAnyOrder("UDP/53", "TCP/53");
        assertThat(egress.get(0).getTo()).singleElement().satisfies(p -> assertThat(
                p.getPodSelector().getMatchLabels()).containsEntry("k8s-app", "kube-dns"));
        assertThat(ports(egress.get(1))).containsExactly("TCP/5432");
        assertThat(egress.get(1).getTo()).extracting(p -> p.getIpBlock().getCidr()).containsExactly("10.20.0.0/16");
        assertThat(ports(egress.get(2))).containsExactly("TCP/443");
        NetworkPolicyPeer anywhere = egress.get(2).getTo().get(0);
        assertThat(anywhere.getIpBlock().getCidr()).isEqualTo("0.0.0.0/0");
        assertThat(anywhere.getIpBlock().getExcept()).containsExactly("169.254.169.254/32");
        // Nothing else leaves the pod: every egress rule names its ports.
        assertThat(egress).allSatisfy(rule -> assertThat(rule.getPorts()).isNotEmpty());

        List<HasMetadata> off = render(MINIMAL, "networkPolicy: {enabled: false}");
        assertThat(all(off, NetworkPolicy.class)).isEmpty();
    }

    @Test
    void templateWhenServiceMonitorEnabledThenItScrapesActuatorAndPolicyLetsPrometheusIn() {
        assertThat(all(render(MINIMAL), ServiceMonitor.class)).isEmpty();

        List<HasMetadata> resources = render(MINIMAL, """
                metrics:
                  serviceMonitor:
                    enabled: true
                    labels: {release: prometheus}
                """);
        ServiceMonitor monitor = only(resources, ServiceMonitor.class);
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
        assertThat(monitor.getSpec().getSelector().getMatchLabels())
                .isEqualTo(only(resources, Service.class).getMetadata().getLabels().entrySet().stream()
                        .filter(e -> e.getKey().equals("app.kubernetes.io/name")
                                || e.getKey().equals("app.kubernetes.io/instance"))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertThat(monitor.getSpec().getEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPort()).isEqualTo("http");
            assertThat(e.getPath()).isEqualTo("/actuator/prometheus");
        });
        assertThat(only(resources, NetworkPolicy.class).getSpec().getIngress()).hasSize(2);
    }

    @Test
    void templateWhenServiceAccountThenNoTokenMounted() {
        List<HasMetadata> resources = render(MINIMAL);
        ServiceAccount account = only(resources, ServiceAccount.class);
        assertThat(account.getAutomountServiceAccountToken()).isFalse();
        assertThat(only(resources, Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());
        List<HasMetadata> external = render(MINIMAL, "serviceAccount: {create: false, name: shared}");
        assertThat(all(external, ServiceAccount.class)).isEmpty();
        assertThat(only(external, Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo("shared");
    }

    @Test
    void chartWhenVersionedThenAppVersionIsTheProjectVersion() throws Exception {
        Map<String, Object> chart = new Yaml().load(Files.readString(TestCharts.chartDir().resolve("Chart.yaml")));
        String project = System.getProperty("segura.project.version");
        if (project != null) {
            assertThat(chart.get("appVersion")).isEqualTo(project);
            assertThat(chart.get("version")).isEqualTo(project);
        }
    }

    @Test
    void templateWhenKubernetesOlderThanSupportedThenRefused() {
        assertThatThrownBy(() -> new com.marcnuri.helm.Helm(TestCharts.chartDir()).template().withName("x")
                .withKubeVersion("1.29.0").withValuesFile(writeTemp(MINIMAL)).call())
                .hasMessageContaining("chart requires kubeVersion: >=1.30.0-0");
    }

    @Test
    void strictParserWhenFieldMisspeltThenRefused() {
        String text = renderText(MINIMAL).replace("readOnlyRootFilesystem: true", "readOnlyRootFilesytem: true");
        assertThatThrownBy(() -> StrictManifests.parse(text)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("readOnlyRootFilesytem");
    }

    private static Path writeTemp(String values) throws java.io.IOException {
        Path dir = Files.createDirectories(Path.of("target", "helm-test"));
        Path f = Files.createTempFile(dir, "values-", ".yaml");
        Files.writeString(f, values);
        return f;
    }

    static Container brokerContainer(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("broker")).findFirst().orElseThrow();
    }

    private static Volume volume(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    static String env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static Set<String> ports(NetworkPolicyEgressRule rule) {
        List<String> out = new ArrayList<>();
        rule.getPorts().forEach(p -> out.add(p.getProtocol() + "/" + p.getPort().getIntVal()));
        return Set.copyOf(out);
    }
}
