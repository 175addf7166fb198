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

/**
 * {@code segura-cli audit usage PATH | --stale 30d | --old-versions}: the broker's usage views (operator): who leased
 * which version of a secret, which secrets nobody leased lately, which pipelines pin an old version.
 */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = {"Show who leased which version of PATH in a window (roles, subjects, run contexts, counts,"
            + " first and last use), the secrets nobody leased for a while (--stale), or the pipelines still leasing"
            + " a version that is not the latest (--old-versions). Operator; needs SEGURA_ADMIN_TOKEN."},
        footer = {"", "Examples:", "  segura-cli audit usage db/prod/password --window 30d",
            "  segura-cli audit usage --stale 30d", "  segura-cli audit usage --old-versions --window 7d"})
final class AuditUsageCommand implements Callable<Integer> {

    @ParentCommand
    AuditCommand audit;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "PATH", description = "the secret whose usage to show")
    String path;

    @Option(names = "--stale", paramLabel = "DURATION",
            description = "list the secrets not leased for DURATION (e.g. 30d), never-leased ones included")
    String stale;

    @Option(names = "--prefix", description = "with --stale: only paths starting with this")
    String prefix;

    @Option(names = "--old-versions", description = "list the run contexts that leased a non-latest version")
    boolean oldVersions;

    @Option(names = "--window", paramLabel = "DURATION", description = "count over the last DURATION (1h, 1d, 7d,"
            + " 30d; default 7d for PATH, 30d for --old-versions)")
    String window;

    @Option(names = "--since", description = "count from this ISO-8601 instant instead of --window")
    String since;

    @Option(names = "--limit", description = "entries per page (1 to 1000; default 100)")
    Integer limit;

    @Option(names = "--cursor", description = "the next page, as printed under the previous one")
    String cursor;

    @Option(names = "--json", description = "print the broker's answer as JSON")
    boolean json;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        int modes = (path != null ? 1 : 0) + (stale != null ? 1 : 0) + (oldVersions ? 1 : 0);
        if (modes != 1) {
            throw new IllegalArgumentException("give exactly one of PATH, --stale DURATION or --old-versions");
        }
        if (stale != null && (window != null || since != null)) {
            throw new IllegalArgumentException("--stale takes no --window or --since (its DURATION is the period)");
        }
        if (stale == null && prefix != null) {
            throw new IllegalArgumentException("--prefix goes with --stale");
        }
        PrintWriter out = spec.commandLine().getOut();
        Connection c = Connection.open(connection.apply(audit.root.ctx));
        String admin = c.adminToken();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("limit", limit == null ? null : limit.toString());
        params.put("cursor", cursor);
        Map<String, Object> answer;
        if (stale != null) {
            params.put("unused-for", stale);
            params.put("prefix", prefix);
            answer = c.client.staleSecrets(admin, params);
        } else {
            params.put("window", window);
            params.put("since", since);
            answer = path != null ? c.client.secretUsage(admin, path, params) : c.client.oldVersions(admin, params);
        }
        if (json) {
            out.println(Json.write(answer));
        } else if (stale != null) {
            out.println("not leased since " + answer.get("unused_since"));
            List<List<String>> rows = new ArrayList<>();
            for (Map<String, Object> s : list(answer, "secrets")) {
                rows.add(List.of(text(s.get("path")), text(s.get("current_version")),
                        s.get("last_used") == null ? "never" : text(s.get("last_used")), text(s.get("updated_at"))));
            }
            Tables.print(out, List.of("path", "version", "last used", "updated"), rows);
        } else if (path != null) {
            out.println(answer.get("path") + " (current version " + answer.get("current_version") + "), "
                    + answer.get("since") + " .. " + answer.get("until"));
            if (answer.get("versions") != null) {
                List<List<String>> rows = new ArrayList<>();
                for (Map<String, Object> v : list(answer, "versions")) {
                    rows.add(List.of(text(v.get("version")), text(v.get("uses")), text(v.get("first_used")),
                            text(v.get("last_used"))));
                }
                Tables.print(out, List.of("version", "uses", "first used", "last used"), rows);
                out.println();
            }
            List<List<String>> rows = new ArrayList<>();
            for (Map<String, Object> u : list(answer, "contexts")) {
                rows.add(List.of(text(u.get("version")), text(u.get("role")), text(u.get("subject")),
                        text(u.get("repository")), text(u.get("ref")), text(u.get("workflow")),
                        text(u.get("environment")), text(u.get("uses")), text(u.get("first_used")),
                        text(u.get("last_used"))));
            }
            Tables.print(out, List.of("version", "role", "subject", "repository", "ref", "workflow", "environment",
                    "uses", "first used", "last used"), rows);
        } else {
            out.println("leases of a version that was not the latest, " + answer.get("since") + " .. "
                    + answer.get("until"));
            List<List<String>> rows = new ArrayList<>();
            for (Map<String, Object> p : list(answer, "pinned")) {
                rows.add(List.of(text(p.get("path")), text(p.get("version")), text(p.get("latest_version")),
                        text(p.get("role")), text(p.get("subject")), text(p.get("repository")),
                        text(p.get("workflow")), text(p.get("uses")), text(p.get("last_used"))));
            }
            Tables.print(out, List.of("path", "version", "latest", "role", "subject", "repository", "workflow",
                    "uses", "last used"), rows);
        }
        if (!json && answer.get("next") != null) {
            out.println("more: --cursor " + answer.get("next"));
        }
        out.flush();
        return ExitCodes.OK;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> answer, String key) {
        Object v = answer.get(key);
        return v == null ? List.of() : (List<Map<String, Object>>) v;
    }

    private static String text(Object o) {
        return o == null ? "" : String.valueOf(o);
    }
}
