// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.json.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code segura-cli audit [--verify]}: lists audit events, or checks the hash chain (operator). */
@Command(name = "audit", mixinStandardHelpOptions = true, subcommands = AuditUsageCommand.class,
        description = {"List audit events, or verify the hash chain with --verify (operator; needs"
            + " SEGURA_ADMIN_TOKEN).", "--verify exits 1 when the chain is broken.",
            "audit usage: who leased which secret version, stale secrets, pinned old versions."},
        footer = {"", "Examples:", "  segura-cli audit --type lease.issued --limit 20",
            "  segura-cli audit --verify", "  segura-cli audit usage db/prod/password --window 30d"})
final class AuditCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--verify", description = "verify the hash chain instead of listing events")
    boolean verify;

    @Option(names = "--type", description = "event type, e.g. lease.issued")
    String type;

    @Option(names = "--subject", description = "only events of this subject")
    String subject;

    @Option(names = "--path", description = "only events naming this secret path")
    String path;

    @Option(names = "--since", description = "ISO-8601 instant, e.g. 2026-11-29T00:00:00Z")
    String since;

    @Option(names = "--limit", defaultValue = "50", description = "at most this many events (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--json", description = "print the events as JSON lines")
    boolean json;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Connection c = Connection.open(connection.apply(root.ctx));
        String admin = c.adminToken();
        if (verify) {
            Map<String, Object> report = c.client.verifyAudit(admin);
            boolean ok = Boolean.TRUE.equals(report.get("ok"));
            out.println((ok ? "audit chain OK" : "audit chain BROKEN") + ": chained through seq "
                    + report.get("chained_through") + ", " + report.get("pending_unchained") + " pending"
                    + (ok ? "" : ", broken at " + report.get("broken_at") + ": " + report.get("problem")));
            out.flush();
            return ok ? ExitCodes.OK : ExitCodes.FAILED;
        }
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("type", type);
        filters.put("subject", subject);
        filters.put("path", path);
        filters.put("since", since);
        filters.put("limit", Integer.toString(limit));
        List<Map<String, Object>> events = c.client.events(admin, filters);
        if (json) {
            events.forEach(e -> out.println(Json.write(e)));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (Map<String, Object> e : events) {
                rows.add(List.of(text(e.get("seq")), text(e.get("time")), text(e.get("type")), text(e.get("role")),
                        text(e.get("subject")), text(e.get("lease_id")), text(e.get("secrets")),
                        text(e.get("reason"))));
            }
            Tables.print(out, List.of("seq", "time", "type", "role", "subject", "lease", "secrets", "reason"), rows);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static String text(Object o) {
        if (o == null) {
            return "";
        }
        if (o instanceof List) {
            return String.join(",", ((List<?>) o).stream().map(String::valueOf).toList());
        }
        return o instanceof String ? (String) o : Json.write(o);
    }
}
