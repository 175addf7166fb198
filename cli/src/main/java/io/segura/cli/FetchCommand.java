// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerException;
import io.segura.client.ConfigException;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import io.segura.client.ssh.SshCertificateFiles;
import io.segura.client.masking.Masker;
import io.segura.client.masking.SecretVariants;
import io.segura.client.platform.GitHubActions;
import io.segura.client.platform.LocalDev;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
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
 * {@code segura-cli fetch}: leases the secrets and hands them to later steps the platform's way — native masking
 * first (every encoded variant), then export (GitHub {@code GITHUB_ENV}, Azure {@code setvariable}, a 0600 file or
 * dotenv elsewhere). The session stays open for a later {@code segura-cli revoke}; its token goes to the state file.
 * Dynamic secrets are credentials under that session: they live until the revoke (or their TTL).
 */
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Lease secrets and export them to later steps of the job (masked natively where the"
            + " platform can).", "The session is kept for `segura-cli revoke` in the state file."},
        footer = {"", "Examples:",
            "  SEGURA_SECRETS='db/prod/password > DB_PASSWORD' segura-cli fetch",
            "  SEGURA_EXPORT_DIR=/run/secrets segura-cli fetch --secret api/key   # one 0600 file per variable",
            "  segura-cli fetch --lease-id-file /tekton/results/lease-id            # the lease id as a Tekton result",
            "  segura-cli fetch --secret 'dynamic:db/prod-readonly > DATABASE_URL'  # a database user until revoke",
            "  segura-cli fetch --secret 'dynamic:ssh/deploy > SSH_KEY'             # key and certificate files",
            "  segura-cli revoke                                                     # when the job ends"})
