// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.database;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a user-name template ({@code v_{{role}}_{{name}}_{{random}}}) into a name that is unique (16 random
 * characters of [a-z0-9], about 82 bits) and fits the database's limit: {@code {{role}}} and {@code {{name}}} are
 * cut, longest first, never the randomness. Every character is in [a-z0-9_], so the name needs no quoting and cannot
 * break out of the quoting a statement gives it. The config parser checked the template's fixed part fits.
 */
final class UserNames {

    static final int RANDOM_LENGTH = io.segura.broker.config.DynamicSpec.RANDOM_NAME_LENGTH;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-z_]+)\\s*}}");
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final String template;
    private final int limit;
    private final SecureRandom random;

    UserNames(String template, int limit, SecureRandom random) {
        this.template = Objects.requireNonNull(template, "template cannot be null");
        this.limit = limit;
        this.random = Objects.requireNonNull(random, "random cannot be null");
    }

    String next(String role, String name, Instant now) {
        StringBuilder r = new StringBuilder(RANDOM_LENGTH);
        for (int i = 0; i < RANDOM_LENGTH; i++) {
            r.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return render(sanitize(role), sanitize(name), r.toString(), Long.toString(now.getEpochSecond()));
    }

    /** Fills the template, cutting role and name (the longer first) until the whole fits the limit. */
    String render(String role, String name, String randomPart, String unixTime) {
        String fixed = fill("", "", randomPart, unixTime);
        int budget = limit - fixed.length();
        int roleUses = count("role");
        int nameUses = count("name");
        String r = role;
        String n = name;
        while (r.length() * roleUses + n.length() * nameUses > budget) {
            if (roleUses > 0 && (r.length() >= n.length() || nameUses == 0) && !r.isEmpty()) {
                r = r.substring(0, r.length() - 1);
            } else if (nameUses > 0 && !n.isEmpty()) {
                n = n.substring(0, n.length() - 1);
            } else {
                break;
            }
        }
        String out = fill(r, n, randomPart, unixTime);
        if (out.length() > limit) {
            throw new IllegalStateException("defense in depth: template leaves no room within " + limit);
        }
        return out;
    }

    private int count(String placeholder) {
        Matcher m = PLACEHOLDER.matcher(template);
        int n = 0;
        while (m.find()) {
            n += m.group(1).equals(placeholder) ? 1 : 0;
        }
        return n;
    }

    private String fill(String role, String name, String randomPart, String unixTime) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "role" -> role;
                case "name" -> name;
                case "random" -> randomPart;
                case "unix_time" -> unixTime;
                default -> throw new IllegalStateException("defense in depth: the parser allows no {{"
                        + m.group(1) + "}}");
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Lower case, and every character outside [a-z0-9_] becomes {@code _} ({@code db/prod-ro} → {@code db_prod_ro}). */
    static String sanitize(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }
}
