// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerClient;
import io.segura.client.ClientConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code segura-cli revoke}: ends the session {@code fetch} left behind, and every lease it holds (RFC 7009), the
 * dynamic secrets' too (export, get and inject leave their session for it when they hold any). A
 * session that already expired or was revoked is not an error, nor is finding no session at all.
 */
@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = {"Revoke the session left by `fetch` (or by `export`, `get` or `inject` with dynamic secrets) and"
                + " all its leases: dynamic secrets end with it (database users dropped, certificates revoked) and the"
                + " SSH key files fetch or export wrote are deleted.",
            "The token comes from SEGURA_SESSION_TOKEN, else a GitHub Action's STATE_SEGURA_SESSION, else the state"
                + " file. Already expired is not an error."},
        footer = {"", "Examples:", "  segura-cli revoke",
            "  segura-cli revoke --state-file /tmp/job/.segura-session"})
final class RevokeCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "the state file fetch wrote (default SEGURA_STATE_FILE, else .segura-session)")
    Path stateFile;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = connection.apply(root.ctx);
        PrintWriter err = spec.commandLine().getErr();
        Path file = SessionState.file(ctx, stateFile);
        Optional<SessionState.Stored> stored = SessionState.read(file);
        String token = ctx.env().get("SEGURA_SESSION_TOKEN");
        // A GitHub Action's post step: what `fetch --github-action` saved to GITHUB_STATE comes back as STATE_*.
        String githubToken = ctx.env().get("STATE_" + SessionState.GITHUB_STATE_SESSION);
        String githubUrl = ctx.env().get("STATE_" + SessionState.GITHUB_STATE_URL);
        if ((token == null || token.isBlank()) && githubToken != null && !githubToken.isBlank()) {
            token = githubToken;
            if (githubUrl != null && !githubUrl.isBlank()) {
                stored = Optional.of(new SessionState.Stored(githubUrl, githubToken,
                        ctx.env().get("STATE_" + SessionState.GITHUB_STATE_SSH_DIR)));
            }
        }
        if (token == null || token.isBlank()) {
            token = stored.map(SessionState.Stored::session).orElse(null);
        }
        if (token == null) {
            err.println("segura-cli: no session to revoke (no SEGURA_SESSION_TOKEN, no " + file + ")");
            err.flush();
            return ExitCodes.OK;
        }
        // --url, else SEGURA_URL, else the URL the session was opened at
        ClientConfig config = ctx.withDefault("SEGURA_URL", stored.map(SessionState.Stored::url).orElse(null))
                .config();
        BrokerClient.create(config).revoke(token);
        // the SSH certificates' key files fetch or export left for the job's later steps
        stored.map(SessionState.Stored::sshDir).filter(d -> !d.isBlank()).map(Path::of)
                .ifPresent(Specs::deleteSshDirectory);
        Files.deleteIfExists(file);
        err.println("segura-cli: session revoked");
        err.flush();
        return ExitCodes.OK;
    }
}
