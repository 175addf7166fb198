// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.SecretSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code inject} template: {@code {{ secret "path[@version]" }}} and {@code {{NAME}}} placeholders (NAME given by
 * a secret spec's variable). Parsed completely before anything is leased, so an unknown placeholder fails early
 * with its line number.
 */
final class Template {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
    private static final Pattern SECRET = Pattern.compile("^\\s*secret\\s+\"([^\"]*)\"\\s*$");
    private static final Pattern NAME = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*$");

    /** A literal run of text, or the secret ref a placeholder stands for. */
    private record Part(String literal, String ref) {
    }

    private final List<Part> parts;

    private Template(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * @param specs the job's secret specs: {@code {{NAME}}} must be one of their variables
     * @throws IllegalArgumentException naming the line and the placeholder that is not understood
     */
    static Template parse(String text, List<SecretSpec> specs) {
        Objects.requireNonNull(text, "text cannot be null");
        List<Part> parts = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        while (m.find()) {
            parts.add(new Part(text.substring(last, m.start()), null));
            int line = 1 + (int) text.substring(0, m.start()).chars().filter(ch -> ch == '\n').count();
            String inner = m.group(1);
            Matcher secret = SECRET.matcher(inner);
            Matcher name = NAME.matcher(inner);
            String ref;
            if (secret.matches()) {
                try {
                    ref = SecretSpec.parse(secret.group(1)).ref();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("template line " + line + ": " + e.getMessage());
                }
            } else if (name.matches()) {
                String n = name.group(1);
                ref = specs.stream().filter(s -> s.envName().equals(n)).map(SecretSpec::ref).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("template line " + line
                                + ": unknown placeholder {{" + n + "}}: no secret spec gives " + n
                                + " (add --secret 'path > " + n + "')"));
            } else {
                throw new IllegalArgumentException("template line " + line + ": unknown placeholder {{"
                        + inner.strip() + "}}; use {{ secret \"path\" }} or {{NAME}}");
            }
            parts.add(new Part(null, ref));
            last = m.end();
        }
        parts.add(new Part(text.substring(last), null));
        return new Template(parts);
    }

    /** Every secret ref the template needs, in order of first use. */
    Set<String> refs() {
        Set<String> refs = new LinkedHashSet<>();
        parts.stream().filter(p -> p.ref() != null).forEach(p -> refs.add(p.ref()));
        return refs;
    }

    String render(Function<String, String> valueOfRef) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            sb.append(p.ref() == null ? p.literal() : Objects.requireNonNull(valueOfRef.apply(p.ref()), p.ref()));
        }
        return sb.toString();
    }

    /** Values by ref, from a lease answer. */
    static Function<String, String> lookup(Map<String, String> byRef) {
        return byRef::get;
    }
}
