// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.SecretSpec;
import io.segura.client.Session;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code segura-cli inject --template IN --output OUT}: renders a config file with secrets, written atomically with
 * mode 0600; the session is revoked afterwards (the values stay valid, only the lease ends), unless the template
 * holds dynamic secrets, which would end with it: then it is kept in the state file for {@code segura-cli revoke}.
 */
@Command(name = "inject", mixinStandardHelpOptions = true,
        description = {"Render a template with secrets into a 0600 file, atomically.",
            "Placeholders: {{ secret \"path[@version]\" }} and {{NAME}} (a variable from SEGURA_SECRETS/--secret)."
                + " An unknown placeholder is an error and nothing is written.",
            "Dynamic secrets ({{ secret \"dynamic:db/app.password\" }}) keep the session in the state file until"
                + " `segura-cli revoke`; the session of static secrets alone is revoked at once."},
        footer = {"", "Example:",
            "  echo 'password={{ secret \"db/prod/password\" }}' > app.conf.tpl",
            "  segura-cli inject --template app.conf.tpl --output app.conf",
            "  echo 'url={{ secret \"dynamic:db/prod-readonly\" }}' > db.conf.tpl   # a database user until revoke"})
final class InjectCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--template", required = true, paramLabel = "IN", description = "the template file")
    Path template;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "the file to write (0600)")
    Path output;

    @Option(names = "--secret", paramLabel = "SPEC",
            description = "path[@version] [> NAME], or dynamic:NAME[.FIELD] [> NAME]; repeatable")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "with dynamic secrets: where the session is kept for `segura-cli revoke` (default"
                    + " SEGURA_STATE_FILE, else .segura-session); it must not hold a session yet")
    Path stateFile;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LeaseOptions leasing;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = leasing.apply(root.ctx, connection);
        PrintWriter err = spec.commandLine().getErr();
        Connection c = Connection.open(ctx);
        List<SecretSpec> specs = Specs.withoutSsh(Specs.merge(c.config.secrets(), secrets), "inject");
        Path in = ctx.workDir().resolve(template);
        if (!Files.isReadable(in)) {
            throw new io.segura.client.ConfigException("--template " + template + " is not a readable file");
        }
        Template t = Template.parse(Files.readString(in, StandardCharsets.UTF_8), specs);
        Map<String, String> byRef = new HashMap<>();
        if (!t.refs().isEmpty()) {
            // refs naming the same dynamic secret share one credential (its user name and password match)
            List<SecretSpec> needed = Specs.withoutSsh(t.refs().stream().map(SecretSpec::parse).toList(), "inject");
            // Dynamic secrets are revoked with the session: it outlives this command, in the state file.
            Path keepIn = Specs.anyDynamic(needed) ? SessionState.unused(ctx, stateFile, "inject") : null;
            Session session = c.session();
            boolean kept = false;
            try {
                byRef.putAll(Specs.resolve(c.client, session, needed, c.config.ttl(), null, err).byRef());
                if (keepIn != null) {
                    // kept before the file is written: the revoke that drops the user must find the session
                    SessionState.keep(keepIn, c, session, null, err);
                    kept = true;
                }
            } finally {
                if (!kept) {
                    FetchCommand.revokeQuietly(c, session, err);
                }
            }
        }
        // Written next to the target and renamed over it: a reader sees the old file or the whole new one.
        Path out = OutputFile.write(ctx, output, t.render(Template.lookup(byRef)));
        err.println("segura-cli: wrote " + out + " (0600, " + t.refs().size() + " secret"
                + (t.refs().size() == 1 ? "" : "s") + ")");
        err.flush();
        return ExitCodes.OK;
    }
}
