// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A certificate principal written with run-context placeholders, e.g. {@code deploy-${ctx.repository_id}}: literal
 * text and {@code ${ctx.FIELD}} parts, FIELD one of DESIGN §3's {@code ctx} fields. Parsed once at start-up; the
 * SSH engine fills it per request.
 */
public record PrincipalTemplate(String source, List<Part> parts) {

    /**
     * What a principal may contain, literal or filled in. No comma: sshd's {@code principals="…"} and
     * {@code match_list} split on commas, so {@code a,root} would also match {@code root}; no space, quote, or
     * pattern character ({@code * ? !}) for the same reason; no control characters.
     */
    public static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9._@/+:=-]{1,255}");
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._@/+:=-]*");

    public PrincipalTemplate {
        Objects.requireNonNull(source, "source cannot be null");
        parts = List.copyOf(parts);
    }

    /** One piece of the template: {@code text} as written, or the value of {@code ctx.<field>}. */
    public record Part(String text, String field) {
    }

    /**
     * Parses {@code source}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static PrincipalTemplate parse(String source) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            int open = source.indexOf("${", i);
            String literal = source.substring(i, open < 0 ? source.length() : open);
            if (!LITERAL.matcher(literal).matches()) {
                throw new IllegalArgumentException("`" + source + "` has characters a principal may not hold (only "
                        + "A-Z a-z 0-9 . _ @ / + : = - besides ${ctx.FIELD} placeholders)");
            }
            if (!literal.isEmpty()) {
                parts.add(new Part(literal, null));
            }
            if (open < 0) {
                break;
            }
            int close = source.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("`" + source + "` has an unclosed placeholder `${`");
            }
            String expr = source.substring(open + 2, close);
            if (!expr.startsWith("ctx.")) {
                throw new IllegalArgumentException("placeholder `${" + expr + "}` must be ${ctx.FIELD}");
            }
            String field = expr.substring(4);
            if (!RoleParser.CTX_FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown run-context field `" + field + "`"
                        + ConfigSyntax.suggest(field, RoleParser.CTX_FIELDS) + "; known: "
                        + String.join(", ", RoleParser.CTX_FIELDS.stream().sorted().toList()));
            }
            parts.add(new Part(null, field));
            i = close + 1;
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (source.length() > 255) {
            throw new IllegalArgumentException("at most 255 characters");
        }
        return new PrincipalTemplate(source, parts);
    }
}
