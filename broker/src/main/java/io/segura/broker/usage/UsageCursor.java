// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import io.segura.broker.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * The opaque {@code cursor} of a usage page: the view's name, the window or cutoff of the first page (so every page
 * counts over the same time range) and the sort key of the page's last entry, as unpadded base64url. None of the fields
 * can hold the separator {@code ~}: instants, integers, secret paths and base64url context ids.
 */
record UsageCursor(String view, String[] fields) {

    private static final String SEPARATOR = "~";

    static String encode(String view, Object... fields) {
        StringBuilder text = new StringBuilder(view);
        for (Object f : fields) {
            text.append(SEPARATOR).append(f);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** @throws Refusal (invalid) when the cursor is not one this view handed out */
    static UsageCursor decode(String cursor, String view, int fieldCount) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid(view);
        }
        String[] parts = text.split(SEPARATOR, -1);
        if (parts.length != fieldCount + 1 || !parts[0].equals(view)) {
            throw invalid(view);
        }
        String[] fields = new String[fieldCount];
        System.arraycopy(parts, 1, fields, 0, fieldCount);
        return new UsageCursor(view, fields);
    }

    Instant instant(int i) {
        try {
            return Instant.parse(fields[i]);
        } catch (DateTimeParseException e) {
            throw invalid(view);
        }
    }

    int integer(int i) {
        try {
            return Integer.parseInt(fields[i]);
        } catch (NumberFormatException e) {
            throw invalid(view);
        }
    }

    String text(int i) {
        return fields[i];
    }

    private static Refusal invalid(String view) {
        return Refusal.invalid("invalid-cursor", "cursor is not one that this " + view
                + " view returned; start again without cursor=");
    }
}
