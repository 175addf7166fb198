// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.ConfigException;
import io.segura.client.Lease;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import io.segura.client.masking.Masker;
import io.segura.client.masking.MaskingOutputStream;
import io.segura.client.ssh.SshCertificateFiles;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code segura-cli exec [--secret SPEC].. -- CMD}: leases the secrets, runs CMD with them in its environment and
 * its stdout/stderr masked, renews the lease while CMD runs, and revokes the session however CMD or the CLI ends.
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = {"Run a command with secrets in its environment and its output masked.",
            "The lease is renewed while the command runs (within the role's caps); the session is revoked when it"
                + " ends, on a signal too. Exits with the command's exit code.",
            "With --state-file it runs in the session `fetch` kept there instead: it revokes only its own lease and"
                + " leaves the session to `segura-cli revoke`."},
        footer = {"", "Examples:",
            "  segura-cli exec --secret 'db/prod/password > DB_PASSWORD' -- ./deploy.sh",
            "  segura-cli exec --url https://segura.example.com --role deploy --ttl 15m --secret api/key -- make",
            "  SEGURA_SECRETS='api/key; db/prod/password@3 > DB_PASSWORD' segura-cli exec -- sh -c 'make release'",
            "  segura-cli exec --state-file .segura-session -- ./step.sh   # in the session fetch kept",
            "  segura-cli exec --lease-id-file lease-id --secret api/key -- ./deploy.sh   # lease id to a file",
            "  segura-cli exec --secret 'dynamic:db/prod-readonly > DATABASE_URL' -- ./migrate.sh   # a fresh DB user",
            "  segura-cli exec --secret 'dynamic:ssh/deploy > SSH_KEY' -- sh -c 'ssh -i \"$SSH_KEY\" deploy@host'"
                + "   # an SSH certificate"})
