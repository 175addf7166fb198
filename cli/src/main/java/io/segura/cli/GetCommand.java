// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import io.segura.client.Lease;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code segura-cli get PATH[@VERSION]}: one value on stdout for a script ({@code $(segura-cli get …)}), followed by
 * one newline unless {@code --no-newline}. Refuses a terminal unless {@code --reveal}. The session is revoked
 * afterwards: the value stays usable, the lease ends.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print one secret value, for scripts.",
            "The value is followed by one newline (none with --no-newline). Refuses to print to a terminal unless"
                + " --reveal is given. The session is revoked afterwards."},
        footer = {"", "Examples:",
            "  PGPASSWORD=\"$(segura-cli get db/prod/password)\" psql -h db.internal app",
            "  segura-cli get --no-newline tls/server-key@3 > server.key",
            "  segura-cli get --reveal --url http://127.0.0.1:8080 dev/db/password"})
final class GetCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH[@VERSION]", description = "the secret, e.g. db/prod/password@3")
    String ref;

    @Option(names = "--reveal", description = "print even when stdout is a terminal")
    boolean reveal;

    @Option(names = {"-n", "--no-newline"}, description = "print the value only, without the trailing newline")
    boolean noNewline;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LeaseOptions leasing;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = leasing.apply(root.ctx, connection);
        PrintWriter err = spec.commandLine().getErr();
        if (ref.indexOf('>') >= 0) {
            throw new ConfigException("get prints one value: give PATH[@VERSION] without '> NAME'"
                    + " (names are for exec, fetch and export)");
        }
        SecretSpec secret;
        try {
            secret = SecretSpec.parse(ref);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PATH: " + e.getMessage());
        }
        Specs.staticOnly(List.of(secret), "get");
        Terminal.guard(ctx, reveal, "get");
        Connection c = Connection.open(ctx);
        Session session = c.session();
        try {
            Lease lease = c.client.lease(session, List.of(secret), c.config.ttl());
            lease.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
            err.flush();
            PrintWriter out = spec.commandLine().getOut();
            Specs.export(List.of(secret), lease, (name, value) -> out.print(value.value()));
            if (!noNewline) {
                out.print('\n');
            }
            out.flush();
            return ExitCodes.OK;
        } finally {
            FetchCommand.revokeQuietly(c, session, err);
        }
    }
}
