// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment gate's answers as DESIGN §5 and §7 fix them — a 403 {@code deployment-blocked} problem with
 * violations, and the {@code /api/v2/policy/evaluate} dry run — served by a loopback HTTP server, since the broker
 * of this branch does not evaluate policies yet.
 */
class PolicyGateTest {

    @TempDir
    Path work;

    private HttpServer server;
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<String> evaluation = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            calls.add(ex.getRequestMethod() + " " + path);
            int status;
            String body;
            switch (path) {
                case "/oauth2/token":
                    status = 200;
                    body = "{\"access_token\":\"sgs_gate\",\"token_type\":\"Bearer\",\"expires_in\":600,"
                            + "\"scope\":\"role:deploy-prod\"}";
                    break;
                case "/oauth2/revoke":
                    status = 200;
                    body = "";
                    break;
                case "/api/v2/a2a/leases":
                    status = 403;
                    body = "{\"type\":\"https://segura.dev/problems/deployment-blocked\",\"title\":\"Forbidden\","
                            + "\"status\":403,\"detail\":\"2 policy violations\",\"violations\":["
                            + "{\"policy\":\"production-gate\",\"rule\":\"freeze-window\",\"message\":\"year-end freeze\"},"
                            + "{\"policy\":\"production-gate\",\"rule\":\"outdated\",\"message\":\"db/prod/password is"
                            + " 120 days old (max 90d)\"}]}";
                    break;
                case "/api/v2/policy/evaluate":
                    status = 200;
                    body = evaluation.get();
                    break;
                default:
                    status = 404;
                    body = "{}";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", status >= 400 ? "application/problem+json"
                    : "application/json");
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Map<String, String> env() {
        return CliHarness.env(Map.of("SEGURA_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                "SEGURA_ID_TOKEN", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvYXBwIn0.c2ln",
                "SEGURA_ROLE", "deploy-prod"));
    }

    @Test
    void execWhenDeploymentBlockedThenExit3ViolationsTableAndRevoked() {
        var r = CliHarness.run(env(), "", work, "exec", "--secret", "db/prod/password", "--", "true");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).contains("Blocked by policy:", "POLICY", "RULE", "MESSAGE", "freeze-window",
                "year-end freeze", "db/prod/password is 120 days old (max 90d)");
        assertThat(calls).containsExactly("POST /oauth2/token", "POST /api/v2/a2a/leases", "POST /oauth2/revoke");
    }

    @Test
    void policyCheckWhenDeniedByViolationsThenExit3AndTables() {
        evaluation.set("{\"decision\":\"deny\",\"role_checks\":[{\"claim\":\"ref\",\"expected\":\"refs/heads/main\","
                + "\"actual\":\"refs/heads/main\",\"ok\":true}],\"violations\":[{\"policy\":\"production-gate\","
                + "\"rule\":\"freeze-window\",\"message\":\"year-end freeze\"}],\"warnings\":[]}");
        var r = CliHarness.run(env(), "", work, "policy", "check", "--secret", "db/prod/password");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.out()).contains("decision: deny", "Role checks:", "CLAIM", "EXPECTED", "refs/heads/main",
                "Violations:", "freeze-window");
    }

    @Test
    void policyCheckWhenRoleCheckFailsThenExit4() {
        evaluation.set("{\"decision\":\"deny\",\"role_checks\":[{\"claim\":\"ref\",\"expected\":\"refs/heads/main\","
                + "\"actual\":\"refs/heads/dev\",\"ok\":false}],\"violations\":[],\"warnings\":[]}");
        var r = CliHarness.run(env(), "", work, "policy", "check", "--secret", "db/prod/password");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.out()).contains("refs/heads/dev", "false");
    }

    @Test
    void policyCheckWhenAllowedWithWarningThenExit0() {
        evaluation.set("{\"decision\":\"allow\",\"role_checks\":[],\"violations\":[],\"warnings\":[\"policy"
                + " production-gate (warn): secret is 80 days old\"]}");
        var r = CliHarness.run(env(), "", work, "policy", "check", "--secret", "db/prod/password");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("decision: allow", "warning: policy production-gate (warn)");
    }
}
