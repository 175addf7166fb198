// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

/**
 * A subject token failed a check. The message names the check, the claim and the token's own actual value — never
 * an expected value, a key or the token itself — so it can be shown to the caller as an RFC 6749 {@code invalid_grant}
 * description.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-5.2">RFC 6749 §5.2</a>
 */
public final class TokenRejectedException extends RuntimeException {

    private final String check;
    private final String claim;

    /**
     * @param check  short machine name of the failed check, e.g. {@code "aud"}, {@code "exp"}, {@code "signature"};
     *               also the metrics/audit denial reason
     * @param claim  the claim the check read, or {@code null}
     * @param detail caller-safe sentence; may quote the caller's own claim value, nothing server-side
     */
    public TokenRejectedException(String check, String claim, String detail) {
        super(detail, null, false, false);
        this.check = check;
        this.claim = claim;
    }

    public String check() {
        return check;
    }

    public String claim() {
        return claim;
    }
}
