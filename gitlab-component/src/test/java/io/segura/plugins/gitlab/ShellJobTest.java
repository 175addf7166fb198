// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's variable handling that the end-to-end tests rely on. */
class ShellJobTest {

    @TempDir
    Path work;

    @Test
    void variablesWhenJobStartsThenExpandedOnceUnlessExpandFalse() throws Exception {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("PLAIN", "echo $DB_PASSWORD ${CI_JOB_ID} $$HOME");
        vars.put("RAW", Map.of("value", "echo $DB_PASSWORD", "expand", false));
        vars.put("HASH", Map.of("value", "job $CI_JOB_ID"));
        vars.put("CA", "$SEGURA_CA");
        Map<String, String> env = ShellJob.variables(Map.of("variables", vars), Map.of("CI_JOB_ID", "302"),
                Map.of("SEGURA_CA", "-----BEGIN CERTIFICATE-----\n"), work);

        assertThat(env).containsEntry("PLAIN", "echo  302 $HOME").containsEntry("RAW", "echo $DB_PASSWORD")
                .containsEntry("HASH", "job 302");
        assertThat(Path.of(env.get("CA"))).isEqualTo(Path.of(env.get("SEGURA_CA")));
        assertThat(Files.readString(Path.of(env.get("CA")))).isEqualTo("-----BEGIN CERTIFICATE-----\n");
    }
}
