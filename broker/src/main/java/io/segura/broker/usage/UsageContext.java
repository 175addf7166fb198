// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * Who leased and from which pipeline, as the usage views group it: the trust role and subject, and the run context's
 * repository, ref, workflow ({@code ctx.pipeline}) and environment. Any of them may be {@code null}.
 */
public record UsageContext(String role, String subject, String repository, String ref, String workflow,
        String environment) {

    /** From an audit event's role, subject and normalized {@code ctx} (DESIGN §3). */
    public static UsageContext of(String role, String subject, Map<String, Object> ctx) {
        return new UsageContext(role, subject, text(ctx, "repository"), text(ctx, "ref"), text(ctx, "pipeline"),
                text(ctx, "environment"));
    }

    /**
     * The context's key in {@code usage_contexts}: SHA-256 over the six fields, each length-prefixed (a null is
     * {@code -1}) so that no two different contexts encode alike, as unpadded base64url (43 characters).
     */
    public String id() {
        StringBuilder canonical = new StringBuilder();
        for (String field : new String[] {role, subject, repository, ref, workflow, environment}) {
            canonical.append(field == null ? -1 : field.length()).append(':').append(field == null ? "" : field);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String text(Map<String, Object> ctx, String key) {
        Object v = ctx == null ? null : ctx.get(key);
        return v == null ? null : v.toString();
    }
}
