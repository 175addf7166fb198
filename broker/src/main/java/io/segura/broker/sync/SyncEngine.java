// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.SyncSpec;
import io.segura.broker.config.SyncSpec.Mapping;
import io.segura.broker.sync.RunResult.Effect;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.SecretStore;
import io.segura.broker.vault.SecretValue;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Syncs one target: reads the mapped secrets and the platform token from the vault, reads back what the target holds,
 * writes what changed (everything on a manual run), prunes what is no longer mapped when the target says
 * {@code prune: true}, and compares what it did not write with what it last wrote — flags, values it can read (by
 * keyed fingerprint) and Azure DevOps' group stamp — to report drift. The remote calls block, so they run on the
 * bounded elastic scheduler; their outcome, the state rows and the audit events are then recorded in one transaction.
 * Values live only in this run's memory: state keeps fingerprints, audit and logs keep path@version and names.
 */
final class SyncEngine {

    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);

    private final SecretStore store;
    private final SyncStateStore state;
    private final AuditLog audit;
    private final TransactionalOperator tx;
    private final TargetClients clients;
    private final Clock clock;

    SyncEngine(SecretStore store, SyncStateStore state, AuditLog audit, TransactionalOperator tx,
            TargetClients clients, Clock clock) {
        this.store = Objects.requireNonNull(store, "store cannot be null");
        this.state = Objects.requireNonNull(state, "state cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.clients = Objects.requireNonNull(clients, "clients cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** A mapping with its secret read now, or why it could not be. */
    private record Resolved(Mapping mapping, SecretValue value, String problem) {
    }

    Mono<RunResult> run(SyncSpec spec, SyncJob.Reason reason, String triggerRef) {
        Mono<String> token = store.read(spec.tokenSecret(), null).map(SecretValue::value);
        Mono<List<Resolved>> resolved = Flux.fromIterable(spec.mappings())
                .concatMap(m -> store.read(m.path(), m.version()).map(v -> new Resolved(m, v, null))
                        .onErrorResume(SecretNotFoundException.class, e -> Mono.just(new Resolved(m, null,
                                "secret " + m.ref() + " does not exist in the vault"))))
                .collectList();
        Mono<List<MappingState>> previous = state.mappings(spec.name()).collectList();
        return Mono.zip(resolved, previous, state.target(spec.name()))
                .flatMap(t -> token
                        .flatMap(tok -> Mono.fromCallable(() -> reconcile(spec, reason, tok, t.getT1(), t.getT2(),
                                t.getT3())).subscribeOn(Schedulers.boundedElastic()))
                        .onErrorResume(SecretNotFoundException.class, e -> Mono.just(RunResult.failed(
                                new RemoteFailure(RemoteFailure.Kind.REFUSED, 0, "the token secret "
                                        + spec.tokenSecret() + " does not exist in the vault", null))))
                        .flatMap(result -> record(spec, reason, triggerRef, result, t.getT2(), t.getT3())
                                .thenReturn(result)));
    }

    private RunResult reconcile(SyncSpec spec, SyncJob.Reason reason, String token, List<Resolved> resolved,
            List<MappingState> previous, TargetState target) {
        Map<String, MappingState> byKey = new HashMap<>();
        previous.forEach(p -> byKey.put(key(p.variable(), p.environmentScope()), p));
        List<Effect> effects = new ArrayList<>();
        try (TargetClient client = clients.open(spec, token)) {
            RemoteSnapshot snapshot = client.read();
            String stamp = target.remoteStamp();
            String targetDrift = null;
            if (target.remoteStamp() != null && snapshot.stamp() != null
                    && !target.remoteStamp().equals(snapshot.stamp())) {
                targetDrift = "variable group " + spec.variableGroup() + " was modified outside Segura (modifiedOn "
                        + snapshot.stamp() + ", the broker's last write left " + target.remoteStamp() + ")";
            }
            Set<String> mapped = new HashSet<>();
            for (Resolved r : resolved) {
                Mapping m = r.mapping();
                String k = key(m.variable(), m.environmentScope());
                mapped.add(k);
                MappingState prev = byKey.get(k);
                Optional<RemoteVariable> remote = snapshot.find(m.variable(), m.environmentScope());
                VariableFlags flags = spec.platform() == SyncSpec.Platform.GITLAB ? VariableFlags.gitlab(m)
                        : VariableFlags.azure(m);
                if (r.value() == null) {
                    effects.add(new Effect(Effect.Kind.FAILED, m, prev, m.version(), null, flags, null, r.problem(),
                            new RemoteFailure(RemoteFailure.Kind.REFUSED, 0, r.problem(), null)));
                    continue;
                }
                String value = r.value().value();
                String fp = fingerprint(spec, m, value);
                boolean changed = prev == null || prev.status() == MappingState.Status.FAILED
                        || prev.status() == MappingState.Status.UNMAPPED || !fp.equals(prev.fingerprint())
                        || !flags.text().equals(prev.flags()) || !Objects.equals(prev.version(), r.value().version())
                        || !Objects.equals(prev.path(), m.path());
                if (!changed && reason != SyncJob.Reason.MANUAL) {
                    effects.add(new Effect(Effect.Kind.CHECKED, m, prev, prev.version(), prev.fingerprint(), flags,
                            null, drift(spec, m, prev, remote.orElse(null)), null));
                    continue;
                }
                if (flags.masked()) {
                    Optional<String> broken = MaskingRules.broken(value, m.raw());
                    if (broken.isPresent()) {
                        String detail = "GitLab cannot mask " + m.ref() + "@" + r.value().version() + " for "
                                + m.variable() + ": " + broken.get() + "; set masked: false on the mapping to sync"
                                + " it unmasked";
                        effects.add(new Effect(Effect.Kind.FAILED, m, prev, r.value().version(), null, flags, null,
                                detail, new RemoteFailure(RemoteFailure.Kind.NOT_MASKABLE, 0, detail, null)));
                        continue;
                    }
                }
                try {
                    String after = client.write(new DesiredVariable(m.variable(), m.environmentScope(), value, flags,
                            m.description()), remote.orElse(null));
                    stamp = after != null ? after : stamp;
                    String action = remote.isEmpty() ? "created"
                            : remote.get().flags().hidden() != flags.hidden() ? "recreated" : "updated";
                    effects.add(new Effect(Effect.Kind.WRITTEN, m, prev, r.value().version(), fp, flags, action,
                            null, null));
                } catch (RemoteFailure f) {
                    effects.add(new Effect(Effect.Kind.FAILED, m, prev, r.value().version(), null, flags, null,
                            f.getMessage(), f));
                }
            }
            for (MappingState prev : previous) {
                if (mapped.contains(key(prev.variable(), prev.environmentScope()))) {
                    continue;
                }
                if (!spec.prune()) {
                    effects.add(new Effect(Effect.Kind.UNMAPPED, null, prev, prev.version(), prev.fingerprint(), null,
                            null, "no longer mapped; left in place because the target does not say prune: true",
                            null));
                    continue;
                }
                Optional<RemoteVariable> remote = snapshot.find(prev.variable(), prev.environmentScope());
                try {
                    if (remote.isPresent()) {
                        String after = client.delete(remote.get());
                        stamp = after != null ? after : stamp;
                    }
                    effects.add(new Effect(Effect.Kind.DELETED, null, prev, prev.version(), null, null, "deleted",
                            null, null));
                } catch (RemoteFailure f) {
                    effects.add(new Effect(Effect.Kind.FAILED, null, prev, prev.version(), prev.fingerprint(), null,
                            null, f.getMessage(), f));
                }
            }
            boolean wrote = effects.stream().anyMatch(e -> e.kind() == Effect.Kind.WRITTEN
                    || e.kind() == Effect.Kind.DELETED);
            // First sight of a stamp (first run) is the baseline; after our own writes the stamp is ours.
            if (wrote || target.remoteStamp() == null) {
                stamp = wrote ? stamp : snapshot.stamp();
            }
            return new RunResult(effects, stamp, targetDrift, null);
        } catch (RemoteFailure f) {
            return RunResult.failed(f);
        }
    }

    /** What changed outside the broker since it last wrote {@code prev}, or null. */
    private String drift(SyncSpec spec, Mapping m, MappingState prev, RemoteVariable remote) {
        if (remote == null) {
            return m.variable() + " was deleted outside Segura";
        }
        List<String> what = new ArrayList<>(remote.flags().differencesFrom(VariableFlags.parse(prev.flags())));
        if (remote.value() != null && prev.fingerprint() != null
                && !store.fingerprint(context(spec, m), remote.value()).equals(prev.fingerprint())) {
            what.add("value changed");
        }
        return what.isEmpty() ? null : m.variable() + " changed outside Segura: " + String.join(", ", what);
    }

    private String fingerprint(SyncSpec spec, Mapping m, String value) {
        return store.fingerprint(context(spec, m), value);
    }

    private static String context(SyncSpec spec, Mapping m) {
        return "sync\u0000" + spec.name() + "\u0000" + m.variable() + "\u0000" + m.environmentScope();
    }

    private static String key(String variable, String scope) {
        return variable + "\u0000" + scope;
    }

    private Mono<Void> record(SyncSpec spec, SyncJob.Reason reason, String triggerRef, RunResult result,
            List<MappingState> previous, TargetState target) {
        Instant now = clock.instant();
        List<Mono<Void>> writes = new ArrayList<>();
        String trigger = reason.column() + (triggerRef == null ? "" : ":" + triggerRef);
        List<Map<String, Object>> drifted = new ArrayList<>();
        for (Effect e : result.effects()) {
            MappingState prev = e.previous();
            switch (e.kind()) {
                case WRITTEN -> {
                    Mapping m = e.mapping();
                    writes.add(state.save(new MappingState(spec.name(), m.variable(), m.environmentScope(), m.path(),
                            e.version(), e.fingerprint(), e.flags().text(), MappingState.Status.IN_SYNC, null, now,
                            now)));
                    writes.add(audit.append(event(AuditEventType.SYNC_WRITTEN, spec, m.variable(),
                            m.environmentScope(), m.path() + "@" + e.version(), trigger)
                            .details(details(spec, m.variable(), m.environmentScope(), e.action(), trigger))));
                    log.info("sync {}: {} {} from {}@{}", spec.name(), e.action(), m.variable(), m.path(),
                            e.version());
                }
                case CHECKED -> {
                    Mapping m = e.mapping();
                    MappingState.Status status = e.detail() == null ? MappingState.Status.IN_SYNC
                            : MappingState.Status.DRIFTED;
                    writes.add(state.save(prev.with(status, e.detail(), now)));
                    if (e.detail() != null && !(prev.status() == MappingState.Status.DRIFTED
                            && e.detail().equals(prev.detail()))) {
                        Map<String, Object> d = new LinkedHashMap<>();
                        d.put("variable", m.variable());
                        d.put("environment_scope", m.environmentScope());
                        d.put("path", prev.path() + (prev.version() == null ? "" : "@" + prev.version()));
                        d.put("drift", e.detail());
                        drifted.add(d);
                    }
                }
                case FAILED -> {
                    String variable = e.mapping() != null ? e.mapping().variable() : prev.variable();
                    String scope = e.mapping() != null ? e.mapping().environmentScope() : prev.environmentScope();
                    String path = e.mapping() != null ? e.mapping().path() : prev.path();
                    writes.add(state.save(new MappingState(spec.name(), variable, scope, path,
                            prev == null ? null : prev.version(), prev == null ? null : prev.fingerprint(),
                            prev == null ? (e.flags() == null ? null : e.flags().text()) : prev.flags(),
                            MappingState.Status.FAILED, e.detail(), prev == null ? null : prev.writtenAt(), now)));
                    boolean repeat = prev != null && prev.status() == MappingState.Status.FAILED
                            && e.detail().equals(prev.detail()) && e.failure() != null && e.failure().permanent();
                    if (!repeat) {
                        Map<String, Object> d = details(spec, variable, scope, "failed", trigger);
                        if (e.failure() != null) {
                            d.put("status", e.failure().status());
                            d.put("kind", e.failure().kind().name().toLowerCase(java.util.Locale.ROOT));
                        }
                        writes.add(audit.append(event(AuditEventType.SYNC_FAILED, spec, variable, scope,
                                e.version() == null ? path : path + "@" + e.version(), trigger)
                                .reason(e.detail()).details(d)));
                    }
                    log.warn("sync {}: {} failed: {}", spec.name(), variable, e.detail());
                }
                case DELETED -> {
                    writes.add(state.delete(spec.name(), prev.variable(), prev.environmentScope()));
                    writes.add(audit.append(event(AuditEventType.SYNC_DELETED, spec, prev.variable(),
                            prev.environmentScope(), prev.path() + (prev.version() == null ? "" : "@"
                                    + prev.version()), trigger)
                            .details(details(spec, prev.variable(), prev.environmentScope(), "deleted", trigger))));
                    log.info("sync {}: deleted {} (no longer mapped, prune: true)", spec.name(), prev.variable());
                }
                case UNMAPPED -> writes.add(state.save(prev.with(MappingState.Status.UNMAPPED, e.detail(), now)));
                default -> throw new IllegalStateException("defense in depth: unknown effect " + e.kind());
            }
        }
        String targetStatus;
        String targetDetail;
        if (result.targetFailure() != null) {
            targetStatus = "failed";
            targetDetail = result.targetFailure().getMessage();
            Map<String, Object> d = details(spec, null, null, "failed", trigger);
            d.put("status", result.targetFailure().status());
            d.put("kind", result.targetFailure().kind().name().toLowerCase(java.util.Locale.ROOT));
            writes.add(audit.append(AuditEvent.builder(AuditEventType.SYNC_FAILED).subject("sync:" + spec.name())
                    .reason(targetDetail).details(d)));
            log.warn("sync {}: failed: {}", spec.name(), targetDetail);
        } else if (result.targetDrift() != null) {
            targetStatus = "drifted";
            targetDetail = result.targetDrift();
        } else {
            boolean anyFailed = result.effects().stream().anyMatch(e -> e.kind() == Effect.Kind.FAILED);
            targetStatus = anyFailed ? "failed" : "ok";
            targetDetail = anyFailed ? result.firstError() : null;
        }
        boolean newTargetDrift = result.targetDrift() != null && !("drifted".equals(target.status())
                && result.targetDrift().equals(target.detail()));
        if (!drifted.isEmpty() || newTargetDrift) {
            Map<String, Object> d = details(spec, null, null, "drift", trigger);
            d.put("drifted", drifted);
            if (result.targetDrift() != null) {
                d.put("target_drift", result.targetDrift());
            }
            writes.add(audit.append(AuditEvent.builder(AuditEventType.SYNC_DRIFTED).subject("sync:" + spec.name())
                    .reason(drifted.size() + " variable(s) drifted" + (newTargetDrift ? "; " + result.targetDrift()
                            : ""))
                    .secrets(drifted.stream().map(x -> (String) x.get("path")).distinct().toList())
                    .details(d)));
            log.warn("sync {}: drift: {} variable(s){}", spec.name(), drifted.size(),
                    newTargetDrift ? ", " + result.targetDrift() : "");
        }
        writes.add(state.save(new TargetState(spec.name(),
                result.targetFailure() != null ? target.remoteStamp() : result.stamp(),
                now, now, targetStatus, targetDetail)));
        return Flux.concat(writes).then().as(tx::transactional);
    }

    private static AuditEvent.Builder event(AuditEventType type, SyncSpec spec, String variable, String scope,
            String ref, String trigger) {
        return AuditEvent.builder(type).subject("sync:" + spec.name()).secrets(List.of(ref));
    }

    private static Map<String, Object> details(SyncSpec spec, String variable, String scope, String action,
            String trigger) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("target", spec.name());
        d.put("platform", spec.platform().configName());
        if (variable != null) {
            d.put("variable", variable);
            d.put("environment_scope", scope);
        }
        d.put("action", action);
        d.put("trigger", trigger);
        return d;
    }
}
