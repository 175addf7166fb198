// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The normalized run context {@code ctx} (DESIGN §3): one vocabulary for every CI platform, filled by the issuer's
 * preset from the platform's own claims, so one policy reads the same everywhere. Unknown fields are {@code null};
 * {@code refProtected} and {@code fromFork} are tri-state ({@code null} = the platform does not say).
 */
public record RunContext(
        String platform,
        String repository,
        String repositoryId,
        String owner,
        String ownerId,
        String ref,
        Boolean refProtected,
        String environment,
        String pipeline,
        String runId,
        String event,
        Boolean fromFork,
        String actor,
        String actorId) {

    /** The context of an issuer without a preset: nothing is known beyond the raw claims. */
    public static RunContext none(String platform) {
        return new RunContext(platform, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * The inverse of {@link #asMap()}: a context as a session stored it (e.g. for the SSH CA's principal templates).
     * Missing fields are {@code null}; a field of another type than its own is read as text (or as {@code null}).
     */
    public static RunContext fromMap(Map<String, Object> m) {
        return new RunContext(text(m, "platform"), text(m, "repository"), text(m, "repository_id"), text(m, "owner"),
                text(m, "owner_id"), text(m, "ref"), flag(m, "ref_protected"), text(m, "environment"),
                text(m, "pipeline"), text(m, "run_id"), text(m, "event"), flag(m, "from_fork"), text(m, "actor"),
                text(m, "actor_id"));
    }

    private static String text(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : v.toString();
    }

    private static Boolean flag(Map<String, Object> m, String key) {
        return m.get(key) instanceof Boolean b ? b : null;
    }

    /** The fields under their {@code ctx.*} names (snake_case), nulls included, in a stable order. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("platform", platform);
        m.put("repository", repository);
        m.put("repository_id", repositoryId);
        m.put("owner", owner);
        m.put("owner_id", ownerId);
        m.put("ref", ref);
        m.put("ref_protected", refProtected);
        m.put("environment", environment);
        m.put("pipeline", pipeline);
        m.put("run_id", runId);
        m.put("event", event);
        m.put("from_fork", fromFork);
        m.put("actor", actor);
        m.put("actor_id", actorId);
        return Collections.unmodifiableMap(m);
    }
}
