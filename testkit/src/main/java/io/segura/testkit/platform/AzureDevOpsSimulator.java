// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Azure DevOps variable groups (REST api-version 7.1, learn.microsoft.com/rest/api/azure/devops/distributedtask/
 * variablegroups) and the project lookup, over real HTTP on 127.0.0.1, optionally under a collection prefix as on
 * Azure DevOps Server ({@code /tfs/DefaultCollection}):
 * <ul>
 *   <li>{@code GET {org}/{project}/_apis/distributedtask/variablegroups?groupName=} → {@code {count, value}};</li>
 *   <li>{@code POST {org}/_apis/distributedtask/variablegroups} (needs {@code variableGroupProjectReferences});</li>
 *   <li>{@code PUT {org}/_apis/distributedtask/variablegroups/{id}} replaces the whole variable set: a variable not
 *       sent is deleted, a secret sent with {@code value: null} keeps its value;</li>
 *   <li>{@code DELETE {org}/_apis/distributedtask/variablegroups/{id}?projectIds=};</li>
 *   <li>{@code GET {org}/_apis/projects/{project}} → {@code {id, name}}.</li>
 * </ul>
 * Every call needs {@code api-version} (400 {@code VssApiVersionNotSpecifiedException}) and Basic auth with the PAT as
 * password (401). Secret values are never returned; {@code modifiedOn} changes on every write.
 */
public final class AzureDevOpsSimulator implements AutoCloseable {

    /** A stored variable: tests may read the value; the API never returns it for a secret. */
    public record Value(String value, boolean isSecret) {

        @Override
        public String toString() {
            return isSecret ? "secret" : "plain";
        }
    }

    private static final Pattern GROUPS = Pattern.compile("^/([^/]+)(?:/([^/]+))?/_apis/distributedtask/variablegroups"
            + "(?:/([0-9]+))?$");
    private static final Pattern PROJECT = Pattern.compile("^/([^/]+)/_apis/projects/([^/]+)$");

