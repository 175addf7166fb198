// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import java.util.Objects;

/**
 * The outcome of one bound claim of a trust role against a caller's token: the row of
 * {@code /api/v2/policy/evaluate}'s {@code role_checks}. {@code expected} is server-side policy and is shown to
 * admins only; a refusal to the caller may name {@code claim} and {@code actual}, never {@code expected}
 * (STYLE house rule 8).
 *
 * @param expected the configured value or values, rendered for admins: {@code prod}, or
 *                 {@code any of [prod, production]}
 * @param actual   the caller's value rendered as matched, or {@code null} when the claim is absent
 */
public record RoleCheck(String claim, String expected, String actual, boolean ok) {

    public RoleCheck {
        Objects.requireNonNull(claim, "claim cannot be null");
        Objects.requireNonNull(expected, "expected cannot be null");
    }
}
