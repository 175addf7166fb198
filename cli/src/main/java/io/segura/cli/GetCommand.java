// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
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
 * afterwards: the value stays usable, the lease ends. A dynamic secret would end with it, so its session is kept in
 * the state file for {@code segura-cli revoke} instead. SSH certificates are refused: they are files, not a value.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Print one secret value, for scripts.",
            "The value is followed by one newline (none with --no-newline). Refuses to print to a terminal unless"
                + " --reveal is given. The session is revoked afterwards, unless the secret is dynamic: then it is"
                + " kept in the state file until `segura-cli revoke` (each get is a new credential)."},
        footer = {"", "Examples:",
            "  PGPASSWORD=\"$(segura-cli get db/prod/password)\" psql -h db.internal app",
            "  segura-cli get --no-newline tls/server-key@3 > server.key",
            "  segura-cli get --reveal --url http://127.0.0.1:8080 dev/db/password",
            "  psql \"$(segura-cli get dynamic:db/prod-readonly)\" -c 'select 1'   # a new database user, until"
                + " `segura-cli revoke`"})
final class GetCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH[@VERSION]",
            description = "the secret, e.g. db/prod/password@3, or dynamic:NAME[.FIELD], e.g."
                    + " dynamic:db/prod-readonly (its URL)")
    String ref;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "with a dynamic secret: where the session is kept for `segura-cli revoke` (default"
                    + " SEGURA_STATE_FILE, else .segura-session); it must not hold a session yet")
    java.nio.file.Path stateFile;

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
        List<SecretSpec> specs = Specs.withoutSsh(List.of(secret), "get");
        Terminal.guard(ctx, reveal, "get");
        Connection c = Connection.open(ctx);
        // A dynamic secret is revoked with the session: it outlives this command, in the state file.
        java.nio.file.Path keepIn = secret.dynamic() ? SessionState.unused(ctx, stateFile, "get") : null;
        Session session = c.session();
        boolean kept = false;
        try {
            String value = Specs.resolve(c.client, session, specs, c.config.ttl(), null, err).byRef()
                    .get(secret.ref());
            PrintWriter out = spec.commandLine().getOut();
            out.print(value);
            if (!noNewline) {
                out.print('\n');
            }
            out.flush();
            if (keepIn != null) {
                SessionState.keep(keepIn, c, session, null, err);
                err.flush();
                kept = true;
            }
            return ExitCodes.OK;
        } finally {
            if (!kept) {
                FetchCommand.revokeQuietly(c, session, err);
            }
        }
    }
}
