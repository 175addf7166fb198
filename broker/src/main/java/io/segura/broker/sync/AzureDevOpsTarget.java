// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.config.SyncSpec;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One Azure DevOps (Services or Server) variable group over the documented REST API, api-version 7.1: plain HTTP
 * rather than azd 5.0.6, which hard-codes {@code https://dev.azure.com/} in a process-wide enum (no Azure DevOps
 * Server, no per-target base URL), reports errors by body text without the HTTP status or {@code Retry-After}, and
 * bundles an unrelocated Jackson 2.14 (docs/SYNC.md, "Why not azd"). Secrets are sent with {@code isSecret: true};
 * the service never returns their values, and a secret sent back with {@code value: null} keeps its value, which is
 * how the variables the broker does not own survive the full-replace {@code PUT}.
 *
 * @see <a href="https://learn.microsoft.com/rest/api/azure/devops/distributedtask/variablegroups">Variablegroups</a>
 */
final class AzureDevOpsTarget implements TargetClient {

    static final String API_VERSION = "7.1";

    private final SyncSpec spec;
    private final String authorization;
    private final HttpClient http;
    private final Duration timeout;
    private final JsonMapper json;
    /** The group as last read or written in this run, or null when it does not exist. */
    private ObjectNode group;
    private String projectId;

