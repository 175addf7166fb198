// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import io.segura.broker.Refusal;

/**
 * One finding of a secret scanner: the leaked {@code value} (matched by fingerprint, optionally narrowed to
 * {@code path}), or a {@code path} (its {@code version}, else the current one). {@link #toString()} never shows the
 * value.
 */
public record ExposureReport(String path, Integer version, String value, String source, String url, String detail) {

    public ExposureReport {
        if ((value == null || value.isEmpty()) && (path == null || path.isEmpty())) {
            throw Refusal.invalid("invalid-exposure", "each exposure needs value or path");
        }
        if (value != null && version != null) {
            throw Refusal.invalid("invalid-exposure", "give value or version, not both");
        }
        if (source == null || source.isBlank()) {
            throw Refusal.invalid("invalid-exposure", "source is required (the scanner's name)");
        }
    }

    @Override
    public String toString() {
        return "ExposureReport[path=" + path + ", version=" + version + ", value=" + (value == null ? null
                : "<redacted>") + ", source=" + source + ", url=" + url + "]";
    }
}
