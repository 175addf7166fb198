// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.BrokerException;
import java.net.URI;
import java.util.Map;

/**
 * Turns a broker refusal or outage into the message a Jenkins user acts on: what failed, the broker's own reason
 * (RFC 9457 {@code title}/{@code detail}/{@code type}, or RFC 6749 §5.2 {@code error}/{@code error_description},
 * with the HTTP status) and the fix. {@link BrokerException#getMessage()} is built from those fields only, which
 * the broker keeps free of tokens and values, so nothing secret can reach the message.
 */
final class Refusals {

    private Refusals() {
    }

    /** {@code POST /oauth2/token} failed. */
    static BindingException exchange(BrokerException e, URI broker, String role, String credentialsId,
            JobIdentity identity) {
        if (e.kind() == BrokerException.Kind.UNAVAILABLE) {
            return unavailable(e, broker);
        }
        String what = "the broker refused the " + identity.kind() + " from credentials '" + credentialsId + "'"
                + (role == null ? "" : " for role '" + role + "'");
        String fix;
        if ("invalid_scope".equals(e.error())) {
            fix = "check role: — the role must exist in the broker's trust config and list this identity (its"
                    + " client under clients:, or its issuer under issuers:)";
        } else if (identity instanceof JobIdentity.ClientSecret) {
            fix = "the credential's user name must be a client id of the broker's clients: and its password the"
                    + " secret whose SHA-256 is that client's secret-sha256";
        } else if (identity instanceof JobIdentity.KeyStoreCertificate) {
            fix = "the certificate's subject must equal the mtls-subject of a client in the broker's clients:, and"
                    + " the broker must trust its issuer (SERVER_SSL_CLIENT_AUTH=want with a trust store)";
        } else {
            fix = "the oidc-provider credential's audience must be one of the issuer's audiences, the Jenkins"
                    + " issuer (${JENKINS_URL}oidc, preset: jenkins) must be configured on the broker, and the"
                    + " role's bound-claims must match this job (sub is the job URL)";
        }
        return new BindingException(e.kind() == BrokerException.Kind.INVALID_REQUEST
                ? BindingException.Reason.CONFIGURATION : BindingException.Reason.AUTHENTICATION,
                "withSegura: " + what + ": " + e.getMessage() + ". Fix: " + fix);
    }

    /** {@code POST /api/v2/a2a/leases} failed. */
    static BindingException lease(BrokerException e, URI broker, String role, String refs) {
        String what = "the broker did not lease " + refs + (role == null ? "" : " for role '" + role + "'");
        switch (e.kind()) {
            case UNAVAILABLE:
                return unavailable(e, broker);
            case BLOCKED_BY_POLICY:
                StringBuilder v = new StringBuilder();
                for (Map<String, Object> violation : e.violations()) {
                    // the broker's violation fields (DESIGN §7): policy, rule, path, version, detail
                    v.append("\n  - policy ").append(violation.getOrDefault("policy", "?")).append(": ")
                            .append(violation.getOrDefault("rule", "?"));
                    if (violation.get("path") != null) {
                        v.append(' ').append(violation.get("path"));
                    }
                    if (violation.get("detail") != null) {
                        v.append(" — ").append(violation.get("detail"));
                    }
                }
                return new BindingException(BindingException.Reason.BLOCKED, "withSegura: the deployment gate"
                        + " blocked the lease of " + refs + ": " + e.getMessage() + v + "\nFix: resolve each"
                        + " violation (rotate an outdated or exposed secret, wait for the freeze window to end) or"
                        + " ask the broker's operators; `segura-cli policy check` shows the same decision");
            case FORBIDDEN:
                return new BindingException(BindingException.Reason.DENIED, "withSegura: " + what + ": "
                        + e.getMessage() + ". Fix: ask only for paths the role's secrets: globs allow, or widen"
                        + " them in the broker's trust config");
            case UNAUTHENTICATED:
                return new BindingException(BindingException.Reason.AUTHENTICATION, "withSegura: " + what + ": "
                        + e.getMessage() + ". Fix: the session ended before the lease; run the block again");
            default:
                return new BindingException(BindingException.Reason.DENIED, "withSegura: " + what + ": "
                        + e.getMessage() + ". Fix: check the paths and versions in secrets: — an operator stores"
                        + " a secret with `PUT /api/v2/admin/secrets/<path>` or `segura-cli rotate`");
        }
    }

    /** {@code POST /api/v2/a2a/dynamic-secrets} failed for the dynamic secret {@code name}. */
    static BindingException dynamic(BrokerException e, URI broker, String role, String name) {
        String what = "the broker did not create dynamic:" + name + (role == null ? "" : " for role '" + role + "'");
        String type = e.type() == null ? "" : e.type();
        if (type.endsWith("/dynamic-engine-unavailable") || type.endsWith("/dynamic-engine-misconfigured")
                || type.endsWith("/dynamic-engine-failed")) {
            // the broker is up; the database behind the engine is not usable (nothing was created)
            return new BindingException(BindingException.Reason.UNAVAILABLE, "withSegura: " + what + ": "
                    + e.getMessage() + ". Fix: the broker's operators check the engine's database, its admin user"
                    + " and the admin password in the vault (GET /api/v2/admin/dynamic-secrets/revocations lists"
                    + " what is pending); run the build again then");
        }
        switch (e.kind()) {
            case UNAVAILABLE:
                return unavailable(e, broker);
            case FORBIDDEN:
                return new BindingException(BindingException.Reason.DENIED, "withSegura: " + what + ": "
                        + e.getMessage() + ". Fix: list " + name + " under the role's dynamic: in the broker's trust"
                        + " config, or remove it from secrets:");
            case UNAUTHENTICATED:
                return new BindingException(BindingException.Reason.AUTHENTICATION, "withSegura: " + what + ": "
                        + e.getMessage() + ". Fix: the session ended before the request; run the block again");
            default:
                return new BindingException(BindingException.Reason.DENIED, "withSegura: " + what + ": "
                        + e.getMessage() + (type.endsWith("/ttl-over-cap")
                                ? ". Fix: lower ttl: to at most the engine's max-ttl and the role's max-lease-ttl,"
                                        + " or leave it empty"
                                : ". Fix: check the name after dynamic: in secrets: — a dynamic secret's name"
                                        + " from the broker's dynamic: engines"));
        }
    }

    private static BindingException unavailable(BrokerException e, URI broker) {
        return new BindingException(BindingException.Reason.UNAVAILABLE, "withSegura: the broker at " + broker
                + " is unavailable: " + e.getMessage() + ". Fix: check the broker URL (Manage Jenkins » System »"
                + " Segura), that the broker runs and that this controller reaches it (proxy, firewall, the CA"
                + " certificate for https)");
    }
}
