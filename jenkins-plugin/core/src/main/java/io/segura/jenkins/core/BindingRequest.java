// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.DurationText;
import io.segura.client.SecretSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one {@code withSegura(role:, secrets:, credentialsId:, ttl:)} block asks for, checked before anything is sent.
 *
 * @param role          the trust role, or null to let the broker pick the one role the identity matches
 * @param secrets       what to lease and the variable each value goes to ({@code path[@version] > ENV}), and the
 *                      dynamic secrets to request ({@code dynamic:NAME[.FIELD] > ENV}: database credentials, and SSH
 *                      certificates {@code dynamic:ssh/NAME[.FIELD] > ENV}, whose files need {@link SshFiles})
 * @param credentialsId the Jenkins credential to authenticate with, or null for the configured default
 * @param ttl           the lease TTL, or null for the role's maximum
 */
public record BindingRequest(String role, List<SecretSpec> secrets, String credentialsId, Duration ttl) {

    public BindingRequest {
        secrets = List.copyOf(secrets);
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("secrets cannot be empty");
        }
        role = blankToNull(role);
        credentialsId = blankToNull(credentialsId);
    }

    /**
     * Parses the step's parameters as the user wrote them; every error names the parameter and shows the expected
     * form.
     *
     * @param secrets one spec per line or separated by {@code ;}, as {@code SEGURA_SECRETS} (DESIGN §10)
     */
    public static BindingRequest parse(String role, String secrets, String credentialsId, String ttl)
            throws BindingException {
        String r = blankToNull(role);
        if (r != null && !r.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw invalid("role: '" + r + "' is not a role name (letters, digits, '.', '_', '-')");
        }
        List<SecretSpec> specs;
        try {
            specs = SecretSpec.parseList(secrets);
        } catch (IllegalArgumentException e) {
            throw invalid("secrets: " + e.getMessage());
        }
        if (specs.isEmpty()) {
            throw invalid("secrets: is empty. Fix: list what to lease, one per line or separated by ';', e.g."
                    + " secrets: 'db/prod/password > DB_PASSWORD'");
        }
        Duration d = null;
        if (blankToNull(ttl) != null) {
            try {
                d = DurationText.parse(ttl.trim());
            } catch (IllegalArgumentException e) {
                throw invalid("ttl: " + e.getMessage());
            }
        }
        return new BindingRequest(r, specs, credentialsId, d);
    }

    /**
     * The SSH certificate specs ({@code dynamic:ssh/…}): their key and certificate files are written where the
     * block's steps run, so the block needs {@link SshFiles} for them.
     */
    public List<SecretSpec> sshCertificates() {
        return secrets.stream().filter(s -> s.dynamic() && SecretSpec.isSsh(s.path())).toList();
    }

    private static BindingException invalid(String message) {
        return new BindingException(BindingException.Reason.CONFIGURATION, "withSegura: " + message);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** The variables the block sets, in the order given. */
    public List<String> variableNames() {
        return secrets.stream().map(SecretSpec::envName).toList();
    }

    @Override
    public String toString() {
        return "BindingRequest[role=" + role + ", secrets=" + secrets.stream().map(SecretSpec::ref).toList()
                + ", credentialsId=" + Objects.toString(credentialsId, "default") + ", ttl=" + ttl + "]";
    }
}
