// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Conversions for {@code timestamp with time zone} columns, which both R2DBC drivers (PostgreSQL and H2) bind and
 * read as {@link OffsetDateTime}; the domain uses {@link Instant}.
 */
public final class Timestamps {

    private Timestamps() {
    }

    public static OffsetDateTime utc(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }

    public static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
