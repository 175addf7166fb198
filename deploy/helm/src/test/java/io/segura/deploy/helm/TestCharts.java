// SPDX-License-Identifier: Apache-2.0
package io.segura.deploy.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart under test ({@code deploy/helm/segura-broker}) and the value sets the tests render it with. Rendering
 * goes through helm-java's bundled Helm (no helm binary, no cluster): {@code helm template} with a values file,
 * {@code helm lint} on a copy of the chart whose values.yaml has the set merged in (helm-java's lint takes no values).
 */
final class TestCharts {

    /** The Secret name every value set uses: a test looks for it, and for nothing secret, in the output. */
    static final String SENTINEL_SECRET = "sentinel-existing-secret-7f3a";
    static final String RELEASE = "segura";
    static final String NAMESPACE = "ci-secrets";
    /** The lowest Kubernetes the chart supports (Chart.yaml kubeVersion): native preStop sleep, matchLabelKeys. */
    static final String KUBE_VERSION = "1.30.0";

    /** A trust config the broker accepts (ChartProbesTest starts one on it): no secret, clients as SHA-256 only. */
    static final String TRUST_YAML = """
            issuers:
              - name: ci
                issuer: http://127.0.0.1:9
                audiences: ["https://segura.example.com"]
            roles:
              - name: build
                issuers: [ci]
                bound-claims:
                  repository_id: "74"
                secrets: ["ci/*"]
              - name: nightly
                clients: [bamboo-prod]
                secrets: ["ci/nightly/*"]
            clients:
              - id: bamboo-prod
                secret-sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            """;

    /** The smallest value set an operator can install with: the Secret's name, the trust YAML, PostgreSQL's place. */
    static final String MINIMAL = """
            existingSecret: %s
            trust:
              config: |
            %s
            networkPolicy:
              egress:
                postgresql:
                  to:
                    - ipBlock: {cidr: 10.20.0.0/16}
            """.formatted(SENTINEL_SECRET, TRUST_YAML.indent(4).stripTrailing());

    private TestCharts() {
    }

    static Path chartDir() {
        String dir = System.getProperty("segura.chart.dir");
        Path p = dir == null ? Path.of("segura-broker") : Path.of(dir);
        if (!Files.isRegularFile(p.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no chart at " + p.toAbsolutePath());
        }
        return p.toAbsolutePath().normalize();
    }

    /** {@code helm template} of the chart with {@code valueSets} (YAML, later ones win), as text. */
    static String renderText(String... valueSets) {
        TemplateCommand template = new Helm(chartDir()).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (String values : valueSets) {
            template.withValuesFile(write(values));
        }
        return template.call();
    }

    /**
     * The release notes (NOTES.txt) as {@code helm install} prints them: a client-only dry run (no cluster; {@code
     * helm template} does not render the notes).
     */
    static String notes(String... valueSets) {
        InstallCommand install = new Helm(chartDir()).install().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION).clientOnly().dryRun();
        for (String values : valueSets) {
            install.withValuesFile(write(values));
        }
        return install.call().getOutput();
    }

    /** {@code helm template} with {@code valueSets}, parsed strictly. */
    static List<HasMetadata> render(String... valueSets) {
        return StrictManifests.parse(renderText(valueSets));
    }

    /** {@code helm lint} of a copy of the chart whose values.yaml has {@code valueSets} merged in, in order. */
    static LintResult lint(String... valueSets) {
        Path copy = tempDir("lint-");
        try {
            try (Stream<Path> files = Files.walk(chartDir())) {
                for (Path from : files.toList()) {
                    Path to = copy.resolve(chartDir().relativize(from).toString());
                    if (Files.isDirectory(from)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(from, to);
                    }
                }
            }
            Yaml yaml = new Yaml();
            Map<String, Object> merged = yaml.load(Files.readString(copy.resolve("values.yaml")));
            for (String values : valueSets) {
                Map<String, Object> extra = values.isBlank() ? Map.of() : yaml.load(values);
                merged = merge(merged, extra);
            }
            Files.writeString(copy.resolve("values.yaml"), yaml.dump(merged));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Helm(copy).lint().call();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> extra) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        extra.forEach((k, v) -> {
            if (v == null) {
                out.remove(k); // helm's rule: a null in the values given deletes the chart's default
            } else if (v instanceof Map<?, ?> m && out.get(k) instanceof Map<?, ?> b) {
                out.put(k, merge((Map<String, Object>) b, (Map<String, Object>) m));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    static <T extends HasMetadata> T only(List<HasMetadata> resources, Class<T> kind) {
        List<T> found = all(resources, kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind.getSimpleName() + ", rendered " + found.size());
        }
        return found.get(0);
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> resources, Class<T> kind) {
        return resources.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    private static Path write(String values) {
        try {
            Path f = Files.createTempFile(tempDir("values-"), "values-", ".yaml");
            Files.writeString(f, values, StandardCharsets.UTF_8);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tempDir(String prefix) {
        try {
            Path target = Path.of("target", "helm-test");
            Files.createDirectories(target);
            return Files.createTempDirectory(target, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
