// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.config.SyncSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON view of {@code GET /api/v2/admin/sync}: each target with its outcome, pending jobs, and per mapping
 * {@code in_sync}, {@code drifted}, {@code failed}, {@code pending} (never synced yet) or {@code unmapped}, with the
 * last error or drift. Metadata only: no value, no fingerprint.
 */
final class SyncStatusView {

    private SyncStatusView() {
    }

    static Map<String, Object> render(Collection<SyncSpec> targets, String only, List<MappingState> mappings,
            List<TargetState> targetStates, List<SyncQueue.PendingJob> pending) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SyncSpec t : targets) {
            if (only != null && !only.equals(t.name())) {
                continue;
            }
            TargetState ts = targetStates.stream().filter(s -> s.target().equals(t.name())).findFirst()
                    .orElse(TargetState.empty(t.name()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("platform", t.platform().configName());
            m.put("url", t.url());
            if (t.platform() == SyncSpec.Platform.GITLAB) {
                m.put(t.group() != null ? "group" : "project", t.group() != null ? t.group() : t.project());
            } else {
                m.put("organization", t.organization());
                m.put("project", t.project());
                m.put("variable_group", t.variableGroup());
            }
            m.put("prune", t.prune());
            m.put("schedule", io.segura.broker.config.Durations.format(t.schedule()));
            m.put("status", ts.status());
            m.put("detail", ts.detail());
            m.put("last_run_at", text(ts.lastRunAt()));
            List<Map<String, Object>> jobs = new ArrayList<>();
            for (SyncQueue.PendingJob j : pending) {
                if (j.target().equals(t.name())) {
                    Map<String, Object> x = new LinkedHashMap<>();
                    x.put("reason", j.reason());
                    x.put("attempts", j.attempts());
                    x.put("not_before", text(j.notBefore()));
                    x.put("last_error", j.lastError());
                    jobs.add(x);
                }
            }
            m.put("pending_jobs", jobs);
            List<Map<String, Object>> vars = new ArrayList<>();
            List<MappingState> mine = mappings.stream().filter(s -> s.target().equals(t.name())).toList();
            for (SyncSpec.Mapping mp : t.mappings()) {
                MappingState s = mine.stream().filter(x -> x.variable().equals(mp.variable())
                        && x.environmentScope().equals(mp.environmentScope())).findFirst().orElse(null);
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("variable", mp.variable());
                if (t.platform() == SyncSpec.Platform.GITLAB) {
                    v.put("environment_scope", mp.environmentScope());
                }
                v.put("secret", mp.ref());
                v.put("status", s == null ? "pending" : s.status().column());
                v.put("synced_version", s == null ? null : s.version());
                v.put("detail", s == null ? null : s.detail());
                v.put("written_at", s == null ? null : text(s.writtenAt()));
                v.put("checked_at", s == null ? null : text(s.checkedAt()));
                vars.add(v);
            }
            for (MappingState s : mine) {
                if (s.status() == MappingState.Status.UNMAPPED) {
                    Map<String, Object> v = new LinkedHashMap<>();
                    v.put("variable", s.variable());
                    if (t.platform() == SyncSpec.Platform.GITLAB) {
                        v.put("environment_scope", s.environmentScope());
                    }
                    v.put("secret", s.path());
                    v.put("status", "unmapped");
                    v.put("synced_version", s.version());
                    v.put("detail", s.detail());
                    v.put("written_at", text(s.writtenAt()));
                    v.put("checked_at", text(s.checkedAt()));
                    vars.add(v);
                }
            }
            m.put("variables", vars);
            out.add(m);
        }
        return Map.of("targets", out);
    }

    private static String text(Instant i) {
        return i == null ? null : i.toString();
    }
}
