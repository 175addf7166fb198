// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.util.Locale;

/**
 * The header a trusted proxy names the client in ({@code SEGURA_CLIENT_ADDRESS_HEADER}). One, never both: a proxy
 * that appends to one passes the other on as the client wrote it, so reading both would let a client name itself.
 */
enum ClientAddressHeader {
    /** {@code X-Forwarded-For}, the default (HAProxy's {@code option forwardfor}, nginx, most cloud balancers). */
    X_FORWARDED_FOR("X-Forwarded-For"),
    /** RFC 7239 {@code Forwarded}, its {@code for=} parameters. */
    FORWARDED(ForwardedHeader.NAME);

    private final String headerName;

    ClientAddressHeader(String headerName) {
        this.headerName = headerName;
    }

    String headerName() {
        return headerName;
    }

    /**
     * {@code x-forwarded-for} or {@code forwarded} (any case); null or blank is the default.
     *
     * @throws IllegalArgumentException naming the setting and what it takes
     */
    static ClientAddressHeader parse(String setting) {
        if (setting == null || setting.isBlank()) {
            return X_FORWARDED_FOR;
        }
        return switch (setting.trim().toLowerCase(Locale.ROOT)) {
            case "x-forwarded-for" -> X_FORWARDED_FOR;
            case "forwarded" -> FORWARDED;
            default -> throw new IllegalArgumentException("SEGURA_CLIENT_ADDRESS_HEADER: '" + setting
                    + "' is neither x-forwarded-for nor forwarded");
        };
    }
}