final class ExecCommand implements Callable<Integer> {

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "SPEC",
            description = "path[@version] [> ENV], or dynamic:NAME[.FIELD] [> ENV]; repeatable, added to"
                    + " SEGURA_SECRETS")
    List<String> secrets = new ArrayList<>();

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LeaseOptions leasing;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "run in the session `fetch` kept in FILE (no new exchange); only this command's lease is"
                    + " revoked when CMD ends, the session is left to `segura-cli revoke`")
    java.nio.file.Path stateFile;

    @Option(names = "--ssh-public-key", paramLabel = "FILE",
            description = "have dynamic:ssh/… certificates signed for this public key (e.g. ~/.ssh/id_ed25519.pub)"
                    + " instead of a fresh key pair made for this command")
    Path sshPublicKey;

    @Option(names = "--lease-id-file", paramLabel = "FILE",
            description = "write the lease ids (no secret) to FILE before CMD starts, e.g. a Tekton step result's"
                    + " path: the static secrets' lease, then each dynamic secret's, comma-separated")
    Path leaseIdFile;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "the command and its arguments, after --")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = leasing.apply(root.ctx, connection);
        PrintWriter err = spec.commandLine().getErr();
        Connection c = Connection.open(ctx);
        List<SecretSpec> specs = Specs.merge(c.config.secrets(), secrets);
        java.time.Duration leaseTtl = c.config.ttl();
        LeaseIdFile leaseIdTo = LeaseIdFile.of(ctx, leaseIdFile);
        if (leaseIdTo != null && specs.isEmpty()) {
            throw new ConfigException("--lease-id-file needs secrets to lease: set SEGURA_SECRETS or give --secret");
        }
        // A kept session belongs to whoever runs `revoke` (a Jenkins withSegura block runs one exec per step in it).
        boolean ownSession = stateFile == null;
        Session session = ownSession ? c.session() : kept(ctx);
        Revoker revoker = new Revoker(c.client, session, ownSession, err);
        SshCertificateFiles ssh = SshCertificateFiles.temporary(sshPublicKey, new java.security.SecureRandom());
        Thread hook = new Thread(() -> {
            revoker.revoke();
            ssh.close();
        }, "segura-revoke");
        if (ctx.process()) {
            // A JVM ending any other way (System.exit elsewhere, an uncaught error) still revokes.
            Runtime.getRuntime().addShutdownHook(hook);
        }
        LeaseRenewer renewer = null;
        try {
            Map<String, String> env = new HashMap<>(ctx.env());
            Masker.Builder masks = Masker.builder();
            List<SecretSpec> statics = Specs.statics(specs);
            List<String> leaseIds = new ArrayList<>();
            if (!statics.isEmpty()) {
                Lease lease = c.client.lease(session, statics, leaseTtl);
                revoker.lease(lease.leaseId());
                leaseIds.add(lease.leaseId());
                lease.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
                Specs.export(specs, lease, (name, secret) -> {
                    env.put(name, secret.value());
                    masks.add(secret.path(), secret.value());
                });
                renewer = LeaseRenewer.start(c.client, session, lease, leaseTtl, err);
            }
            // Dynamic secrets: a credential each, under its own lease, revoked with the session (or, in a kept
            // session, lease by lease) when CMD ends. Its URL and password are masked like any secret.
            // An SSH certificate's key and certificate are files in a private directory, deleted when CMD ends.
            Specs.dynamic(c.client, session, specs, leaseTtl, ssh, credential -> {
                revoker.lease(credential.leaseId());
                leaseIds.add(credential.leaseId());
                credential.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
                err.println("segura-cli: dynamic secret " + credential.name() + ": lease " + credential.leaseId()
                        + " until " + credential.expiresAt()
                        + (credential.ssh() ? " (certificate serial " + credential.fields().get("serial") + ")" : ""));
                credential.secretValues().forEach(v -> masks.add("dynamic:" + credential.name(), v));
            }, (spec, credential, value) -> env.put(spec.envName(), value));
            ssh.privateKeyLines().forEach(line -> masks.add("ssh private key", line));
            if (leaseIdTo != null) {
                leaseIdTo.write(leaseIds);
            }
            Masker masker = masks.build();
            masker.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
            err.flush();
            return run(ctx, env, masker, err);
        } finally {
            if (renewer != null) {
                renewer.stop();
            }
            revoker.revoke();
            ssh.close();
            if (ctx.process()) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook runs (and finds the session revoked)
                }
            }
        }
    }

    private Session kept(CliContext ctx) throws IOException, ConfigException {
        java.nio.file.Path file = SessionState.file(ctx, stateFile);
        return SessionState.session(file).orElseThrow(() -> new ConfigException("--state-file: no session in " + file
                + ": run `segura-cli fetch --state-file " + stateFile + "` first"));
    }

    private int run(CliContext ctx, Map<String, String> env, Masker masker, PrintWriter err)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ctx.workDir().toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ctx.process() ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE);
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            err.println("segura-cli: cannot start " + command.get(0) + ": " + e.getMessage());
            err.flush();
            return 127;
        }
        SignalForwarding signals = ctx.process() ? SignalForwarding.install(child) : null;
        try {
            Thread out = pump(child.getInputStream(), new MaskingOutputStream(unclosable(ctx.out()), masker),
                    "segura-stdout");
            Thread errPump = pump(child.getErrorStream(), new MaskingOutputStream(unclosable(ctx.err()), masker),
                    "segura-stderr");
            if (!ctx.process()) {
                feedStdin(ctx.in(), child.getOutputStream());
            }
            int code = child.waitFor();
            out.join();
            errPump.join();
            return code;
        } finally {
            if (signals != null) {
                signals.uninstall();
            }
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    /** Copies the child's output through the masker; close() releases the held-back tail when the child ends. */
    private static Thread pump(InputStream from, MaskingOutputStream to, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (MaskingOutputStream sink = to; InputStream in = from) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    sink.write(buf, 0, n);
                    sink.flush();
                }
            } catch (IOException e) {
                // the child's pipe broke: nothing more to copy
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void feedStdin(InputStream in, OutputStream childStdin) {
        Thread t = new Thread(() -> {
            try (OutputStream o = childStdin) {
                in.transferTo(o);
            } catch (IOException e) {
                // the child closed its stdin early
            }
        }, "segura-stdin");
        t.setDaemon(true);
        t.start();
    }

    private static OutputStream unclosable(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    /**
     * Revokes exactly once, from whichever path gets there first: the session when this command exchanged it, else
     * (a kept session) only the lease this command took.
     */
    static final class Revoker {
        private final BrokerClient client;
        private final Session session;
        private final boolean ownSession;
        private final PrintWriter err;
        private final AtomicBoolean done = new AtomicBoolean();
        private final List<String> leaseIds = new java.util.concurrent.CopyOnWriteArrayList<>();

        Revoker(BrokerClient client, Session session, boolean ownSession, PrintWriter err) {
            this.client = client;
            this.session = session;
            this.ownSession = ownSession;
            this.err = err;
        }

        void lease(String id) {
            leaseIds.add(id);
        }

        void revoke() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            try {
                if (ownSession) {
                    client.revoke(session);
                } else {
                    for (String id : leaseIds) {
                        client.revokeLease(session, id);
                    }
                }
            } catch (BrokerException e) {
                err.println("segura-cli: warning: could not revoke the " + (ownSession ? "session" : "lease")
                        + " (it expires at " + session.expiresAt() + "): " + e.getMessage());
                err.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
