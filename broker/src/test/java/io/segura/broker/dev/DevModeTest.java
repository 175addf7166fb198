// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.SeguraBrokerApplication;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code --dev}: refuses what it must, and boots on H2 into a broker a newcomer can lease a secret from. */
class DevModeTest {

    @TempDir
    Path dir;

    @Test
    void prepareWhenDatabaseUrlSetThenRefused() {
        assertThatThrownBy(() -> DevMode.prepare(dir, Map.of("SEGURA_DATABASE_URL", "r2dbc:postgresql://x/y"),
                new PrintStream(new ByteArrayOutputStream())))
                .isInstanceOf(DevMode.RefusedException.class).hasMessageContaining("SEGURA_DATABASE_URL");
    }

    @Test
    void prepareWhenAddressNotLoopbackThenRefused() {
        assertThatThrownBy(() -> DevMode.prepare(dir, Map.of("SERVER_ADDRESS", "0.0.0.0"),
                new PrintStream(new ByteArrayOutputStream())))
                .isInstanceOf(DevMode.RefusedException.class).hasMessageContaining("loopback");
    }

    @Test
    void prepareWhenFirstRunThenKeysGeneratedOnceWithOwnerOnlyPermissions() throws Exception {
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        Map<String, Object> props = DevMode.prepare(dir, Map.of(), new PrintStream(first));
        String token = Files.readString(dir.resolve("admin-token")).trim();
        assertThat(first.toString()).contains(token);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("master.key"))))
                .isEqualTo("rw-------");
        assertThat(props.get("server.address")).isEqualTo("127.0.0.1");

        ByteArrayOutputStream second = new ByteArrayOutputStream();
        DevMode.prepare(dir, Map.of(), new PrintStream(second));
        assertThat(second.toString()).doesNotContain(token);
        assertThat(Files.readString(dir.resolve("admin-token")).trim()).isEqualTo(token);
    }

    @Test
    void devBrokerWhenStartedThenDevTokenExchangesAndLeasesASecret() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, Object> props = DevMode.prepare(dir, Map.of("SERVER_PORT", Integer.toString(port)),
                new PrintStream(new ByteArrayOutputStream()));
        String admin = (String) props.get("segura.admin-token");
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(SeguraBrokerApplication.class)
                .properties(props).run()) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + port;
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base
                            + "/api/v2/admin/secrets/dev/db/password"))
                    .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"value\":\"dev-secret-value-42\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(201);

            String idToken = field(form(http, base + "/dev/oidc/token", "sub=dev:test"), "id_token");
            String session = field(form(http, base + "/oauth2/token",
                    "grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
                            + "&subject_token_type=urn:ietf:params:oauth:token-type:jwt&scope=role:dev"
                            + "&subject_token=" + idToken), "access_token");
            HttpResponse<String> lease = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/a2a/leases"))
                    .header("Authorization", "Bearer " + session).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"secrets\":[\"dev/db/password\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(lease.statusCode()).isEqualTo(201);
            assertThat(lease.body()).contains("dev-secret-value-42");

            String refused = form(http, base + "/oauth2/token",
                    "grant_type=urn:ietf:params:oauth:grant-type:token-exchange"
                            + "&subject_token_type=urn:ietf:params:oauth:token-type:jwt&scope=role:dev&subject_token="
                            + field(form(http, base + "/dev/oidc/token", "sub=someone-else"), "id_token"));
            assertThat(refused).contains("invalid_grant", "claim sub is \\\"someone-else\\\"");
        }
    }

    private static String form(HttpClient http, String uri, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return m.group(1);
    }
}
