// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerException;
import io.segura.client.ConfigException;
import io.segura.client.Lease;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
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
import java.util.ArrayList;
import java.util.List;
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
 */
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Lease secrets and export them to later steps of the job (masked natively where the"
            + " platform can).", "The session is kept for `segura-cli revoke` in the state file."},
        footer = {"", "Examples:",
            "  SEGURA_SECRETS='db/prod/password > DB_PASSWORD' segura-cli fetch",
            "  SEGURA_EXPORT_DIR=/run/secrets segura-cli fetch --secret api/key   # one 0600 file per variable",
            "  segura-cli fetch --lease-id-file /tekton/results/lease-id            # the lease id as a Tekton result",
            "  segura-cli revoke                                                     # when the job ends"})
final class FetchCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "SPEC", description = "path[@version] [> ENV]; repeatable")
    List<String> secrets = new ArrayList<>();

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
            description = "also write the lease id (no secret) to FILE, e.g. a Tekton result's path")
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
        List<SecretSpec> specs = Specs.staticOnly(Specs.merge(c.config.secrets(), secrets), "fetch");
        if (specs.isEmpty()) {
            throw new ConfigException("no secrets to fetch: set SEGURA_SECRETS or give --secret SPEC");
        }
        LeaseIdFile leaseIdTo = LeaseIdFile.of(ctx, leaseIdFile);
        Session session = c.session();
        boolean kept = false;
        try {
            Lease lease = c.client.lease(session, specs, c.config.ttl());
            lease.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
            if (leaseIdTo != null) {
                leaseIdTo.write(lease.leaseId());
            }
            if (exportEnv) {
                // Every value the platform would refuse fails the command before anything is masked or exported.
                Specs.export(specs, lease, (name, secret) -> c.platform.checkExportable(c.job, name, secret.value()));
            }
            boolean[] unmasked = {false};
            // Mask everything before anything is exported: a later export line could echo a value.
            Specs.export(specs, lease, (name, secret) -> {
                for (String variant : SecretVariants.of(secret.value(), Masker.DEFAULT_MINIMUM_LENGTH)) {
                    if (!c.platform.maskNatively(c.job, variant)) {
                        unmasked[0] = true;
                        break;
                    }
                }
            });
            if (unmasked[0] && !(c.platform instanceof LocalDev)) {
                err.println("segura-cli: warning: " + c.platform.name() + " cannot mask values in its log at run"
                        + " time; run the step that uses them under `segura-cli exec`");
            }
            if (exportEnv) {
                Specs.export(specs, lease, (name, secret) -> err.println("segura-cli: "
                        + c.platform.export(c.job, name, secret.value())));
            }
            if (githubAction) {
                if (!(c.platform instanceof GitHubActions)) {
                    throw new ConfigException("--github-action needs GitHub Actions (GITHUB_ACTIONS=true), not "
                            + c.platform.name());
                }
                GitHubActions github = (GitHubActions) c.platform;
                Specs.export(specs, lease, (name, secret) -> github.setOutput(c.job, name, secret.value()));
                leaseIdOutput(c, lease.leaseId());
                // The post step gets these back as STATE_SEGURA_SESSION / STATE_SEGURA_URL (RevokeCommand).
                // The URL is no secret: masking it would hide it in every later line of the job's log.
                github.savePublicState(c.job, SessionState.GITHUB_STATE_URL, c.config.url().toString());
                github.saveState(c.job, SessionState.GITHUB_STATE_SESSION, session.token());
                kept = true;
                err.println("segura-cli: lease " + lease.leaseId() + "; session kept in GITHUB_STATE until "
                        + session.expiresAt() + "; the action's post step revokes it");
                err.flush();
                return ExitCodes.OK;
            }
            Path file = SessionState.file(ctx, stateFile);
            SessionState.write(file, c.config.url().toString(), session);
            kept = true;
            err.println("segura-cli: session kept in " + file + " until " + session.expiresAt()
                    + "; run `segura-cli revoke` when the job ends");
            err.flush();
            return ExitCodes.OK;
        } finally {
            if (!kept) {
                revokeQuietly(c, session, err);
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
