// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.Lease;
import io.segura.client.LeasedSecret;
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
 * mode 0600; the session is revoked afterwards (the values stay valid, only the lease ends).
 */
@Command(name = "inject", mixinStandardHelpOptions = true,
        description = {"Render a template with secrets into a 0600 file, atomically.",
            "Placeholders: {{ secret \"path[@version]\" }} and {{NAME}} (a variable from SEGURA_SECRETS/--secret)."
                + " An unknown placeholder is an error and nothing is written."},
        footer = {"", "Example:",
            "  echo 'password={{ secret \"db/prod/password\" }}' > app.conf.tpl",
            "  segura-cli inject --template app.conf.tpl --output app.conf"})
final class InjectCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--template", required = true, paramLabel = "IN", description = "the template file")
    Path template;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "the file to write (0600)")
    Path output;

    @Option(names = "--secret", paramLabel = "SPEC", description = "path[@version] [> NAME]; repeatable")
    List<String> secrets = new ArrayList<>();

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LeaseOptions leasing;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = leasing.apply(root.ctx, connection);
        PrintWriter err = spec.commandLine().getErr();
        Connection c = Connection.open(ctx);
        List<SecretSpec> specs = Specs.staticOnly(Specs.merge(c.config.secrets(), secrets), "inject");
        Path in = ctx.workDir().resolve(template);
        if (!Files.isReadable(in)) {
            throw new io.segura.client.ConfigException("--template " + template + " is not a readable file");
        }
        Template t = Template.parse(Files.readString(in, StandardCharsets.UTF_8), specs);
        Map<String, String> byRef = new HashMap<>();
        if (!t.refs().isEmpty()) {
            List<SecretSpec> needed = Specs.staticOnly(t.refs().stream().map(SecretSpec::parse).toList(), "inject");
            Session session = c.session();
            try {
                Lease lease = c.client.lease(session, needed, c.config.ttl());
                lease.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
                for (SecretSpec s : needed) {
                    LeasedSecret v = lease.secrets().stream().filter(l -> l.path().equals(s.path())
                            && (s.version() == null || l.version() == s.version())).findFirst()
                            .orElseThrow(() -> new java.io.IOException("the lease has no value for " + s.ref()));
                    byRef.put(s.ref(), v.value());
                }
            } finally {
                FetchCommand.revokeQuietly(c, session, err);
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
