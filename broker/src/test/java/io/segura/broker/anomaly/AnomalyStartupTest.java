// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.segura.broker.SeguraBrokerApplication;
import io.segura.broker.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** The broker refuses to start on an anomaly threshold out of range, naming the file, line, column and field. */
class AnomalyStartupTest {

    @TempDir
    Path dir;

    @Test
    void startWhenAThresholdIsOutOfRangeThenRefusesNamingFileLineAndField() throws Exception {
        Path config = dir.resolve("trust.yaml");
        Files.writeString(config, """
                issuers:
                  - name: gh
                    preset: github-actions
                    audiences: ["https://segura.example"]
                roles:
                  - name: deploy
                    issuers: [gh]
                    bound-claims:
                      repository_id: "74"
                    secrets: ["db/*"]
                    on-anomaly: {min-risk: HIGH, action: block, for: 90d}
                anomaly:
                  denial-burst: {window: 1m, max: 0}
                """);
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(SeguraBrokerApplication.class)
                .properties(Map.of("segura.config", config.toString(),
                        "segura.database-url", "r2dbc:h2:mem:///anomaly-startup-test",
                        "segura.master-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                        "server.port", "0"))
                .run());
        assertThat(failure).as("the broker must refuse to start").isNotNull();
        ConfigException cause = null;
        for (Throwable t = failure; t != null && cause == null; t = t.getCause()) {
            cause = t instanceof ConfigException c ? c : null;
        }
        assertThat(cause).as("a ConfigException in the causes of " + failure).isNotNull();
        assertThat(cause.getMessage()).contains("trust.yaml:11:54: roles[0].on-anomaly.for: must be at most 30d",
                "trust.yaml:13:35: anomaly.denial-burst.max: must be from 1 to 1000000, got 0");
    }
}
