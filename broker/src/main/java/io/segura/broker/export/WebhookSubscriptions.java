// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.database.Timestamps;
import io.segura.broker.vault.SecretStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Webhook subscriptions ({@code POST/GET/DELETE /api/v2/a2a/webhooks}). A subscription's signing secret is generated
 * here, sealed in the vault store under {@value #SECRET_PREFIX}{@code <id>} (envelope-encrypted and rekeyed like every
 * secret) and returned once, by {@link #register}; nothing else ever shows it. Deleting a subscription overwrites
 * that secret with a new random version, so the old key cannot sign again.
 */
public final class WebhookSubscriptions {

    public static final String SECRET_PREFIX = "segura-exports/webhooks/";
    static final int MAX_SUBSCRIPTIONS = 100;

    private final DatabaseClient db;
    private final SecretStore secrets;
    private final ExportCursors cursors;
    private final SecureRandom random;
    private final Clock clock;

    WebhookSubscriptions(DatabaseClient db, SecretStore secrets, ExportCursors cursors, SecureRandom random,
            Clock clock) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
        this.cursors = Objects.requireNonNull(cursors, "cursors cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** A new subscription and its signing secret, which is never shown again. */
    public record Registered(WebhookSubscription subscription, String secret) {
        @Override
        public String toString() {
            return "Registered[" + subscription + ", secret hidden]";
        }
    }

    /**
     * Registers a subscription receiving the events committed from now on.
     *
     * @param batchSize events per POST, 1..{@value WebhookSubscription#MAX_BATCH_SIZE} ({@code null}: 1)
     */
    public Mono<Registered> register(String url, List<String> eventTypes, Integer batchSize) {
        return Mono.defer(() -> {
            String checked = checkUrl(url);
            Set<String> events = eventTypes(eventTypes);
            int batch = batchSize(batchSize);
            String id = UUID.randomUUID().toString();
            String path = SECRET_PREFIX + id;
            String secret = StandardWebhooks.newSecret(random);
            OffsetDateTime now = Timestamps.utc(clock.instant());
            WebhookSubscription sub = new WebhookSubscription(id, checked, events, batch, path, now.toInstant());
            return count().flatMap(n -> n >= MAX_SUBSCRIPTIONS ? Mono.error(Refusal.conflict("too-many-webhooks",
                            "at most " + MAX_SUBSCRIPTIONS + " webhook subscriptions; delete one first"))
                            : secrets.write(path, secret, null))
                    .then(cursors.ensure("webhook:" + id, false, clock.instant()))
                    .then(db.sql("INSERT INTO webhook_subscriptions (id, url, events, batch_size, secret_path, created_at) "
                                    + "VALUES (:id, :url, :events, :batch, :path, :at)").bind("id", id)
                            .bind("url", checked).bind("events", String.join(",", events)).bind("batch", batch)
                            .bind("path", path).bind("at", now)
                            .fetch().rowsUpdated())
                    .thenReturn(new Registered(sub, secret));
        });
    }

    private Mono<Long> count() {
        return db.sql("SELECT COUNT(*) AS n FROM webhook_subscriptions").map(r -> r.get("n", Long.class)).one();
    }

    public Flux<WebhookSubscription> list() {
        return db.sql("SELECT id, url, events, batch_size, secret_path, created_at FROM webhook_subscriptions "
                        + "ORDER BY created_at, id")
                .map(r -> new WebhookSubscription(r.get("id", String.class), r.get("url", String.class),
                        split(r.get("events", String.class)), r.get("batch_size", Integer.class),
                        r.get("secret_path", String.class),
                        r.get("created_at", OffsetDateTime.class).toInstant()))
                .all();
    }

    /** Deletes the subscription, its cursor and dead letters, and destroys its signing secret. */
    public Mono<Void> delete(String id) {
        return list().filter(s -> s.id().equals(id)).next()
                .switchIfEmpty(Mono.error(Refusal.notFound("unknown-webhook", "no webhook subscription " + id)))
                .flatMap(s -> db.sql("DELETE FROM webhook_subscriptions WHERE id = :id").bind("id", id).fetch()
                        .rowsUpdated()
                        .then(cursors.remove("webhook:" + id))
                        .then(secrets.rotate(s.secretPath(), 64)))
                .then();
    }

    /** The signing secret, for the sink only. */
    Mono<String> secret(WebhookSubscription s) {
        return secrets.read(s.secretPath(), null).map(v -> v.value());
    }

    private static Set<String> split(String s) {
        return s == null || s.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(s.split(",")));
    }

    static int batchSize(Integer given) {
        if (given == null) {
            return 1;
        }
        if (given < 1 || given > WebhookSubscription.MAX_BATCH_SIZE) {
            throw Refusal.invalid("invalid-batch-size", "batch_size must be 1.." + WebhookSubscription.MAX_BATCH_SIZE
                    + ", got " + given);
        }
        return given;
    }

    static Set<String> eventTypes(List<String> given) {
        Set<String> out = new LinkedHashSet<>();
        if (given == null) {
            return out;
        }
        for (String t : given) {
            try {
                out.add(AuditEventType.fromWireName(t).wireName());
            } catch (IllegalArgumentException e) {
                throw Refusal.invalid("invalid-event-type", "unknown event type \"" + ExportCursors.clip(t)
                        + "\"; one of " + Arrays.stream(AuditEventType.values()).map(AuditEventType::wireName)
                        .toList());
            }
        }
        return out;
    }

    /** HTTPS only, except loopback ({@code http://127.0.0.1}, {@code localhost}, {@code [::1]}); no credentials. */
    static String checkUrl(String url) {
        if (url == null || url.isBlank()) {
            throw Refusal.invalid("invalid-webhook-url", "url is required");
        }
        if (url.length() > 2048) {
            throw Refusal.invalid("invalid-webhook-url", "url is longer than 2048 characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw Refusal.invalid("invalid-webhook-url", "url is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw Refusal.invalid("invalid-webhook-url", "url must be an absolute https URL with a host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw Refusal.invalid("invalid-webhook-url", "url must not contain user info or a fragment");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]");
        if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
            throw Refusal.invalid("invalid-webhook-url", "url must use https (plain http only on loopback), got "
                    + "scheme \"" + ExportCursors.clip(scheme) + "\"");
        }
        return uri.toString();
    }
}
