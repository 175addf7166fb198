// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import io.segura.broker.config.RoleSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A trust role (DESIGN §4) compiled for matching: decides whether a verified token's claims and run context satisfy
 * every bound claim, and which secret paths the role may lease. Immutable and thread-safe; built once per config by
 * {@link TrustRoles#compile}.
 *
 * <p>Every bound claim must match. A claim with several configured values matches if the caller's value matches any
 * of them; a list-valued claim matches if any element does. A missing claim never matches, not even {@code *}. The
 * CEL {@code condition} is not evaluated here; it belongs to the deployment gate.
 */
public final class TrustRole {

    private final RoleSpec spec;
    private final List<Binding> bindings;
    private final List<ClaimPattern> secretGlobs;
    private final Set<String> issuers;
    private final Set<String> clients;

    private record Binding(String claim, List<ClaimPattern> patterns, String expected) {
    }

    private TrustRole(RoleSpec spec) {
        this.spec = spec;
        List<Binding> b = new ArrayList<>();
        spec.boundClaims().forEach((claim, values) -> {
            List<ClaimPattern> patterns = values.stream().map(ClaimPattern::compile).toList();
            String expected = values.size() == 1 ? values.get(0) : "any of " + values;
            b.add(new Binding(claim, patterns, expected));
        });
        this.bindings = List.copyOf(b);
        this.secretGlobs = spec.secrets().stream().map(ClaimPattern::compile).toList();
        this.issuers = Set.copyOf(spec.issuers());
        this.clients = Set.copyOf(spec.clients());
    }

    /** Compiles a validated role (the config loader has checked names, values and globs). */
    public static TrustRole compile(RoleSpec spec) {
        Objects.requireNonNull(spec, "spec cannot be null");
        return new TrustRole(spec);
    }

    public String name() {
        return spec.name();
    }

    public RoleSpec spec() {
        return spec;
    }

    public boolean trustsIssuer(String issuerName) {
        return issuerName != null && issuers.contains(issuerName);
    }

    public boolean trustsClient(String clientId) {
        return clientId != null && clients.contains(clientId);
    }

    /**
     * Evaluates every bound claim, in config order, without stopping at the first failure (the dry run shows them
     * all). An empty result means the role binds no claims, which the loader allows only for client roles.
     *
     * @param claims the verified token's claims
     * @param ctx    the run context, {@code RunContext#asMap()}
     */
    public List<RoleCheck> check(Map<String, Object> claims, Map<String, Object> ctx) {
        List<RoleCheck> out = new ArrayList<>(bindings.size());
        for (Binding b : bindings) {
            Object value = ClaimLookup.find(b.claim(), claims, ctx);
            boolean ok = false;
            if (value != null) {
                for (String actual : ClaimLookup.strings(value)) {
                    for (ClaimPattern p : b.patterns()) {
                        if (p.matches(actual)) {
                            ok = true;
                            break;
                        }
                    }
                    if (ok) {
                        break;
                    }
                }
            }
            out.add(new RoleCheck(b.claim(), b.expected(), ClaimLookup.render(value), ok));
        }
        return List.copyOf(out);
    }

    /** True when the role binds at least one claim and every check passed. */
    public boolean matches(Map<String, Object> claims, Map<String, Object> ctx) {
        List<RoleCheck> checks = check(claims, ctx);
        return !checks.isEmpty() && checks.stream().allMatch(RoleCheck::ok);
    }

    /**
     * Vault paths the broker keeps for itself (the signing secrets of export webhooks): no role may lease them,
     * whatever its globs say, so a broad glob such as {@code *} cannot hand a job the key that signs the audit feed.
     */
    public static final List<String> RESERVED_PREFIXES = List.of("segura-exports/");

    /** Whether the role may lease {@code path} (a secret path without {@code @version}). */
    public boolean allowsSecret(String path) {
        if (path == null || RESERVED_PREFIXES.stream().anyMatch(path::startsWith)) {
            return false;
        }
        for (ClaimPattern glob : secretGlobs) {
            if (glob.matches(path)) {
                return true;
            }
        }
        return false;
    }

    public Duration sessionTtl() {
        return spec.sessionTtl();
    }

    public Duration maxLeaseTtl() {
        return spec.maxLeaseTtl();
    }

    public List<String> policies() {
        return spec.policies();
    }

    @Override
    public String toString() {
        return "TrustRole[" + spec.name() + "]";
    }
}