    private final String prefix;
    private final String organization;
    private final String project;
    private final String projectId = UUID.randomUUID().toString();
    private final String pat;
    private final Map<Integer, Map<String, Object>> groups = new LinkedHashMap<>();
    private final AtomicInteger ids = new AtomicInteger(1);
    private final AtomicLong clock = new AtomicLong(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
    private final Faults faults = new Faults();
    private final LoopbackServer server;

    private AzureDevOpsSimulator(String prefix, String organization, String project, String pat) {
        this.prefix = prefix;
        this.organization = organization;
        this.project = project;
        this.pat = pat;
        this.server = new LoopbackServer("azure-devops-simulator", this::handle);
    }

    /** Azure DevOps Services shape: the URL to configure is {@link #url()} ({@code https://dev.azure.com} stand-in). */
    public static AzureDevOpsSimulator start(String organization, String project, String pat) {
        return new AzureDevOpsSimulator("", organization, project, pat);
    }

    /** Azure DevOps Server shape: the collection lives under {@code prefix} (e.g. {@code /tfs}). */
    public static AzureDevOpsSimulator server(String prefix, String collection, String project, String pat) {
        return new AzureDevOpsSimulator(prefix, collection, project, pat);
    }

    public String url() {
        return server.origin() + prefix;
    }

    public List<RecordedRequest> requests() {
        return server.requests();
    }

    /** The group's variables as stored (values included, for assertions), or null when there is no such group. */
    public synchronized Map<String, Value> group(String name) {
        Map<String, Object> g = findByName(name);
        if (g == null) {
            return null;
        }
        Map<String, Value> out = new LinkedHashMap<>();
        vars(g).forEach((k, v) -> out.put(k, new Value((String) v.get("value"), Boolean.TRUE.equals(v.get(
                "isSecret")))));
        return out;
    }

    /** Changes a group as a person in the web UI would: {@code value == null} removes the variable. */
    public synchronized void change(String groupName, String variable, Value value) {
        Map<String, Object> g = findByName(groupName);
        if (value == null) {
            vars(g).remove(variable);
        } else {
            vars(g).put(variable, variable(value.value(), value.isSecret()));
        }
        g.put("modifiedOn", stamp());
    }

    public void failNext(int times, int status, Map<String, String> headers) {
        faults.add(times, Faults.of(status, headers, "{\"$id\":\"1\",\"message\":\"simulated " + status
                + "\",\"typeKey\":\"SimulatedException\"}"));
    }

    private synchronized LoopbackServer.Response handle(RecordedRequest request) {
        String path = request.path();
        if (!path.startsWith(prefix + "/")) {
            return error(404, "not found", "NotFoundException");
        }
        path = path.substring(prefix.length());
        if (!request.query().containsKey("api-version")) {
            return error(400, "No api-version was supplied for the " + request.method() + " request.",
                    "VssApiVersionNotSpecifiedException");
        }
        String auth = request.header("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((":" + pat).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(auth)) {
            return error(401, "TF400813: The user is not authorized to access this resource.",
                    "UnauthorizedRequestException");
        }
        LoopbackServer.Response fault = faults.poll();
        if (fault != null) {
            return fault;
        }
        Matcher p = PROJECT.matcher(path);
        if (p.matches()) {
            if (!decode(p.group(1)).equals(organization) || !decode(p.group(2)).equals(project)
                    || !request.method().equals("GET")) {
                return error(404, "TF200016: The following project does not exist: " + decode(p.group(2)),
                        "ProjectDoesNotExistWithNameException");
            }
            return json(200, Map.of("id", projectId, "name", project, "state", "wellFormed"));
        }
        Matcher m = GROUPS.matcher(path);
        if (!m.matches() || !decode(m.group(1)).equals(organization)
                || (m.group(2) != null && !decode(m.group(2)).equals(project))) {
            return error(404, "not found", "NotFoundException");
        }
        Integer id = m.group(3) == null ? null : Integer.valueOf(m.group(3));
        boolean projectScoped = m.group(2) != null;
        return switch (request.method()) {
            case "GET" -> id == null ? list(request.query().get("groupName")) : get(id);
            case "POST" -> id == null && !projectScoped ? create(request.body())
                    : error(405, "method not allowed", "MethodNotAllowed");
            case "PUT" -> id != null && !projectScoped ? update(id, request.body())
                    : error(405, "method not allowed", "MethodNotAllowed");
            case "DELETE" -> id != null && !projectScoped ? delete(id, request.query().get("projectIds"))
                    : error(405, "method not allowed", "MethodNotAllowed");
            default -> error(405, "method not allowed", "MethodNotAllowed");
        };
    }

    private LoopbackServer.Response list(String groupName) {
        List<Object> out = new ArrayList<>();
        for (Map<String, Object> g : groups.values()) {
            if (groupName == null || groupName.equals(g.get("name"))) {
                out.add(view(g));
            }
        }
        return json(200, Map.of("count", out.size(), "value", out));
    }

    private LoopbackServer.Response get(int id) {
        Map<String, Object> g = groups.get(id);
        return g == null ? error(404, "Variable group " + id + " was not found.", "VariableGroupNotFoundException")
                : json(200, view(g));
    }

    private LoopbackServer.Response create(String body) {
        Map<String, Object> in;
        try {
            in = JSONObjectUtils.parse(body);
        } catch (ParseException e) {
            return error(400, "The request is invalid.", "InvalidRequestException");
        }
        String invalid = validate(in, null);
        if (invalid != null) {
            return error(400, invalid, "InvalidRequestException");
        }
        if (findByName((String) in.get("name")) != null) {
            return error(400, "Variable group with name " + in.get("name") + " already exists.",
                    "VariableGroupExistsException");
        }
        Map<String, Object> g = new LinkedHashMap<>();
        int id = ids.getAndIncrement();
        g.put("id", id);
        g.put("type", in.getOrDefault("type", "Vsts"));
        g.put("name", in.get("name"));
        g.put("description", in.get("description"));
        g.put("isShared", false);
        g.put("createdOn", stamp());
        g.put("modifiedOn", g.get("createdOn"));
        g.put("variables", merge(null, in));
        g.put("variableGroupProjectReferences", in.get("variableGroupProjectReferences"));
        groups.put(id, g);
        return json(200, view(g));
    }

    private LoopbackServer.Response update(int id, String body) {
        Map<String, Object> g = groups.get(id);
        if (g == null) {
            return error(404, "Variable group " + id + " was not found.", "VariableGroupNotFoundException");
        }
        Map<String, Object> in;
        try {
            in = JSONObjectUtils.parse(body);
        } catch (ParseException e) {
            return error(400, "The request is invalid.", "InvalidRequestException");
        }
        String invalid = validate(in, g);
        if (invalid != null) {
            return error(400, invalid, "InvalidRequestException");
        }
        g.put("name", in.get("name"));
        g.put("description", in.get("description"));
        g.put("variables", merge(vars(g), in));
        g.put("modifiedOn", stamp());
        return json(200, view(g));
    }

    private LoopbackServer.Response delete(int id, String projectIds) {
        if (projectIds == null || projectIds.isBlank()) {
            return error(400, "Value cannot be null. Parameter name: projectIds", "ArgumentNullException");
        }
        if (groups.remove(id) == null) {
            return error(404, "Variable group " + id + " was not found.", "VariableGroupNotFoundException");
        }
        return new LoopbackServer.Response(204, Map.of(), "");
    }

    @SuppressWarnings("unchecked")
    private static String validate(Map<String, Object> in, Map<String, Object> existing) {
        if (!(in.get("name") instanceof String name) || name.isBlank()) {
            return "Value cannot be null. Parameter name: variableGroupParameters.Name";
        }
        if (!(in.get("variableGroupProjectReferences") instanceof List<?> refs) || refs.isEmpty()) {
            return "Value cannot be null. Parameter name: variableGroupParameters.VariableGroupProjectReferences";
        }
        if (!(in.get("variables") instanceof Map<?, ?> vars) || vars.isEmpty()) {
            return "Variable group must contain at least one variable.";
        }
        for (Map.Entry<String, Object> e : ((Map<String, Object>) vars).entrySet()) {
            if (!e.getKey().matches("[A-Za-z0-9_.]+")) {
                return "Variable name " + e.getKey() + " is invalid.";
            }
        }
        return null;
    }

    /** The new variable set; a secret sent with a null value keeps the stored one (the web UI's "unchanged"). */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> merge(Map<String, Map<String, Object>> old,
            Map<String, Object> in) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) in.get("variables")).entrySet()) {
            Map<String, Object> v = (Map<String, Object>) e.getValue();
            boolean secret = Boolean.TRUE.equals(v.get("isSecret"));
            Object value = v.get("value");
            if (value == null && secret && old != null && old.containsKey(e.getKey())) {
                value = old.get(e.getKey()).get("value");
            }
            out.put(e.getKey(), variable((String) value, secret));
        }
        return out;
    }

    private static Map<String, Object> variable(String value, boolean secret) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("value", value);
        v.put("isSecret", secret);
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> vars(Map<String, Object> g) {
        return (Map<String, Map<String, Object>>) g.get("variables");
    }

    private Map<String, Object> findByName(String name) {
        return groups.values().stream().filter(g -> name.equals(g.get("name"))).findFirst().orElse(null);
    }

    /** The group as the API shows it: secrets with {@code isSecret: true} and no value. */
    private static Map<String, Object> view(Map<String, Object> g) {
        Map<String, Object> out = new LinkedHashMap<>(g);
        Map<String, Object> vars = new LinkedHashMap<>();
        vars(g).forEach((k, v) -> {
            boolean secret = Boolean.TRUE.equals(v.get("isSecret"));
            Map<String, Object> shown = new LinkedHashMap<>();
            shown.put("value", secret ? null : v.get("value"));
            if (secret) {
                shown.put("isSecret", true);
            }
            vars.put(k, shown);
        });
        out.put("variables", vars);
        return out;
    }

    private String stamp() {
        return Instant.ofEpochMilli(clock.addAndGet(1000)).toString();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static LoopbackServer.Response error(int status, String message, String typeKey) {
        return json(status, Map.of("$id", "1", "innerException", "", "message", message, "typeName",
                "Microsoft.TeamFoundation." + typeKey, "typeKey", typeKey, "errorCode", 0, "eventId", 3000));
    }

    private static LoopbackServer.Response json(int status, Object body) {
        return LoopbackServer.Response.json(status, Json.write(body));
    }

    @Override
    public void close() {
        server.close();
    }
}
