// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.Objects;

/**
 * One problem found in the trust config: where it is, which field (its YAML path, e.g.
 * {@code roles[2].bound-claims.repository_id}) and what is wrong. Messages never contain secret material; the
 * config holds none besides client secret hashes, which are never quoted.
 */
public record ConfigProblem(SourceLocation at, String field, String message) {

    public ConfigProblem {
        Objects.requireNonNull(at, "at cannot be null");
        Objects.requireNonNull(field, "field cannot be null");
        Objects.requireNonNull(message, "message cannot be null");
    }

    /** {@code FILE:LINE:COLUMN: FIELD: problem}, the form editors and CI logs link to. */
    public String render() {
        return at + ": " + (field.isEmpty() ? "" : field + ": ") + message;
    }

    @Override
    public String toString() {
        return render();
    }
}
