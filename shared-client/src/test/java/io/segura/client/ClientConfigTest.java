// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClientConfigTest {

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void fromEnvironmentWhenMinimalThenDefaults() throws Exception {
        ClientConfig c = ClientConfig.fromEnvironment(env("SEGURA_URL", "https://segura.example.com/"));
        assertThat(c.url()).hasToString("https://segura.example.com");
        assertThat(c.audience()).isEqualTo("https://segura.example.com");
        assertThat(c.role()).isNull();
        assertThat(c.secrets()).isEmpty();
        assertThat(c.retry()).isEqualTo(RetryPolicy.DEFAULT);
    }

    @Test
    void fromEnvironmentWhenFullThenEveryField() throws Exception {
        ClientConfig c = ClientConfig.fromEnvironment(env("SEGURA_URL", "http://127.0.0.1:8080",
                "SEGURA_ROLE", "deploy-prod", "SEGURA_AUDIENCE", "https://segura.test", "SEGURA_SECRETS",
                "db/prod/password > DB_PASSWORD;api/key@2", "SEGURA_TTL", "15m", "SEGURA_CLIENT_ID", "bamboo",
                "SEGURA_CLIENT_SECRET", "s3cret-client", "SEGURA_ID_TOKEN", "eyJhbGciOi.token.sig",
                "SEGURA_PLATFORM", "gitlab", "SEGURA_ADMIN_TOKEN", "sga_admin-token-value",
                "SEGURA_RETRY_ATTEMPTS", "2", "SEGURA_RETRY_MAX_TIME", "3s"));
        assertThat(c.role()).isEqualTo("deploy-prod");
        assertThat(c.audience()).isEqualTo("https://segura.test");
        assertThat(c.secrets()).extracting(SecretSpec::envName).containsExactly("DB_PASSWORD", "API_KEY");
        assertThat(c.ttl()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.retry().maxAttempts()).isEqualTo(2);
        assertThat(c.retry().maxTotal()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.toString()).doesNotContain("s3cret-client", "eyJhbGciOi", "sga_admin").contains("<redacted>");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(env(), "SEGURA_URL is not set"),
                Arguments.of(env("SEGURA_URL", "ftp://x"), "SEGURA_URL must be an http(s) URL"),
                Arguments.of(env("SEGURA_URL", "http://segura.example.com"), "SEGURA_URL must use https"),
                Arguments.of(env("SEGURA_URL", "https://u:p@x.example"), "SEGURA_URL must not carry user info"),
                Arguments.of(env("SEGURA_URL", "https://x.example", "SEGURA_TTL", "15 minutes"), "SEGURA_TTL"),
                Arguments.of(env("SEGURA_URL", "https://x.example", "SEGURA_SECRETS", "Bad/Path"), "SEGURA_SECRETS"),
                Arguments.of(env("SEGURA_URL", "https://x.example", "SEGURA_ROLE", "a b"), "SEGURA_ROLE"),
                Arguments.of(env("SEGURA_URL", "https://x.example", "SEGURA_CLIENT_SECRET", "x"),
                        "SEGURA_CLIENT_SECRET is set but SEGURA_CLIENT_ID is not"),
                Arguments.of(env("SEGURA_URL", "https://x.example", "SEGURA_CA_CERT", "/nonexistent/ca.pem"),
                        "SEGURA_CA_CERT names /nonexistent/ca.pem"),
                Arguments.of(env("SEGURA_URL", "https://x.example", "SEGURA_RETRY_ATTEMPTS", "0"),
                        "SEGURA_RETRY_ATTEMPTS"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void fromEnvironmentWhenInvalidThenErrorNamesVariable(Map<String, String> env, String message) {
        assertThatThrownBy(() -> ClientConfig.fromEnvironment(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }
}
