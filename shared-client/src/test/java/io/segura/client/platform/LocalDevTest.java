// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDevTest {

    @TempDir
    Path dir;

    private JobEnvironment env(Map<String, String> vars) {
        return new JobEnvironment(vars, new PrintStream(new ByteArrayOutputStream()), dir, HttpClient.newHttpClient());
    }

    @Test
    void identityWhenIdTokenSetThenThatToken() throws Exception {
        Identity id = new LocalDev().identity(env(Map.of("SEGURA_ID_TOKEN", "eyJ.x.y", "SEGURA_CLIENT_ID", "c",
                "SEGURA_CLIENT_SECRET", "s")), "aud");
        assertThat(id).isEqualTo(new Identity.OidcToken("eyJ.x.y"));
    }

    @Test
    void identityWhenClientCredentialsThenClientSecret() throws Exception {
        Identity id = new LocalDev().identity(env(Map.of("SEGURA_CLIENT_ID", "c", "SEGURA_CLIENT_SECRET", "s")), "a");
        assertThat(id).isEqualTo(new Identity.ClientSecret("c", "s"));
    }

    @Test
    void identityWhenDevBrokerThenMintsForUser() throws Exception {
        List<String> bodies = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/dev/oidc/token", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] b = "{\"id_token\":\"eyJ.dev.tok\",\"expires_in\":600}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Identity id = new LocalDev().identity(env(Map.of("SEGURA_URL", url + "/", "USER", "ana")), url);
            assertThat(id).isEqualTo(new Identity.OidcToken("eyJ.dev.tok"));
            assertThat(bodies).containsExactly("sub=dev%3Aana");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void identityWhenNotADevBrokerThenSaysWhatToSet() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.start(); // no contexts: every path answers 404
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            assertThatThrownBy(() -> new LocalDev().identity(env(Map.of("SEGURA_URL", url)), url))
                    .isInstanceOf(PlatformException.class).hasMessageContaining("is not a dev broker");
            assertThatThrownBy(() -> new LocalDev().identity(env(Map.of()), url))
                    .isInstanceOf(PlatformException.class).hasMessageContaining("SEGURA_ID_TOKEN");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void exportWhenDotenvThenAppendedQuotedAnd0600() throws Exception {
        LocalDev local = new LocalDev();
        JobEnvironment e = env(Map.of());
        String note = local.export(e, "DB_PASSWORD", "it's\nmulti");
        local.export(e, "API_KEY", "k3y");
        Path file = dir.resolve(".segura.env");
        assertThat(note).contains(file.toString()).doesNotContain("multi");
        assertThat(Files.readString(file)).isEqualTo("DB_PASSWORD='it'\\''s\nmulti'\nAPI_KEY='k3y'\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void exportWhenExportDirThenOneFilePerVariable() throws Exception {
        new LocalDev().export(env(Map.of("SEGURA_EXPORT_DIR", "secrets")), "TOKEN", "v@lue");
        Path file = dir.resolve("secrets/TOKEN");
        assertThat(Files.readString(file)).isEqualTo("v@lue");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void detectWhenSeguraPlatformUnknownThenErrorListsKnown() {
        assertThatThrownBy(() -> Platforms.detect(env(Map.of("SEGURA_PLATFORM", "travis"))))
                .hasMessageContaining("\"travis\" names no platform").hasMessageContaining("local");
        assertThat(Platforms.detect(env(Map.of()))).isInstanceOf(LocalDev.class);
        assertThat(new LocalDev().maskNatively(env(Map.of()), "value")).isFalse();
    }
}
