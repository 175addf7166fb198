// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import io.segura.client.BrokerException;
import java.net.URI;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns a broker refusal into one build-log line: the broker's own reason (RFC 9457 {@code title}, {@code detail},
 * status and {@code type}, or the RFC 6749 {@code error} and {@code error_description}, as
 * {@link BrokerException#getMessage()} renders them — the broker puts no secret in those) and what to change.
 */
final class Diagnosis {

    private static final String SETTINGS = "Administration › Segura secrets";

    private Diagnosis() {
    }

    /** A refused or failed {@code /oauth2/token} call. */
    static TaskFailure session(BrokerException e, URI broker, String clientId, String role) {
        String reason = e.getMessage();
        if (e.kind() == BrokerException.Kind.UNAVAILABLE) {
            return unavailable(e, broker);
        }
        if ("invalid_client".equals(e.error()) || e.status() == 401) {
            return new TaskFailure("The broker did not accept client \"" + clientId + "\": " + reason + ". Fix: make"
                    + " the client secret under " + SETTINGS + " the one whose SHA-256 is the broker's `clients:`"
                    + " secret-sha256 for \"" + clientId + "\", or add that client to the broker's trust config.");
        }
        if ("invalid_scope".equals(e.error())) {
            return new TaskFailure("The broker refused " + (role == null ? "a role" : "role \"" + role + "\"")
                    + " to client \"" + clientId + "\": " + reason + ". Fix: list \"" + clientId + "\" in the role's"
                    + " `clients:` in the broker's trust config, or set the task's Role to a role that lists it.");
        }
        return new TaskFailure("The broker refused the session for client \"" + clientId + "\": " + reason
                + ". Fix: correct the request the reason names (task Role, Client id).");
    }

    /** A refused or failed lease. */
    static TaskFailure lease(BrokerException e, URI broker, String role, String refs) {
        String reason = e.getMessage();
        switch (e.kind()) {
            case UNAVAILABLE:
                return unavailable(e, broker);
            case FORBIDDEN:
                return new TaskFailure("Role \"" + role + "\" may not lease " + refs + ": " + reason + ". Fix: add the"
                        + " paths to the role's `secrets:` globs in the broker's trust config, or remove them from the"
                        + " task's Secrets field.");
            case BLOCKED_BY_POLICY:
                return new TaskFailure("The deployment gate blocked the lease of " + refs + ": " + reason
                        + violations(e) + ". Fix: what the violations name (e.g. rotate an old or exposed secret,"
                        + " wait for the freeze window to end); the broker's operators own the policy.");
            case INVALID_REQUEST:
                return new TaskFailure("The broker refused to lease " + refs + ": " + reason + ". Fix: check the"
                        + " task's Secrets field (path[@version] > NAME); an unknown path or version is a 404.");
            default:
                return new TaskFailure("The broker refused the lease of " + refs + ": " + reason + ". Fix: run the"
                        + " job again; the session may have ended (its lifetime is the role's session-ttl).");
        }
    }

    /** A refused or failed {@code POST /api/v2/a2a/dynamic-secrets} for the dynamic secret {@code name}. */
    static TaskFailure dynamic(BrokerException e, URI broker, String role, String name) {
        String reason = e.getMessage();
        String type = e.type() == null ? "" : e.type();
        if (type.endsWith("/dynamic-engine-unavailable") || type.endsWith("/dynamic-engine-misconfigured")
                || type.endsWith("/dynamic-engine-failed")) {
            // the broker answered: the database behind the engine is what failed, and nothing was created
            return new TaskFailure("The broker could not create dynamic:" + name + ": " + reason + ". Fix: the"
                    + " broker's operators check the engine's database, its admin user and the admin password in the"
                    + " vault; run the build again then.");
        }
        switch (e.kind()) {
            case UNAVAILABLE:
                return unavailable(e, broker);
            case FORBIDDEN:
                return new TaskFailure("Role \"" + role + "\" may not request dynamic:" + name + ": " + reason
                        + ". Fix: list " + name + " under the role's `dynamic:` in the broker's trust config, or"
                        + " remove it from the task's Secrets field.");
            case INVALID_REQUEST:
                return new TaskFailure("The broker refused dynamic:" + name + ": " + reason + (type.endsWith(
                        "/ttl-over-cap") ? ". Fix: lower the task's Lease TTL to at most the engine's max-ttl and the"
                                + " role's max-lease-ttl, or leave it empty."
                        : ". Fix: check the name after dynamic: in the task's Secrets field; it must be one of the"
                                + " broker's `dynamic:` engines."));
            default:
                return new TaskFailure("The broker refused dynamic:" + name + ": " + reason + ". Fix: run the job"
                        + " again; the session may have ended (its lifetime is the role's session-ttl).");
        }
    }

    /** A refused or failed revoke. */
    static TaskFailure revoke(BrokerException e, URI broker, String expiresAt) {
        String base = e.kind() == BrokerException.Kind.UNAVAILABLE ? unavailable(e, broker).getMessage()
                : "The broker refused to revoke the session: " + e.getMessage() + ".";
        return new TaskFailure(base + " The session and its leases still end by themselves at " + expiresAt + ".");
    }

    private static TaskFailure unavailable(BrokerException e, URI broker) {
        return new TaskFailure("The broker at " + broker + " is unavailable: " + e.getMessage() + ". Fix: check the"
                + " broker URL under " + SETTINGS + " and that this agent can reach it (proxy, firewall, DNS); when"
                + " the broker answered 429 or 503, run the build again later.");
    }

    private static String violations(BrokerException e) {
        if (e.violations().isEmpty()) {
            return "";
        }
        return " (violations: " + e.violations().stream().map(Diagnosis::violation)
                .collect(Collectors.joining("; ")) + ")";
    }

    private static String violation(Map<String, Object> v) {
        Object policy = v.get("policy");
        Object rule = v.get("rule");
        Object message = v.get("message");
        return (policy == null ? "" : policy + "/") + (rule == null ? "" : rule) + (message == null ? ""
                : ": " + message);
    }
}
