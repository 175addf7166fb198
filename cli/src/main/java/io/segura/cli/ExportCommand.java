// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import io.segura.client.Lease;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/**
 * {@code segura-cli export --format dotenv|json|shell [--output FILE]}: the leased secrets as a file another tool
 * reads — written 0600 and atomically, or to stdout (never to a terminal without {@code --reveal}). The session is
 * revoked afterwards: the values stay usable, the lease ends.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the secrets as a dotenv, JSON or shell file (0600, atomic) or to stdout.",
            "Refuses to print to a terminal unless --reveal is given. The session is revoked afterwards."},
        footer = {"", "Examples:",
            "  segura-cli export --secret 'db/prod/password > DB_PASSWORD' --output .env",
            "  segura-cli export --format json --secret api/key --output secrets.json",
            "  eval \"$(segura-cli export --format shell --secret 'db/prod/password > PGPASSWORD')\""})
final class ExportCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "SPEC",
            description = "path[@version] [> NAME]; repeatable, added to SEGURA_SECRETS")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "dotenv", converter = ExportFormat.Converter.class,
            completionCandidates = ExportFormat.Candidates.class,
            description = "dotenv (NAME=\"value\", escaped), json (one object) or shell (export NAME='value');"
                    + " default ${DEFAULT-VALUE}")
    ExportFormat format;

    @Option(names = "--output", paramLabel = "FILE",
            description = "write to FILE (mode 0600, replaced atomically) instead of stdout")
    Path output;

    @Option(names = "--reveal", description = "print to stdout even when it is a terminal")
    boolean reveal;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LeaseOptions leasing;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = leasing.apply(root.ctx, connection);
        PrintWriter err = spec.commandLine().getErr();
        Connection c = Connection.open(ctx);
        List<SecretSpec> specs = Specs.staticOnly(Specs.merge(c.config.secrets(), secrets), "export");
        if (specs.isEmpty()) {
            throw new ConfigException("no secrets to export: set SEGURA_SECRETS or give --secret SPEC");
        }
        if (output == null) {
            Terminal.guard(ctx, reveal, "export");
        }
        Session session = c.session();
        try {
            Lease lease = c.client.lease(session, specs, c.config.ttl());
            lease.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
            Map<String, String> variables = new LinkedHashMap<>();
            Specs.export(specs, lease, (name, secret) -> variables.put(name, secret.value()));
            String text = format.render(variables);
            if (output == null) {
                PrintWriter out = spec.commandLine().getOut();
                out.print(text);
                out.flush();
            } else {
                Path file = OutputFile.write(ctx, output, text);
                err.println("segura-cli: wrote " + file + " (" + format.label() + ", 0600, " + variables.size()
                        + " variable" + (variables.size() == 1 ? "" : "s") + ")");
            }
            err.flush();
            return ExitCodes.OK;
        } finally {
            FetchCommand.revokeQuietly(c, session, err);
        }
    }
}
