// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.config.SyncSpec.Mapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code sync:} in the trust YAML: the docs/SYNC.md examples load as written; every mistake names FILE:LINE:COL. */
class SyncConfigTests {

    /** The {@code yaml} blocks of docs/SYNC.md that start with {@code sync:}, in order. */
    static List<String> docExamples() throws IOException {
        Path doc = Path.of(System.getProperty("user.dir")).resolve("../docs/SYNC.md").normalize();
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : Files.readAllLines(doc, StandardCharsets.UTF_8)) {
            if (current == null && line.equals("```yaml")) {
                current = new StringBuilder();
            } else if (current != null && line.equals("```")) {
                if (current.toString().startsWith("sync:")) {
                    blocks.add(current.toString());
                }
                current = null;
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    @Test
    void loadWhenDocsGitLabExampleThenEveryOptionAsDocumented() throws IOException {
        List<String> examples = docExamples();
        assertThat(examples).hasSize(2);
        SyncSpec gitlab = TrustConfigLoader.parse(examples.get(0), "SYNC.md").sync().get(0);
        assertThat(gitlab.platform()).isEqualTo(SyncSpec.Platform.GITLAB);
        assertThat(gitlab.url()).isEqualTo("https://gitlab.example.com");
        assertThat(gitlab.project()).isEqualTo("acme/shop");
        assertThat(gitlab.group()).isNull();
        assertThat(gitlab.tokenSecret()).isEqualTo("sync/gitlab/shop-token");
        assertThat(gitlab.schedule()).isEqualTo(Duration.ofMinutes(15));
        assertThat(gitlab.prune()).isFalse();
        List<Mapping> m = gitlab.mappings();
        assertThat(m).extracting(Mapping::variable).containsExactly("DB_PASSWORD", "STRIPE_KEY", "CA_BUNDLE",
                "DATABASE_URL");
        assertThat(m.get(0)).extracting(Mapping::path, Mapping::version, Mapping::masked, Mapping::hidden,
                        Mapping::isProtected, Mapping::environmentScope, Mapping::description)
                .containsExactly("db/prod/password", null, true, true, true, "production",
                        "Production database password");
        assertThat(m.get(1)).extracting(Mapping::version, Mapping::masked, Mapping::hidden, Mapping::environmentScope)
                .containsExactly(3, true, false, "*");
        assertThat(m.get(2)).extracting(Mapping::file, Mapping::masked, Mapping::hidden)
                .containsExactly(true, false, false);
        assertThat(m.get(3)).extracting(Mapping::raw, Mapping::masked).containsExactly(true, true);
    }

    @Test
    void loadWhenDocsAzureExampleThenServerUrlAndSecretsAsDocumented() throws IOException {
        SyncSpec azure = TrustConfigLoader.parse(docExamples().get(1), "SYNC.md").sync().get(0);
        assertThat(azure.platform()).isEqualTo(SyncSpec.Platform.AZURE_DEVOPS);
        assertThat(azure.url()).isEqualTo("https://tfs.example.com/tfs");
        assertThat(azure.organization()).isEqualTo("DefaultCollection");
        assertThat(azure.project()).isEqualTo("Shop");
        assertThat(azure.variableGroup()).isEqualTo("shop-prod-secrets");
        assertThat(azure.prune()).isTrue();
        assertThat(azure.mappings()).extracting(Mapping::variable, Mapping::secret)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("DB_PASSWORD", true),
                        org.assertj.core.groups.Tuple.tuple("APP_URL", false));
        assertThat(azure.maps("db/prod/password")).isTrue();
        assertThat(azure.maps("db/prod")).isFalse();
    }

    static Stream<Arguments> mistakes() {
        String gitlab = "sync:\n  - name: t\n    platform: gitlab\n    url: https://gitlab.example.com\n"
                + "    project: a/b\n    token-secret: sync/token\n";
        String azure = "sync:\n  - name: t\n    platform: azure-devops\n    url: https://dev.azure.com\n"
                + "    organization: o\n    project: p\n    variable-group: g\n    token-secret: sync/token\n";
        String oneVar = "    variables:\n      - secret: db/x > X_VAR\n";
        return Stream.of(
                Arguments.of("unknown platform", gitlab.replace("gitlab\n", "gitlub\n") + oneVar,
                        "3:15: sync[0].platform: expected gitlab or azure-devops, got `gitlub` (did you mean `gitlab`?)"),
                Arguments.of("inline token refused", gitlab + "    token: glpat-xyz\n" + oneVar,
                        "7:5: sync[0].token: unknown key"),
                Arguments.of("plain http", gitlab.replace("https://gitlab.example.com", "http://gitlab.example.com")
                        + oneVar, "4:10: sync[0].url: must use https"),
                Arguments.of("api/v4 in url", gitlab.replace("example.com", "example.com/api/v4") + oneVar,
                        "4:10: sync[0].url: give the GitLab root URL without /api/v4"),
                Arguments.of("project and group", gitlab + "    group: a\n" + oneVar,
                        "sync[0].project: exactly one of project and group, got both"),
                Arguments.of("token not a path", gitlab.replace("sync/token", "Sync Token") + oneVar,
                        "6:19: sync[0].token-secret: `Sync Token` is not a secret path"),
                Arguments.of("mapping syntax", gitlab + "    variables:\n      - secret: db/x = X\n",
                        "8:17: sync[0].variables[0].secret: expected `path[@version] > VARIABLE`"),
                Arguments.of("gitlab key", gitlab + "    variables:\n      - secret: db/x > X-VAR\n",
                        "sync[0].variables[0].secret: `X-VAR` is not a gitlab variable name"),
                Arguments.of("azure option on gitlab", gitlab + oneVar + "        is-secret: true\n",
                        "9:9: sync[0].variables[0].is-secret: not an option of gitlab variables"),
                Arguments.of("gitlab option on azure", azure + oneVar + "        protected: true\n",
                        "11:9: sync[0].variables[0].protected: not an option of azure-devops variables"),
                Arguments.of("duplicate variable and scope", gitlab + oneVar + "      - secret: db/y > X_VAR\n",
                        "9:9: sync[0].variables[1].secret: duplicate variable X_VAR (environment scope *), first "
                                + "mapped at t.yaml:8:9"),
                Arguments.of("hidden but not masked", gitlab + oneVar + "        masked: false\n        hidden: true\n",
                        "10:9: sync[0].variables[0].hidden: a hidden variable is always masked"),
                Arguments.of("azure needs a group", azure.replace("    variable-group: g\n", "") + oneVar,
                        "sync[0].variable-group: is required"),
                Arguments.of("group on azure", azure + "    group: x\n" + oneVar,
                        "9:5: sync[0].group: not a azure-devops setting"),
                Arguments.of("schedule too short", gitlab + "    schedule: 1s\n" + oneVar,
                        "7:15: sync[0].schedule: must be at least 10s"),
                Arguments.of("bad version", gitlab + "    variables:\n      - secret: db/x@0 > X\n",
                        "sync[0].variables[0].secret: a version is a number from 1"),
                Arguments.of("no variables", gitlab, "sync[0].variables: is required"),
                Arguments.of("empty target", "sync:\n  - {}\n", "2:5: sync[0].name: is required"),
                Arguments.of("sync not a list", "sync: gitlab\n", "1:7: sync: expected a list, got the string `gitlab`"),
                Arguments.of("mapping not a map", gitlab + "    variables:\n      - db/x > X\n",
                        "8:9: sync[0].variables[0]: expected a mapping"),
                Arguments.of("secret not a string", gitlab + "    variables:\n      - secret: {a: b}\n",
                        "8:17: sync[0].variables[0].secret: expected a string, got a mapping"),
                Arguments.of("duplicate target", gitlab + oneVar + gitlab.replace("sync:\n", "") + oneVar,
                        "sync[1].name: duplicate name `t`"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void parseWhenMistakeThenProblemWithPosition(String name, String yaml, String expected) {
        assertThatThrownBy(() -> TrustConfigLoader.parse(yaml, "t.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(expected);
    }
}
