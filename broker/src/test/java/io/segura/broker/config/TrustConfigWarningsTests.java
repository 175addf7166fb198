// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrustConfigWarningsTests {

    private static final String ISSUERS = """
            issuers:
              - {name: gh, preset: github-actions, audiences: [a]}
              - {name: k8s, preset: kubernetes, issuer: https://kubernetes.default.svc, audiences: [a]}
              - {name: raw, issuer: https://raw.example, audiences: [a]}
            roles:
              - name: r
            """;

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("github name only", "[gh]", "{repository: octo-org/octo-repo}", true),
                Arguments.of("github sub only", "[gh]", "{sub: 'repo:octo-org/octo-repo:*'}", true),
                Arguments.of("github ctx name only", "[gh]", "{ctx.repository: octo-org/octo-repo}", true),
                Arguments.of("github name and id", "[gh]", "{repository: octo-org/octo-repo, repository_id: '74'}",
                        false),
                Arguments.of("github ctx id", "[gh]", "{sub: 'repo:x', ctx.repository_id: '74'}", false),
                Arguments.of("github id only", "[gh]", "{repository_id: '74'}", false),
                Arguments.of("github other claims", "[gh]", "{environment: prod}", false),
                Arguments.of("kubernetes has no id to bind", "[k8s]", "{sub: 'system:serviceaccount:ci:x'}", false),
                Arguments.of("no preset: claims unknown", "[raw]", "{sub: x}", false),
                Arguments.of("mixed issuers", "[raw, gh]", "{sub: x}", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void ofWhenRoleBindingThenWarningIfOnlyMutableNames(String name, String issuers, String bound, boolean warn) {
        TrustConfig config = TrustConfigLoader.parse(ISSUERS + "    issuers: " + issuers + "\n    bound-claims: "
                + bound + "\n    secrets: [a]\n", "w.yaml");
        List<ConfigProblem> warnings = TrustConfigWarnings.of(config);
        if (warn) {
            assertThat(warnings).singleElement().satisfies(w -> {
                assertThat(w.render()).startsWith("w.yaml:6:5: roles[0].bound-claims: binds only mutable names");
            });
        } else {
            assertThat(warnings).isEmpty();
        }
    }
}
