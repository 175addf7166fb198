// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import io.segura.client.ssh.SshCertificateFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
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
 * revoked afterwards: the values stay usable, the lease ends. Dynamic secrets would end with it, so a session
 * holding any is kept in the state file for {@code segura-cli revoke} instead.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the secrets as a dotenv, JSON or shell file (0600, atomic) or to stdout.",
            "Refuses to print to a terminal unless --reveal is given. The session is revoked afterwards, unless it"
                + " holds dynamic secrets: then it is kept in the state file until `segura-cli revoke`."},
        footer = {"", "Examples:",
            "  segura-cli export --secret 'db/prod/password > DB_PASSWORD' --output .env",
            "  segura-cli export --format json --secret api/key --output secrets.json",
            "  eval \"$(segura-cli export --format shell --secret 'db/prod/password > PGPASSWORD')\"",
            "  segura-cli export --secret 'dynamic:db/prod-readonly.username > PGUSER'"
                + " --secret 'dynamic:db/prod-readonly.password > PGPASSWORD' --output .env   # one database user",
            "  segura-cli revoke                                  # when the job ends: drops the database user"})
final class ExportCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "SPEC",
            description = "path[@version] [> NAME], or dynamic:NAME[.FIELD] [> NAME]; repeatable, added to"
                    + " SEGURA_SECRETS")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "with dynamic secrets: where the session is kept for `segura-cli revoke` (default"
                    + " SEGURA_STATE_FILE, else .segura-session); it must not hold a session yet")
    Path stateFile;

    @Option(names = "--ssh-dir", paramLabel = "DIR",
            description = "where the key and certificate files of dynamic:ssh/… specs go (a private segura-ssh-…"
                    + " directory in DIR; default RUNNER_TEMP, else AGENT_TEMPDIRECTORY, else the system's temporary"
                    + " directory); `segura-cli revoke` deletes them")
    Path sshDir;

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
        List<SecretSpec> specs = Specs.merge(c.config.secrets(), secrets);
        if (specs.isEmpty()) {
            throw new ConfigException("no secrets to export: set SEGURA_SECRETS or give --secret SPEC");
        }
        if (output == null) {
            Terminal.guard(ctx, reveal, "export");
        }
        // Dynamic secrets are revoked with the session: it outlives this command, in the state file.
        Path keepIn = Specs.anyDynamic(specs) ? SessionState.unused(ctx, stateFile, "export") : null;
        Session session = c.session();
        SshCertificateFiles ssh = Specs.sshFiles(ctx, sshDir, new SecureRandom());
        boolean kept = false;
        try {
            Map<String, String> variables = Specs.resolve(c.client, session, specs, c.config.ttl(), ssh, err)
                    .byEnv();
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
            if (keepIn != null) {
                Path certificates = Specs.sshDirectory(ssh);
                if (certificates != null) {
                    err.println("segura-cli: SSH keys and certificates in " + certificates
                            + " (0700) until `segura-cli revoke` deletes them");
                }
                SessionState.keep(keepIn, c, session, certificates, err);
                kept = true;
            }
            err.flush();
            return ExitCodes.OK;
        } finally {
            if (!kept) {
                FetchCommand.revokeQuietly(c, session, err);
                ssh.close();
            }
        }
    }
}
