// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads one {@code roles[i]} entry (DESIGN §4) and checks that every issuer, client and policy it names exists.
 *
 * <p>Bound-claim values are strings; a plain YAML number or boolean is accepted and kept in its decimal or
 * {@code true}/{@code false} form ({@code repository_id: 74} binds {@code "74"}). Forms YAML 1.1 would silently
 * rewrite ({@code 0123} octal, {@code 0x4a}, {@code 1_000}, {@code yes}/{@code on}) are refused: quote them.
 */
final class RoleParser {

    static final Set<String> KEYS = Set.of("name", "issuers", "bound-claims", "condition", "clients", "secrets",
            "session-ttl", "max-lease-ttl", "policies", "dynamic", "access-window", "on-anomaly");

    /** The {@code ctx.*} vocabulary of DESIGN §3 (kept equal to {@code RunContext#asMap()} keys by a test). */
    static final Set<String> CTX_FIELDS = Set.of("platform", "repository", "repository_id", "owner", "owner_id",
            "ref", "ref_protected", "environment", "pipeline", "run_id", "event", "from_fork", "actor", "actor_id");

    static final Duration MAX_TTL = Duration.ofHours(24);
    static final int MAX_BOUND_CLAIMS = 32;
    static final int MAX_VALUES_PER_CLAIM = 64;
    static final int MAX_VALUE_LENGTH = 256;
    static final int MAX_SECRET_GLOBS = 256;
    static final int MAX_CONDITION_LENGTH = 4096;

    private static final Pattern DECIMAL_INT = Pattern.compile("^-?(0|[1-9][0-9]*)$");
    private static final Pattern DECIMAL_FLOAT = Pattern.compile("^-?(0|[1-9][0-9]*)\\.[0-9]+$");

    private RoleParser() {
    }

    static RoleSpec parse(YamlMap m, Set<String> issuerNames, Set<String> clientNames, Set<String> policyNames,
            Set<String> dynamicNames) {
        Problems p = m.problems();
        String name = m.string("name", true);
        List<String> issuers = orEmpty(m.strings("issuers", true));
        List<String> clients = orEmpty(m.strings("clients", true));
        checkRefs(m, "issuers", issuers, issuerNames, "issuer");
        checkRefs(m, "clients", clients, clientNames, "client");
        if (!m.has("issuers") && !m.has("clients")) {
            p.add(m.at(), m.path("issuers"), "a role needs issuers (OIDC) or clients (OAuth), got neither");
        }

        Map<String, List<String>> bound = boundClaims(m);
        if (!issuers.isEmpty() && bound.isEmpty() && noBindingWritten(m)) {
            p.add(m.at(m.has("bound-claims") ? "bound-claims" : "name"), m.path("bound-claims"),
                    "a role that trusts issuers needs at least one bound claim: without one, any token of those "
                            + "issuers could assume it (GitHub's and GitLab.com's issuers serve every tenant)");
        }
        if (m.has("bound-claims") && !m.has("issuers")) {
            p.add(m.at("bound-claims"), m.path("bound-claims"),
                    "bound-claims apply to OIDC tokens, but this role trusts no issuers");
        }

        String condition = m.string("condition", false);
        if (condition != null && condition.length() > MAX_CONDITION_LENGTH) {
            p.add(m.value("condition"), m.path("condition"), "at most " + MAX_CONDITION_LENGTH + " characters");
        }
        SourceLocation conditionAt = condition == null ? null : p.at(m.value("condition"));

        if (!m.has("dynamic")) {
            m.required("secrets");
        }
        List<String> secrets = orEmpty(m.strings("secrets", true));
        if (secrets.size() > MAX_SECRET_GLOBS) {
            p.add(m.at("secrets"), m.path("secrets"), "at most " + MAX_SECRET_GLOBS + " entries");
        }
        for (int i = 0; i < secrets.size(); i++) {
            String glob = secrets.get(i);
            if (glob.length() > ConfigSyntax.MAX_SECRET_PATH || !ConfigSyntax.SECRET_GLOB.matcher(glob).matches()) {
                p.add(m.element("secrets", i), m.path("secrets") + "[" + i + "]", "`" + glob + "` is not a secret "
                        + "path glob (segments of a-z 0-9 . _ - starting with a letter, digit or *, separated by /; "
                        + "* matches any run of characters, / included)");
            }
        }

        Duration sessionTtl = m.duration("session-ttl", Duration.ZERO, true, MAX_TTL);
        Duration maxLeaseTtl = m.duration("max-lease-ttl", Duration.ZERO, true, MAX_TTL);
        List<String> policies = orEmpty(m.strings("policies", false));
        checkRefs(m, "policies", policies, policyNames, "policy");
        List<String> dynamic = orEmpty(m.strings("dynamic", false));
        checkRefs(m, "dynamic", dynamic, dynamicNames, "dynamic secret");

        List<PolicySpec.FreezeWindow> accessWindows = accessWindows(m);
        AnomalySpec.OnAnomaly onAnomaly = AnomalyParser.onAnomaly(m);

        return new RoleSpec(name, issuers, bound, condition, conditionAt, clients, secrets,
                sessionTtl == null ? RoleSpec.DEFAULT_SESSION_TTL : sessionTtl,
                maxLeaseTtl == null ? RoleSpec.DEFAULT_MAX_LEASE_TTL : maxLeaseTtl,
                policies, dynamic, accessWindows, onAnomaly, m.at());
    }