    AzureDevOpsTarget(SyncSpec spec, String token, Duration timeout, JsonMapper json) {
        this.spec = spec;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((":" + token)
                .getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public RemoteSnapshot read() throws RemoteFailure {
        JsonNode list = send("GET", projectApi("distributedtask/variablegroups") + "&groupName="
                + encode(spec.variableGroup()), null, "list variable groups");
        group = null;
        for (JsonNode g : list.path("value")) {
            if (spec.variableGroup().equals(g.path("name").asString(""))) {
                group = (ObjectNode) g;
            }
        }
        return snapshot();
    }

    @Override
    public String write(DesiredVariable desired, RemoteVariable current) throws RemoteFailure {
        ObjectNode variables = keptVariables(desired.key());
        ObjectNode v = variables.putObject(desired.key());
        v.put("value", desired.value());
        v.put("isSecret", desired.flags().secret());
        return store(variables, "write " + desired.key());
    }

    @Override
    public String delete(RemoteVariable variable) throws RemoteFailure {
        if (group == null) {
            return null;
        }
        ObjectNode variables = keptVariables(variable.key());
        if (variables.isEmpty()) {
            // A variable group cannot be empty: the last variable goes with its group.
            send("DELETE", orgApi("distributedtask/variablegroups/" + group.path("id").asInt()) + "&projectIds="
                    + projectId(), null, "delete variable group");
            group = null;
            return null;
        }
        return store(variables, "delete " + variable.key());
    }

    /** Every variable of the group but {@code except}: plain ones with their value, secrets with null (kept). */
    private ObjectNode keptVariables(String except) {
        ObjectNode out = json.createObjectNode();
        if (group == null) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : group.path("variables").properties()) {
            if (e.getKey().equals(except)) {
                continue;
            }
            ObjectNode kept = out.putObject(e.getKey());
            boolean secret = e.getValue().path("isSecret").asBoolean(false);
            if (secret) {
                kept.putNull("value");
            } else {
                kept.put("value", e.getValue().path("value").asString(""));
            }
            kept.put("isSecret", secret);
            if (e.getValue().has("isReadOnly")) {
                kept.put("isReadOnly", e.getValue().path("isReadOnly").asBoolean(false));
            }
        }
        return out;
    }

    private String store(ObjectNode variables, String action) throws RemoteFailure {
        ObjectNode body = json.createObjectNode();
        body.put("name", spec.variableGroup());
        body.put("description", group == null ? "Synced by Segura from the vault (docs/SYNC.md)"
                : group.path("description").asString(""));
        body.put("type", "Vsts");
        body.set("variables", variables);
        ObjectNode ref = body.putArray("variableGroupProjectReferences").addObject();
        ref.put("name", spec.variableGroup());
        ObjectNode project = ref.putObject("projectReference");
        project.put("id", projectId());
        project.put("name", spec.project());
        JsonNode answer = group == null
                ? send("POST", orgApi("distributedtask/variablegroups"), body, action)
                : send("PUT", orgApi("distributedtask/variablegroups/" + group.path("id").asInt()), body, action);
        group = (ObjectNode) answer;
        return stamp();
    }

    private String projectId() throws RemoteFailure {
        if (projectId == null) {
            projectId = send("GET", orgApi("projects/" + encode(spec.project())), null, "read project")
                    .path("id").asString(null);
            if (projectId == null) {
                throw RemoteFailure.fromStatus(404, "Azure DevOps project " + spec.project() + " has no id", null);
            }
        }
        return projectId;
    }

    private RemoteSnapshot snapshot() {
        List<RemoteVariable> out = new ArrayList<>();
        if (group != null) {
            for (Map.Entry<String, JsonNode> e : group.path("variables").properties()) {
                boolean secret = e.getValue().path("isSecret").asBoolean(false);
                JsonNode value = e.getValue().get("value");
                out.add(new RemoteVariable(e.getKey(), "*", secret || value == null || value.isNull() ? null
                        : value.asString(), new VariableFlags(false, false, false, false, false, secret)));
            }
        }
        return new RemoteSnapshot(out, stamp());
    }

    private String stamp() {
        return group == null ? null : group.path("modifiedOn").asString(null);
    }

    private String orgApi(String resource) {
        return spec.url() + "/" + encode(spec.organization()) + "/_apis/" + resource + "?api-version=" + API_VERSION;
    }

    private String projectApi(String resource) {
        return spec.url() + "/" + encode(spec.organization()) + "/" + encode(spec.project()) + "/_apis/" + resource
                + "?api-version=" + API_VERSION;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String url, JsonNode body, String action) throws RemoteFailure {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Authorization", authorization).header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw RemoteFailure.fromStatus(0, "Azure DevOps " + spec.url() + " timed out (" + action + ")", null);
        } catch (IOException e) {
            throw RemoteFailure.fromStatus(0, "Azure DevOps " + spec.url() + " unreachable ("
                    + e.getClass().getSimpleName() + ", " + action + ")", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RemoteFailure.fromStatus(0, "interrupted (" + action + ")", null);
        }
        int status = response.statusCode();
        if (status >= 300 && status < 400) {
            // Azure DevOps answers an unauthenticated call with a redirect to sign-in.
            throw RemoteFailure.fromStatus(401, "Azure DevOps redirected " + action + " to sign-in: the token is "
                    + "missing, expired or lacks vso.variablegroups_manage", null);
        }
        if (status >= 400) {
            throw RemoteFailure.fromStatus(status, "Azure DevOps answered " + status + " to " + action + ": "
                    + message(response.body(), body), RemoteFailure.retryAfter(
                            response.headers().firstValue("Retry-After").orElse(null)));
        }
        if (response.body() == null || response.body().isBlank()) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(response.body());
        } catch (JacksonException e) {
            throw RemoteFailure.fromStatus(502, "Azure DevOps answered " + action + " with no JSON", null);
        }
    }

    /** The service's {@code message}, without any value we sent. */
    private String message(String text, JsonNode sent) {
        String message;
        try {
            message = json.readTree(text).path("message").asString("(no message)");
        } catch (RuntimeException e) {
            message = "(no JSON message)";
        }
        if (sent != null) {
            for (JsonNode v : sent.path("variables")) {
                String value = v.path("value").asString("");
                if (!value.isEmpty()) {
                    message = message.replace(value, "***");
                }
            }
        }
        return message.length() > 400 ? message.substring(0, 400) + "…" : message;
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close() before Java 21; its threads end when it is unreachable.
    }
}