final class FetchCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "SPEC",
            description = "path[@version] [> ENV], or dynamic:NAME[.FIELD] [> ENV]; repeatable")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--ssh-dir", paramLabel = "DIR",
            description = "where the key and certificate files of dynamic:ssh/… specs go (a private segura-ssh-…"
                    + " directory in DIR; default RUNNER_TEMP, else AGENT_TEMPDIRECTORY, else the system's temporary"
                    + " directory); `segura-cli revoke` deletes them")
    Path sshDir;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LeaseOptions leasing;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "where to keep the session for revoke (default SEGURA_STATE_FILE, else .segura-session)")
    Path stateFile;

    @Option(names = "--export-env", arity = "1", paramLabel = "BOOL", defaultValue = "true",
            description = "export the variables to later steps (default true); false: mask and keep only outputs")
    boolean exportEnv = true;

    @Option(names = "--lease-id-file", paramLabel = "FILE",
            description = "also write the lease ids (no secret) to FILE, e.g. a Tekton result's path: the static"
                    + " secrets' lease, then each dynamic secret's, comma-separated")
    Path leaseIdFile;

    @Option(names = "--github-action",
            description = "as the Segura GitHub Action: also set step outputs (one per variable, and lease-id) and"
                    + " keep the session in GITHUB_STATE for the action's post step instead of a state file")
    boolean githubAction;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = leasing.apply(root.ctx, connection);
        PrintWriter err = spec.commandLine().getErr();
        Connection c = Connection.open(ctx);
        List<SecretSpec> specs = Specs.merge(c.config.secrets(), secrets);
        if (specs.isEmpty()) {
            throw new ConfigException("no secrets to fetch: set SEGURA_SECRETS or give --secret SPEC");
        }
        LeaseIdFile leaseIdTo = LeaseIdFile.of(ctx, leaseIdFile);
        if (!exportEnv && !githubAction && Specs.anyDynamic(specs)) {
            // Nothing would carry a credential to a later step (the Jenkins library's fetch only opens the session
            // its `exec --state-file` steps run in, and each of those requests its own): requesting one here would
            // create a database user that nothing uses until the session's revoke drops it.
            err.println("segura-cli: dynamic secrets not requested: --export-env false hands them to no later step;"
                    + " `segura-cli exec --state-file` requests them in this session");
            specs = Specs.statics(specs);
        }
        Session session = c.session();
        SshCertificateFiles ssh = Specs.sshFiles(ctx, sshDir, new SecureRandom());
        boolean kept = false;
        try {
            Specs.Resolved values = Specs.resolve(c.client, session, specs, c.config.ttl(), ssh, err);
            if (leaseIdTo != null) {
                leaseIdTo.write(values.leaseIds());
            }
            if (exportEnv) {
                // Every value the platform would refuse fails the command before anything is masked or exported.
                for (Map.Entry<String, String> v : values.byEnv().entrySet()) {
                    c.platform.checkExportable(c.job, v.getKey(), v.getValue());
                }
            }
            // Mask everything before anything is exported: a later export line could echo a value. A dynamic
            // credential's URL and password are masked, its user name is not (it proves nothing; Azure still
            // exports it as a secret variable, which masks it).
            boolean unmasked = false;
            for (String value : values.secretValues()) {
                for (String variant : SecretVariants.of(value, Masker.DEFAULT_MINIMUM_LENGTH)) {
                    if (!c.platform.maskNatively(c.job, variant)) {
                        unmasked = true;
                        break;
                    }
                }
            }
            if (unmasked && !(c.platform instanceof LocalDev)) {
                err.println("segura-cli: warning: " + c.platform.name() + " cannot mask values in its log at run"
                        + " time; run the step that uses them under `segura-cli exec`");
            }
            if (exportEnv) {
                for (Map.Entry<String, String> v : values.byEnv().entrySet()) {
                    err.println("segura-cli: " + c.platform.export(c.job, v.getKey(), v.getValue()));
                }
            }
            Path certificates = Specs.sshDirectory(ssh);
            if (certificates != null) {
                err.println("segura-cli: SSH keys and certificates in " + certificates
                        + " (0700) until `segura-cli revoke` deletes them");
            }
            if (githubAction) {
                if (!(c.platform instanceof GitHubActions)) {
                    throw new ConfigException("--github-action needs GitHub Actions (GITHUB_ACTIONS=true), not "
                            + c.platform.name());
                }
                GitHubActions github = (GitHubActions) c.platform;
                for (Map.Entry<String, String> v : values.byEnv().entrySet()) {
                    github.setOutput(c.job, v.getKey(), v.getValue());
                }
                if (values.lease() != null) {
                    leaseIdOutput(c, values.lease().leaseId());
                }
                // The post step gets these back as STATE_SEGURA_SESSION / STATE_SEGURA_URL (RevokeCommand).
                // The URL is no secret: masking it would hide it in every later line of the job's log.
                github.savePublicState(c.job, SessionState.GITHUB_STATE_URL, c.config.url().toString());
                if (certificates != null) {
                    github.savePublicState(c.job, SessionState.GITHUB_STATE_SSH_DIR, certificates.toString());
                }
                github.saveState(c.job, SessionState.GITHUB_STATE_SESSION, session.token());
                kept = true;
                err.println("segura-cli: " + (values.lease() == null ? "" : "lease " + values.lease().leaseId()
                        + "; ") + "session kept in GITHUB_STATE until " + session.expiresAt()
                        + "; the action's post step revokes it" + (Specs.anyDynamic(specs)
                        ? " and with it the dynamic secrets" : ""));
                err.flush();
                return ExitCodes.OK;
            }
            Path file = SessionState.file(ctx, stateFile);
            SessionState.write(file, c.config.url().toString(), session, certificates);
            kept = true;
            err.println("segura-cli: session kept in " + file + " until " + session.expiresAt()
                    + "; run `segura-cli revoke` when the job ends" + (Specs.anyDynamic(specs)
                    ? " (it revokes the dynamic secrets: their database users are dropped then, or at their TTL)"
                    : ""));
            err.flush();
            return ExitCodes.OK;
        } finally {
            if (!kept) {
                revokeQuietly(c, session, err);
                ssh.close();
            }
        }
    }

    /** The lease id is no secret: written as a plain output so the log keeps it readable (not masked). */
    private static void leaseIdOutput(Connection c, String leaseId) throws IOException {
        if (!leaseId.matches("[A-Za-z0-9._:-]+")) {
            throw new IOException("the broker answered a lease id that is not a plain token");
        }
        Path file = c.job.get("GITHUB_OUTPUT").map(Path::of).orElseThrow(() -> new IOException(
                "GITHUB_OUTPUT is not set: file commands need a GitHub Actions runner"));
        Files.writeString(file, "lease-id=" + leaseId + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    static void revokeQuietly(Connection c, Session session, PrintWriter err) throws InterruptedException {
        try {
            c.client.revoke(session);
        } catch (BrokerException e) {
            err.println("segura-cli: warning: could not revoke the session: " + e.getMessage());
        }
    }
}