    /**
     * {@code access-window}: one window or a list of them, in the grammar of a policy's freeze windows (absolute
     * {@code from}/{@code to} instants, or weekly {@code days}, {@code from}/{@code to} and {@code zone}).
     */
    private static List<PolicySpec.FreezeWindow> accessWindows(YamlMap m) {
        Node v = m.value("access-window");
        if (v == null) {
            return List.of();
        }
        List<YamlMap> maps = v instanceof MappingNode
                ? java.util.Optional.ofNullable(YamlMap.open(v, m.path("access-window"), m.problems(),
                        PolicyParser.WINDOW_KEYS)).map(List::of).orElse(List.of())
                : m.maps("access-window", PolicyParser.WINDOW_KEYS);
        if (maps.size() > PolicyParser.MAX_FREEZE_WINDOWS) {
            m.problems().add(v, m.path("access-window"), "at most " + PolicyParser.MAX_FREEZE_WINDOWS + " windows");
        }
        List<PolicySpec.FreezeWindow> out = new ArrayList<>();
        for (YamlMap w : maps) {
            PolicySpec.FreezeWindow fw = PolicyParser.window(w);
            if (fw != null) {
                out.add(fw);
            }
        }
        return out;
    }

    /** Absent or an empty mapping; a malformed binding was already reported on its own. */
    private static boolean noBindingWritten(YamlMap m) {
        if (!m.has("bound-claims")) {
            return true;
        }
        return m.rawValue("bound-claims") instanceof MappingNode mapping && mapping.getValue().isEmpty();
    }

    private static Map<String, List<String>> boundClaims(YamlMap m) {
        Problems p = m.problems();
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<NodeTuple> tuples = m.has("bound-claims") ? m.tuples("bound-claims") : List.of();
        if (tuples.size() > MAX_BOUND_CLAIMS) {
            p.add(m.at("bound-claims"), m.path("bound-claims"), "at most " + MAX_BOUND_CLAIMS + " claims");
        }
        for (NodeTuple t : tuples) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode ks) || !Tag.STR.equals(k.getTag()) || ks.getValue().isBlank()) {
                p.add(k, m.path("bound-claims"), "claim names must be non-empty strings, got "
                        + YamlMap.describe(k));
                continue;
            }
            String claim = ks.getValue();
            String field = m.path("bound-claims") + "." + claim;
            if (out.containsKey(claim)) {
                p.add(k, field, "duplicate claim");
                continue;
            }
            if (claim.startsWith("ctx.") && !CTX_FIELDS.contains(claim.substring(4))) {
                p.add(k, field, "unknown run-context field `" + claim.substring(4) + "`"
                        + ConfigSyntax.suggest(claim.substring(4), CTX_FIELDS) + "; known: "
                        + String.join(", ", CTX_FIELDS.stream().sorted().toList()));
                continue;
            }
            List<String> values = claimValues(t.getValueNode(), field, p);
            if (values != null) {
                out.put(claim, values);
            }
        }
        return out;
    }

    private static List<String> claimValues(Node v, String field, Problems p) {
        if (v instanceof SequenceNode seq) {
            if (seq.getValue().isEmpty()) {
                p.add(v, field, "expected a string or a non-empty list of strings, got an empty list");
                return null;
            }
            if (seq.getValue().size() > MAX_VALUES_PER_CLAIM) {
                p.add(v, field, "at most " + MAX_VALUES_PER_CLAIM + " values");
            }
            List<String> out = new ArrayList<>();
            boolean ok = true;
            for (int i = 0; i < seq.getValue().size(); i++) {
                String s = claimValue(seq.getValue().get(i), field + "[" + i + "]", p);
                ok &= s != null;
                if (s != null) {
                    out.add(s);
                }
            }
            return ok ? out : null;
        }
        String s = claimValue(v, field, p);
        return s == null ? null : List.of(s);
    }

    private static String claimValue(Node v, String field, Problems p) {
        if (!(v instanceof ScalarNode s) || Tag.NULL.equals(v.getTag())) {
            p.add(v, field, "expected a string or a non-empty list of strings, got " + YamlMap.describe(v));
            return null;
        }
        String text = s.getValue();
        Tag tag = v.getTag();
        String value = null;
        if (Tag.STR.equals(tag)) {
            value = text;
        } else if (Tag.INT.equals(tag) && DECIMAL_INT.matcher(text).matches()
                || Tag.FLOAT.equals(tag) && DECIMAL_FLOAT.matcher(text).matches()) {
            value = text;
        } else if (Tag.BOOL.equals(tag) && (text.equals("true") || text.equals("false"))) {
            value = text;
        }
        if (value == null) {
            p.add(v, field, "YAML reads `" + text + "` as a " + (Tag.BOOL.equals(tag) ? "boolean" : "number")
                    + " in a form that would not survive as written; quote it");
            return null;
        }
        if (value.isEmpty()) {
            p.add(v, field, "must not be empty");
            return null;
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            p.add(v, field, "at most " + MAX_VALUE_LENGTH + " characters");
            return null;
        }
        return value;
    }

    private static void checkRefs(YamlMap m, String key, List<String> names, Set<String> known, String kind) {
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (!known.contains(n)) {
                m.problems().add(m.element(key, i), m.path(key) + "[" + i + "]",
                        "no " + kind + " named `" + n + "` is defined" + ConfigSyntax.suggest(n, known));
            }
        }
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
