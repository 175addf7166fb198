// SPDX-License-Identifier: Apache-2.0
package io.segura.deploy.helm;

import static io.segura.deploy.helm.ChartRenderTest.brokerContainer;
import static io.segura.deploy.helm.TestCharts.MINIMAL;
import static io.segura.deploy.helm.TestCharts.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.segura.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendered pod, as near as podman gets to a kubelet: the broker image ({@code -Pcontainers}:
 * {@code broker/target/jib-image.tar}) run with the Deployment's own security context (its user and group, a
 * read-only root with only the chart's emptyDir writable, every capability dropped, no privilege escalation, the
 * engine's default seccomp profile), its memory limit, its literal env, the trust ConfigMap and the master-key file
 * mounted where the chart mounts them, and the existingSecret's other keys as the secretKeyRef env. It must pass each
 * of the rendered probes, and the writable emptyDir must be where Netty's native transport and the JVM's perf data
 * went. No Kubernetes runs here: the translation is this test's, field by field.
 *
 * <p>One departure: host networking (PostgreSQL is on this host's loopback), so the container listens on a free port
 * instead of the chart's 8080.
 */
@Tag("containers")
class ChartPodInImageTest {

    @TempDir
    Path dir;

    @Test
    void podWhenRunWithTheChartsSecurityContextThenEveryProbePasses() throws Exception {
        String engine = engine();
        Path tar = Path.of(System.getProperty("segura.broker.image.tar", "../../broker/target/jib-image.tar"));
        assertThat(tar).as("the broker image; build it with -Pcontainers").isRegularFile();
        String image = System.getProperty("segura.broker.image");
        run(List.of(engine, "load", "-i", tar.toString()), 300);

        List<HasMetadata> rendered = TestCharts.render(MINIMAL);
        Deployment deployment = only(rendered, Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container container = brokerContainer(deployment);
        PodSecurityContext podContext = pod.getSecurityContext();
        SecurityContext context = container.getSecurityContext();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        random.nextBytes(key);
        String adminToken = "sga_" + Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        random.nextBytes(key);

        try (TestDatabase db = TestDatabase.create("ChartPodInImageTest")) {
            // The operator's existingSecret, as `kubectl create secret generic` would hold it.
            Map<String, String> secret = Map.of("database-url", db.r2dbcUrl(), "admin-token", adminToken,
                    "master-key", Base64.getEncoder().encodeToString(key));
            String name = "segura-chart-pod-" + port;
            List<String> cmd = new ArrayList<>(List.of(engine, "run", "-d", "--rm", "--name", name,
                    "--network", "host"));
            cmd.add("--user=" + context.getRunAsUser() + ":" + context.getRunAsGroup());
            cmd.add("--group-add=" + podContext.getFsGroup());
            assertThat(context.getReadOnlyRootFilesystem()).isTrue();
            cmd.add("--read-only");
            if (engine.endsWith("podman")) {
                cmd.add("--read-only-tmpfs=false"); // podman would add writable /tmp, /var/tmp, /run of its own
            }
            assertThat(context.getCapabilities().getDrop()).containsExactly("ALL");
            cmd.add("--cap-drop=ALL");
            assertThat(context.getAllowPrivilegeEscalation()).isFalse();
            cmd.add("--security-opt=no-new-privileges");
            assertThat(context.getSeccompProfile().getType()).isEqualTo("RuntimeDefault"); // the engine's default
            cmd.add("--memory=" + Quantity.getAmountInBytes(container.getResources().getLimits().get("memory"))
                    .longValueExact());
            for (VolumeMount mount : container.getVolumeMounts()) {
                Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                        .findFirst().orElseThrow();
                if (volume.getEmptyDir() != null) {
                    cmd.add("--mount=type=tmpfs,destination=" + mount.getMountPath() + ",tmpfs-mode=1777");
                } else if (volume.getConfigMap() != null) {
                    ConfigMap configMap = only(rendered, ConfigMap.class);
                    assertThat(configMap.getMetadata().getName()).isEqualTo(volume.getConfigMap().getName());
                    Path d = Files.createDirectories(dir.resolve(mount.getName()));
                    for (KeyToPath item : volume.getConfigMap().getItems()) {
                        writeFile(d.resolve(item.getPath()), configMap.getData().get(item.getKey()), "rw-r--r--",
                                null);
                    }
                    cmd.add("-v=" + d + ":" + mount.getMountPath() + ":ro");
                } else if (volume.getSecret() != null) {
                    Path d = Files.createDirectories(dir.resolve(mount.getName()));
                    String mode = PosixFilePermissions.toString(java.util.Set.copyOf(
                            permissions(volume.getSecret().getDefaultMode())));
                    for (KeyToPath item : volume.getSecret().getItems()) {
                        writeFile(d.resolve(item.getPath()), secret.get(item.getKey()), mode, podContext.getFsGroup());
                    }
                    cmd.add("-v=" + d + ":" + mount.getMountPath() + ":ro");
                } else {
                    throw new AssertionError("a volume this test cannot stand in for: " + volume);
                }
            }
            Map<String, String> processEnv = new HashMap<>();
            for (EnvVar e : container.getEnv()) {
                String value = e.getValueFrom() == null ? e.getValue()
                        : secret.get(e.getValueFrom().getSecretKeyRef().getKey());
                if (e.getName().equals("SERVER_PORT")) {
                    value = Integer.toString(port);
                }
                processEnv.put(e.getName(), value);
                cmd.add("-e");
                cmd.add(e.getName()); // the value through the engine's environment, never on its command line
            }
            cmd.add(image);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(processEnv);
            Process start = pb.start();
            String started = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(start.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(start.exitValue()).as(started).isZero();
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                URI base = URI.create("http://127.0.0.1:" + port);
                Probe startup = container.getStartupProbe();
                awaitOk(http, base.resolve(startup.getHttpGet().getPath()),
                        Duration.ofSeconds((long) startup.getPeriodSeconds() * startup.getFailureThreshold()),
                        engine, name);
                for (Probe probe : List.of(container.getLivenessProbe(), container.getReadinessProbe())) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(probe.getHttpGet()
                            .getPath())).timeout(Duration.ofSeconds(probe.getTimeoutSeconds())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(probe.getHttpGet().getPath()).isEqualTo(200);
                }
                // The master key came from the mounted file, the admin token from the Secret's env.
                HttpResponse<String> admin = http.send(HttpRequest.newBuilder(base.resolve(
                        "/api/v2/admin/leases")).header("Authorization", "Bearer " + adminToken).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
                // Why the chart mounts an emptyDir on the read-only root: Netty unpacks its epoll transport there
                // (without it the broker still starts, on the slower NIO transport) and the JVM keeps its perf data.
                String writable = container.getVolumeMounts().stream().filter(m -> !Boolean.TRUE.equals(
                        m.getReadOnly())).findFirst().orElseThrow().getMountPath();
                String maps = run(List.of(engine, "exec", name, "/bin/sh", "-c",
                        "while read -r l; do case \"$l\" in *netty*|*hsperf*) echo \"$l\";; esac; done < /proc/1/maps"),
                        60);
                assertThat(maps).contains(writable + "/libnetty_transport_native_epoll", writable + "/hsperfdata_");
                String log = run(List.of(engine, "logs", name), 60);
                assertThat(log).doesNotContain("Read-only file system", adminToken, secret.get("master-key"))
                        .contains("Picked up JAVA_TOOL_OPTIONS: -Xmx256m");
            } finally {
                run(List.of(engine, "rm", "-f", name), 60);
            }
        }
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            s.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0
                    ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }

    /** A mounted file as the kubelet writes it: root-owned, the volume's mode, the pod's fsGroup as its group. */
    private static void writeFile(Path file, String content, String mode, Long fsGroup) throws IOException {
        assertThat(content).as("content of " + file.getFileName()).isNotNull();
        Files.writeString(file, content, StandardCharsets.UTF_8);
        if (fsGroup != null) {
            GroupPrincipal group = file.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(Long.toString(fsGroup));
            Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(group);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void awaitOk(HttpClient http, URI uri, Duration budget, String engine, String name)
            throws Exception {
        long deadline = System.nanoTime() + budget.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the startup probe " + uri + " did not pass within " + budget.toSeconds()
                + " s; the container's log:\n" + run(List.of(engine, "logs", name), 60));
    }

    private static String run(List<String> cmd, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " did not end within " + seconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static String engine() {
        String explicit = System.getenv("SEGURA_CONTAINER_ENGINE");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        for (String candidate : List.of("podman", "docker")) {
            for (String d : System.getenv("PATH").split(":")) {
                if (Files.isExecutable(Path.of(d, candidate))) {
                    return Path.of(d, candidate).toString();
                }
            }
        }
        throw new IllegalStateException("-Pcontainers needs podman or docker on the PATH (or SEGURA_CONTAINER_ENGINE)");
    }
}
