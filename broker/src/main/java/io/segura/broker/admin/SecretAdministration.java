// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.sync.SyncTrigger;
import io.segura.broker.vault.Exposure;
import io.segura.broker.vault.SecretMetadata;
import io.segura.broker.vault.SecretStore;
import io.segura.broker.vault.SecretVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Operator actions on the vault store, each committed together with its audit event ({@code secret.written},
 * {@code secret.rotated}, {@code secret.exposed}). Answers metadata only — never a value.
 */
public final class SecretAdministration {

    private static final String ADMIN = "admin";

    private final SecretStore store;
    private final AuditLog audit;
    private final TransactionalOperator tx;
    private final SyncTrigger sync;

    public SecretAdministration(SecretStore store, AuditLog audit, TransactionalOperator tx) {
        this(store, audit, tx, SyncTrigger.NONE);
    }

    /**
     * @param sync told of every new version in its transaction (the secret sync's outbox, docs/SYNC.md), so the
     *             write or rotation answers without waiting on any CI platform
     */
    public SecretAdministration(SecretStore store, AuditLog audit, TransactionalOperator tx, SyncTrigger sync) {
        this.store = Objects.requireNonNull(store, "store cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.sync = Objects.requireNonNull(sync, "sync cannot be null");
    }

    public Mono<Map<String, Object>> write(String path, String value, Duration maxAge, String clientIp) {
        return store.write(path, value, maxAge)
                .flatMap(v -> audit.append(AuditEvent.builder(AuditEventType.SECRET_WRITTEN).subject(ADMIN).clientIp(clientIp)
                        .secrets(List.of(v.ref()))).then(sync.secretChanged(path)).thenReturn(view(v)))
                .as(tx::transactional)
                .doOnSuccess(v -> sync.committed());
    }

    /**
     * @param value  the new value, or {@code null} to generate one of {@code length} characters
     */
    public Mono<Map<String, Object>> rotate(String path, String value, Integer length, String clientIp) {
        Mono<SecretVersion> rotated = value != null ? store.rotate(path, value) : store.rotate(path, length);
        return rotated
                .flatMap(v -> audit.append(AuditEvent.builder(AuditEventType.SECRET_ROTATED).subject(ADMIN).clientIp(clientIp)
                        .secrets(List.of(v.ref())).details(Map.of("generated", value == null)))
                        .then(sync.secretChanged(path))
                        .thenReturn(view(v)))
                .as(tx::transactional)
                .doOnSuccess(v -> sync.committed());
    }

    public Mono<Map<String, Object>> metadata(String path) {
        return store.metadata(path).map(SecretAdministration::view);
    }

    public Flux<Map<String, Object>> list(String prefix, int limit) {
        return store.list(prefix, Math.min(limit, SecretStore.MAX_LIST)).map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", s.path());
            m.put("current_version", s.currentVersion());
            m.put("updated_at", s.updatedAt().toString());
            return m;
        });
    }

    /**
     * Records an exposure of one version, named directly or found through the fingerprint of the leaked value
     * (no other row is decrypted).
     */
    public Mono<Map<String, Object>> expose(String path, Integer version, String leakedValue, String source,
            String detail, String url, String clientIp) {
        Mono<List<Integer>> versions = version != null
                ? store.metadata(path).map(meta -> {
                    if (meta.versions().stream().noneMatch(v -> v.version() == version)) {
                        throw Refusal.notFound("secret-not-found", path + "@" + version + " does not exist");
                    }
                    return List.of(version);
                })
                : store.findByValue(leakedValue).filter(v -> v.path().equals(path)).map(SecretVersion::version)
                        .collectList()
                        .map(list -> {
                            if (list.isEmpty()) {
                                throw Refusal.notFound("exposure-not-matched",
                                        "no version of " + path + " has the reported value");
                            }
                            return list;
                        });
        return versions.flatMap(vs -> Flux.fromIterable(vs)
                        .concatMap(v -> store.markExposed(path, v, source, detail, url))
                        .collectList())
                .flatMap(exposures -> audit.append(AuditEvent.builder(AuditEventType.SECRET_EXPOSED).subject(ADMIN).clientIp(clientIp)
                                .secrets(exposures.stream().map(e -> e.path() + "@" + e.version()).toList())
                                .reason(source)
                                .details(Map.of("exposure_ids", exposures.stream().map(Exposure::id).toList(),
                                        "matched_by", version != null ? "version" : "value")))
                        .thenReturn(exposuresView(path, exposures)))
                .as(tx::transactional);
    }

    /**
     * The scanner intake: records every report in one transaction, each matched version with its
     * {@code secret.exposed} event. A report that matches nothing is answered as unmatched, not as an error, so one
     * stale finding does not make the scanner resend the whole batch.
     */
    public Mono<List<Map<String, Object>>> intake(List<ExposureReport> reports, String clientIp) {
        return Flux.range(0, reports.size())
                .concatMap(i -> intakeOne(i, reports.get(i), clientIp))
                .collectList()
                .as(tx::transactional);
    }

    private Mono<Map<String, Object>> intakeOne(int index, ExposureReport r, String clientIp) {
        Mono<List<SecretVersion>> matched = r.value() != null
                ? store.findByValue(r.value()).filter(v -> r.path() == null || v.path().equals(r.path())).collectList()
                : store.metadata(r.path())
                        .map(meta -> meta.versions().stream()
                                .filter(v -> v.version() == (r.version() != null ? r.version() : meta.currentVersion()))
                                .toList())
                        .onErrorResume(io.segura.broker.vault.SecretNotFoundException.class, e -> Mono.just(List.of()));
        return matched.flatMap(versions -> Flux.fromIterable(versions)
                .concatMap(v -> store.markExposed(v.path(), v.version(), r.source(), r.detail(), r.url())
                        .flatMap(e -> audit.append(AuditEvent.builder(AuditEventType.SECRET_EXPOSED)
                                        .subject("scanner:" + r.source()).clientIp(clientIp)
                                        .secrets(List.of(e.path() + "@" + e.version())).reason(r.source())
                                        .details(Map.of("exposure_ids", List.of(e.id()),
                                                "matched_by", r.value() != null ? "value" : "path",
                                                "via", "webhook")))
                                .thenReturn(e)))
                .collectList()
                .map(exposures -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("index", index);
                    m.put("matched", !exposures.isEmpty());
                    List<Map<String, Object>> items = new ArrayList<>();
                    for (Exposure e : exposures) {
                        Map<String, Object> x = new LinkedHashMap<>();
                        x.put("id", e.id());
                        x.put("path", e.path());
                        x.put("version", e.version());
                        items.add(x);
                    }
                    m.put("exposures", items);
                    return m;
                }));
    }

    private static Map<String, Object> exposuresView(String path, List<Exposure> exposures) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        List<Map<String, Object>> items = new ArrayList<>();
        for (Exposure e : exposures) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("id", e.id());
            x.put("version", e.version());
            x.put("source", e.source());
            items.add(x);
        }
        m.put("exposures", items);
        return m;
    }

    static Map<String, Object> view(SecretVersion v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", v.path());
        m.put("version", v.version());
        m.put("created_at", v.createdAt().toString());
        return m;
    }

    static Map<String, Object> view(SecretMetadata meta) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", meta.path());
        m.put("current_version", meta.currentVersion());
        m.put("max_age", meta.maxAge() == null ? null : io.segura.broker.config.Durations.format(meta.maxAge()));
        m.put("created_at", meta.createdAt().toString());
        m.put("updated_at", meta.updatedAt().toString());
        List<Map<String, Object>> versions = new ArrayList<>();
        for (SecretVersion v : meta.versions()) {
            Map<String, Object> x = view(v);
            x.put("exposed_at", v.exposedAt() == null ? null : v.exposedAt().toString());
            versions.add(x);
        }
        m.put("versions", versions);
        return m;
    }

}
