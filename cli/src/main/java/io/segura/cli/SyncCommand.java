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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code segura-cli sync status|run [TARGET]}: the secret sync into CI platforms (docs/SYNC.md), for operators. */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Secret sync into GitLab CI/CD variables and Azure DevOps variable groups (operator; needs"
                + " SEGURA_ADMIN_TOKEN).",
        subcommands = {SyncCommand.Status.class, SyncCommand.Run.class},
        footer = {"", "Examples:", "  segura-cli sync status", "  segura-cli sync run shop-gitlab"})
final class SyncCommand implements Runnable {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Each target and mapping: in sync, drifted, failed, pending or unmapped, with the last error or drift. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Show every sync target (or one) and each mapped variable: in_sync, drifted, failed,"
                + " pending (not synced yet) or unmapped, with the last error or drift.",
                "Exit 0 when everything is in sync, 1 when a target or variable is failed or drifted."},
            footer = {"", "Examples:", "  segura-cli sync status", "  segura-cli sync status shop-gitlab --json"})
    static final class Status implements Callable<Integer> {

        @ParentCommand
        SyncCommand sync;

        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET", description = "one target's name")
        String target;

        @Option(names = "--json", description = "print the broker's answer as JSON")
        boolean json;

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Connection c = Connection.open(connection.apply(sync.root.ctx));
            Map<String, Object> view = c.client.syncStatus(c.adminToken(), target);
            List<Map<String, Object>> targets = (List<Map<String, Object>>) view.get("targets");
            boolean bad = false;
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Map<String, Object> t : targets) {
                bad |= "failed".equals(t.get("status")) || "drifted".equals(t.get("status"));
                for (Map<String, Object> v : (List<Map<String, Object>>) t.get("variables")) {
                    bad |= "failed".equals(v.get("status")) || "drifted".equals(v.get("status"));
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("target", t.get("name"));
                    row.put("variable", v.get("variable")
                            + (v.get("environment_scope") == null || "*".equals(v.get("environment_scope")) ? ""
                                    : " [" + v.get("environment_scope") + "]"));
                    row.put("secret", v.get("secret"));
                    row.put("status", v.get("status"));
                    row.put("synced", v.get("synced_version") == null ? "" : "v" + v.get("synced_version"));
                    row.put("detail", v.get("detail"));
                    rows.add(row);
                }
            }
            if (json) {
                out.println(Json.write(view));
            } else {
                for (Map<String, Object> t : targets) {
                    List<Map<String, Object>> pending = (List<Map<String, Object>>) t.get("pending_jobs");
                    out.println(t.get("name") + " (" + t.get("platform") + " " + t.get("url") + "): " + t.get("status")
                            + (t.get("detail") == null ? "" : " — " + t.get("detail"))
                            + (pending.isEmpty() ? "" : "; " + pending.size() + " job(s) pending, next at "
                                    + pending.get(0).get("not_before")));
                }
                if (!rows.isEmpty()) {
                    out.println();
                    Tables.objects(out, rows, List.of("target", "variable", "secret", "status", "synced", "detail"));
                }
            }
            out.flush();
            return bad ? ExitCodes.FAILED : ExitCodes.OK;
        }
    }

    /** Queues a forced sync that rewrites every mapping (and prunes where the target says so). */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Force a sync now: every mapping of the target (or of every target) is written again,"
                + " which also repairs drift. The broker does it in the background; see `sync status`."},
            footer = {"", "Examples:", "  segura-cli sync run shop-gitlab", "  segura-cli sync run"})
    static final class Run implements Callable<Integer> {

        @ParentCommand
        SyncCommand sync;

        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET", description = "one target's name")
        String target;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Connection c = Connection.open(connection.apply(sync.root.ctx));
            Map<String, Object> queued = c.client.syncRun(c.adminToken(), target);
            out.println("queued a full sync of " + String.join(", ", toStrings(queued.get("queued"))));
            out.flush();
            return ExitCodes.OK;
        }

        private static List<String> toStrings(Object o) {
            List<String> out = new ArrayList<>();
            if (o instanceof List<?> l) {
                l.forEach(x -> out.add(String.valueOf(x)));
            }
            return out;
        }
    }
}
