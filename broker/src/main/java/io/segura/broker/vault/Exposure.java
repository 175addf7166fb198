// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.time.Instant;
import java.util.Objects;

/** A report that a version leaked ({@code exposures} row): who found it and where. Never the leaked value. */
public record Exposure(String id, String path, int version, String source, String detail, String url,
        Instant reportedAt) {

    public Exposure {
        Objects.requireNonNull(id, "id cannot be null");
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(source, "source cannot be null");
        Objects.requireNonNull(reportedAt, "reportedAt cannot be null");
    }
}
