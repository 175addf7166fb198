// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitLab's project- and group-level CI/CD variable REST API ({@code /api/v4/projects/:id/variables} and
 * {@code /api/v4/groups/:id/variables}, doc/api/project_level_variables.md and group_level_variables.md) over real
 * HTTP on 127.0.0.1, with the validation GitLab does:
 * <ul>
 *   <li>{@code PRIVATE-TOKEN} (or {@code Authorization: Bearer}) must be the configured token, else 401;</li>
 *   <li>a key is 1..255 of {@code A-Z a-z 0-9 _} ({@code {"message":{"key":["can contain only letters, digits and
 *       '_'."]}}});</li>
 *   <li>a masked value follows Ci::Maskable: {@code \A[a-zA-Z0-9_+=/@:.~-]{8,}\z}, or {@code \A\S{8,}\z} when raw
 *       ({@code {"message":{"value":["is invalid"]}}});</li>
 *   <li>key + environment_scope is unique on create ({@code "(KEY) has already been taken"}); GET/PUT/DELETE of a key
 *       held in several scopes without {@code filter[environment_scope]} is 409;</li>
 *   <li>{@code masked_and_hidden} (create only) makes the variable masked and hidden; a hidden variable's value is
 *       never returned ({@code value: null}, {@code hidden: true});</li>
 *   <li>lists are paged ({@code page}, {@code per_page} ≤ 100, {@code X-Next-Page}, {@code X-Total}).</li>
 * </ul>
 * Projects and groups exist when added; an unknown one is 404. {@link #failNext} and {@link #down} inject failures.
 */
public final class GitLabSimulator implements AutoCloseable {

    private static final Pattern ROUTE = Pattern.compile("^/api/v4/(projects|groups)/([^/]+)/variables(?:/([^/]+))?$");
    private static final Pattern KEY = Pattern.compile("^[A-Za-z0-9_]+$");
    private static final Pattern MASK = Pattern.compile("\\A[a-zA-Z0-9_+=/@:.~-]{8,}\\z");
    private static final Pattern MASK_RAW = Pattern.compile("\\A\\S{8,}\\z");

    /** A stored variable; {@code value} is what GitLab holds (tests may read it, the API hides it when hidden). */
    public record Variable(String key, String value, String variableType, boolean isProtected, boolean masked,
            boolean hidden, boolean raw, String environmentScope, String description) {

        @Override
        public String toString() {
            return key + "(" + environmentScope + ")";
        }
    }

    private final String token;
    private final Map<String, List<Variable>> owners = new ConcurrentHashMap<>();
    private final Faults faults = new Faults();
    private final java.util.concurrent.atomic.AtomicInteger stalls = new java.util.concurrent.atomic.AtomicInteger();
    private volatile java.util.concurrent.CountDownLatch release;
    private final LoopbackServer server;

    private GitLabSimulator(String token) {
        this.token = token;
        this.server = new LoopbackServer("gitlab-simulator", this::handle);
    }

    public static GitLabSimulator start(String token) {
        return new GitLabSimulator(token);
    }

    /** The GitLab root URL to configure (the client appends {@code /api/v4}). */
    public String url() {
        return server.origin();
    }

    /** Adds a project known by its full path and by its numeric id. */
    public GitLabSimulator project(String fullPath, long id) {
        List<Variable> list = new CopyOnWriteArrayList<>();
        owners.put("projects:" + fullPath, list);
        owners.put("projects:" + id, list);
        return this;
    }

    public GitLabSimulator group(String fullPath) {
        owners.putIfAbsent("groups:" + fullPath, new CopyOnWriteArrayList<>());
        return this;
    }

    /** The project's variables as GitLab stores them, values included (for assertions only). */
    public List<Variable> projectVariables(String fullPath) {
        return List.copyOf(owner("projects", fullPath));
    }

    public List<Variable> groupVariables(String fullPath) {
        return List.copyOf(owner("groups", fullPath));
    }

    /** Replaces (or with {@code null} removes) a project variable as a person in the GitLab UI would. */
    public void changeProjectVariable(String fullPath, String key, String scope,
            java.util.function.UnaryOperator<Variable> change) {
        List<Variable> list = owner("projects", fullPath);
        for (Variable v : list) {
            if (v.key().equals(key) && v.environmentScope().equals(scope)) {
                list.remove(v);
                Variable changed = change.apply(v);
                if (changed != null) {
                    list.add(changed);
                }
                return;
            }
        }
        throw new IllegalArgumentException("no variable " + key + " in " + scope);
    }

    /** The next {@code times} variable requests are answered with {@code status}, {@code headers} and a message. */
    public void failNext(int times, int status, Map<String, String> headers) {
        faults.add(times, Faults.of(status, headers, "{\"message\":\"" + status + " simulated\"}"));
    }

    /** While down, every request gets 503 (like a GitLab behind a load balancer in maintenance). */
    public void down(boolean down) {
        faults.always(down ? Faults.of(503, Map.of(), "{\"message\":\"503 Service Unavailable\"}") : null);
    }

    /**
     * The next {@code times} variable requests get no answer until {@code release} counts down (or 60 s pass): for
     * client timeouts. {@link #close()} releases them too.
     */
    public void stallNext(int times, java.util.concurrent.CountDownLatch release) {
        stalls.set(times);
        this.release = release;
    }

    public List<RecordedRequest> requests() {
        return server.requests();
    }

    private List<Variable> owner(String kind, String idOrPath) {
        return owners.get(kind + ":" + idOrPath);
    }

    private LoopbackServer.Response handle(RecordedRequest request) {
        Matcher m = ROUTE.matcher(request.path());
        if (!m.matches()) {
            return json(404, Map.of("error", "404 Not Found"));
        }
        String auth = request.header("PRIVATE-TOKEN");
        String bearer = request.header("Authorization");
        if (!(token.equals(auth) || ("Bearer " + token).equals(bearer))) {
            return json(401, Map.of("message", "401 Unauthorized"));
        }
        if (stalls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LoopbackServer.Response fault = faults.poll();
        if (fault != null) {
            return fault;
        }
        String kind = m.group(1);
        String id = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
        List<Variable> list = owner(kind, id);
        if (list == null) {
            return json(404, Map.of("message", "404 " + (kind.equals("projects") ? "Project" : "Group")
                    + " Not Found"));
        }
        Map<String, String> params = new LinkedHashMap<>(request.query());
        String type = request.header("Content-Type");
        if (type != null && type.startsWith("application/x-www-form-urlencoded")) {
            params.putAll(RecordedRequest.parseQuery(request.body()));
        }
        String key = m.group(3) == null ? null : URLDecoder.decode(m.group(3), StandardCharsets.UTF_8);
        synchronized (list) {
            return switch (request.method()) {
                case "GET" -> key == null ? list(list, params) : one(list, key, params);
                case "POST" -> key == null ? create(list, params) : json(405, Map.of("error", "405 Not Allowed"));
                case "PUT" -> key == null ? json(405, Map.of("error", "405 Not Allowed")) : update(list, key, params);
                case "DELETE" -> key == null ? json(405, Map.of("error", "405 Not Allowed")) : delete(list, key,
                        params);
                default -> json(405, Map.of("error", "405 Not Allowed"));
            };
        }
    }

    private LoopbackServer.Response list(List<Variable> list, Map<String, String> params) {
        int perPage = Math.max(1, Math.min(100, intParam(params, "per_page", 20)));
        int page = Math.max(1, intParam(params, "page", 1));
        int from = Math.min(list.size(), (page - 1) * perPage);
        int to = Math.min(list.size(), from + perPage);
        List<Object> out = new ArrayList<>();
        for (Variable v : list.subList(from, to)) {
            out.add(view(v));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("X-Page", Integer.toString(page));
        headers.put("X-Per-Page", Integer.toString(perPage));
        headers.put("X-Total", Integer.toString(list.size()));
        headers.put("X-Next-Page", to < list.size() ? Integer.toString(page + 1) : "");
        return new LoopbackServer.Response(200, headers, Json.write(out));
    }

    private LoopbackServer.Response one(List<Variable> list, String key, Map<String, String> params) {
        Object found = find(list, key, params);
        if (found instanceof LoopbackServer.Response r) {
            return r;
        }
        return json(200, view((Variable) found));
    }

    /** The one variable {@code key} (filtered by scope when given), or the 404/409 answer. */
    private static Object find(List<Variable> list, String key, Map<String, String> params) {
        String scope = params.get("filter[environment_scope]");
        List<Variable> matches = list.stream().filter(v -> v.key().equals(key)
                && (scope == null || v.environmentScope().equals(scope))).toList();
        if (matches.isEmpty()) {
            return json(404, Map.of("message", "404 Variable Not Found"));
        }
        if (matches.size() > 1) {
            return json(409, Map.of("message", "There are multiple variables with provided parameters. Please use "
                    + "'filter[environment_scope]'"));
        }
        return matches.get(0);
    }

    private LoopbackServer.Response create(List<Variable> list, Map<String, String> p) {
        String key = p.get("key");
        String value = p.get("value");
        if (key == null) {
            return json(400, Map.of("error", "key is missing"));
        }
        if (value == null) {
            return json(400, Map.of("error", "value is missing"));
        }
        boolean hidden = bool(p, "masked_and_hidden", false);
        boolean masked = hidden || bool(p, "masked", false);
        boolean raw = bool(p, "raw", false);
        String scope = p.getOrDefault("environment_scope", "*");
        Map<String, List<String>> errors = new LinkedHashMap<>();
        validateKey(key, errors);
        validateValue(value, masked, raw, errors);
        if (list.stream().anyMatch(v -> v.key().equals(key) && v.environmentScope().equals(scope))) {
            errors.computeIfAbsent("key", k -> new ArrayList<>()).add("(" + key + ") has already been taken");
        }
        if (!errors.isEmpty()) {
            return json(400, Map.of("message", errors));
        }
        Variable v = new Variable(key, value, p.getOrDefault("variable_type", "env_var"), bool(p, "protected", false),
                masked, hidden, raw, scope, p.get("description"));
        list.add(v);
        return json(201, view(v));
    }

    private LoopbackServer.Response update(List<Variable> list, String key, Map<String, String> p) {
        Object found = find(list, key, p);
        if (found instanceof LoopbackServer.Response r) {
            return r;
        }
        Variable old = (Variable) found;
        String value = p.get("value");
        if (value == null) {
            return json(400, Map.of("error", "value is missing"));
        }
        boolean masked = old.hidden() || bool(p, "masked", old.masked());
        boolean raw = bool(p, "raw", old.raw());
        Map<String, List<String>> errors = new LinkedHashMap<>();
        validateValue(value, masked, raw, errors);
        if (!errors.isEmpty()) {
            return json(400, Map.of("message", errors));
        }
        Variable v = new Variable(key, value, p.getOrDefault("variable_type", old.variableType()),
                bool(p, "protected", old.isProtected()), masked, old.hidden(), raw,
                p.getOrDefault("environment_scope", old.environmentScope()),
                p.containsKey("description") ? p.get("description") : old.description());
        list.set(list.indexOf(old), v);
        return json(200, view(v));
    }

    private LoopbackServer.Response delete(List<Variable> list, String key, Map<String, String> p) {
        Object found = find(list, key, p);
        if (found instanceof LoopbackServer.Response r) {
            return r;
        }
        list.remove(found);
        return new LoopbackServer.Response(204, Map.of(), "");
    }

    private static void validateKey(String key, Map<String, List<String>> errors) {
        if (key.length() > 255) {
            errors.computeIfAbsent("key", k -> new ArrayList<>()).add("is too long (maximum is 255 characters)");
        }
        if (!KEY.matcher(key).matches()) {
            errors.computeIfAbsent("key", k -> new ArrayList<>()).add("can contain only letters, digits and '_'.");
        }
    }

    private static void validateValue(String value, boolean masked, boolean raw, Map<String, List<String>> errors) {
        if (masked && !(raw ? MASK_RAW : MASK).matcher(value).matches()) {
            errors.computeIfAbsent("value", k -> new ArrayList<>()).add("is invalid");
        }
    }

    private static Map<String, Object> view(Variable v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("variable_type", v.variableType());
        m.put("key", v.key());
        m.put("value", v.hidden() ? null : v.value());
        m.put("hidden", v.hidden());
        m.put("protected", v.isProtected());
        m.put("masked", v.masked());
        m.put("raw", v.raw());
        m.put("environment_scope", v.environmentScope());
        m.put("description", v.description());
        return m;
    }

    private static boolean bool(Map<String, String> p, String name, boolean dflt) {
        String v = p.get(name);
        return v == null ? dflt : v.equals("true") || v.equals("1");
    }

    private static int intParam(Map<String, String> p, String name, int dflt) {
        try {
            return p.containsKey(name) ? Integer.parseInt(p.get(name)) : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static LoopbackServer.Response json(int status, Object body) {
        return LoopbackServer.Response.json(status, Json.write(body));
    }

    @Override
    public void close() {
        if (release != null) {
            release.countDown();
        }
        server.close();
    }
}
