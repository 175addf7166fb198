// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.Objects;

/** Invalid input to the vault store (422): names the field and what is wrong with it, never a secret value. */
public final class InvalidSecretException extends RuntimeException {

    private final String field;
    private final String detail;

    public InvalidSecretException(String field, String detail) {
        super(Objects.requireNonNull(field, "field cannot be null") + ": "
                + Objects.requireNonNull(detail, "detail cannot be null"));
        this.field = field;
        this.detail = detail;
    }

    public String field() {
        return field;
    }

    public String detail() {
        return detail;
    }
}
