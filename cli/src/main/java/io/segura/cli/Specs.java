// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.ConfigException;
import io.segura.client.DynamicCredential;
import io.segura.client.DynamicSpecs;
import io.segura.client.Session;
import io.segura.client.ssh.SshCertificateFiles;
import java.time.Duration;
import java.util.function.Consumer;
import io.segura.client.Lease;
import io.segura.client.LeasedSecret;
import io.segura.client.SecretSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Secret specs from {@code SEGURA_SECRETS} plus {@code --secret} options, and matching them to a lease. */
final class Specs {

    private Specs() {
    }

    static List<SecretSpec> merge(List<SecretSpec> fromEnv, List<String> options) throws ConfigException {
        List<SecretSpec> all = new ArrayList<>(fromEnv);
        for (String o : options) {
            try {
                all.add(SecretSpec.parse(o));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--secret: " + e.getMessage());
            }
        }
        try {
            return SecretSpec.checkDistinct(all);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Refuses SSH certificates ({@code dynamic:ssh/…}) in a command that prints or renders values (get, inject): a
     * certificate is a key file and a certificate file, which fetch, export and exec write.
     */
    static List<SecretSpec> withoutSsh(List<SecretSpec> specs, String command) throws ConfigException {
        for (SecretSpec s : specs) {
            if (s.dynamic() && SecretSpec.isSsh(s.path())) {
                throw new ConfigException(s.ref() + ": `segura-cli " + command + "` does not take SSH certificates:"
                        + " it prints or renders values, and an SSH certificate is a key file and a certificate file;"
                        + " use `segura-cli fetch` or `segura-cli export` (files under --ssh-dir, deleted by"
                        + " `segura-cli revoke`) or run the step under `segura-cli exec`");
            }
        }
        return specs;
    }

    /**
     * Where fetch and export put SSH certificates' files, which outlive them until {@code segura-cli revoke}: a
     * private {@code segura-ssh-…} directory in {@code --ssh-dir}, else in the job's temporary directory (GitHub
     * {@code RUNNER_TEMP}, Azure DevOps {@code AGENT_TEMPDIRECTORY}: the runner empties it after the job), else in
     * the system's. Made only when a certificate is requested.
     */
    static SshCertificateFiles sshFiles(CliContext ctx, Path option, SecureRandom random) {
        Path parent = option != null ? ctx.workDir().resolve(option) : null;
        for (String name : List.of("RUNNER_TEMP", "AGENT_TEMPDIRECTORY")) {
            String dir = ctx.env().get(name);
            if (parent == null && dir != null && !dir.isBlank()) {
                parent = Path.of(dir);
            }
        }
        if (parent == null) {
            return SshCertificateFiles.temporary(null, random);
        }
        byte[] suffix = new byte[8];
        random.nextBytes(suffix);
        return SshCertificateFiles.in(parent.resolve(SSH_DIR_PREFIX + java.util.HexFormat.of().formatHex(suffix)),
                random);
    }

    /** The prefix of the SSH files' directories ({@link SshCertificateFiles#temporary} names its own so too). */
    static final String SSH_DIR_PREFIX = "segura-ssh-";

    /** The directory of SSH files {@code ssh} wrote, if it wrote any (what revoke is to delete). */
    static Path sshDirectory(SshCertificateFiles ssh) {
        Path dir = ssh.directory();
        return dir != null && java.nio.file.Files.isDirectory(dir) ? dir : null;
    }

    /**
     * Deletes a directory of SSH files that fetch or export left (the state names it), and only such a directory:
     * a state file naming another is not obeyed.
     */
    static void deleteSshDirectory(Path dir) {
        if (dir.getFileName() != null && dir.getFileName().toString().startsWith(SSH_DIR_PREFIX)
                && java.nio.file.Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            SshCertificateFiles.in(dir, new SecureRandom()).close();
        }
    }

    /** Whether any of {@code specs} is a dynamic secret (its credential lives as long as the session). */
    static boolean anyDynamic(List<SecretSpec> specs) {
        return specs.stream().anyMatch(SecretSpec::dynamic);
    }

    /** The static secrets among {@code specs}, for the lease API. */
    static List<SecretSpec> statics(List<SecretSpec> specs) {
        return specs.stream().filter(s -> !s.dynamic()).toList();
    }

    /** What to do with each dynamic secret's value. */
    interface DynamicSink {
        void accept(SecretSpec spec, DynamicCredential credential, String value) throws IOException;
    }

    /**
     * Requests each dynamic secret named in {@code specs} once (specs naming the same secret share its credential)
     * and calls {@code sink} for every spec with its field of that credential. An SSH certificate ({@code ssh/…}) is
     * requested for a key from {@code ssh}, which then writes the key and certificate files its fields name.
     *
     * @param leases told each new credential's lease id, at once (so a failure later still revokes it)
     */
    static void dynamic(BrokerClient client, Session session, List<SecretSpec> specs, Duration ttl,
            SshCertificateFiles ssh, Consumer<DynamicCredential> leases, DynamicSink sink)
            throws BrokerException, InterruptedException, IOException {
        // the request-once-per-name, the key, certificate and files, and the rendering are shared with the Jenkins
        // and Bamboo cores
        DynamicSpecs.request(specs, name -> DynamicSpecs.request(client, session, name, ttl, ssh, leases),
                sink::accept);
    }

    /**
     * The values of a job's specs, for the commands that hand them on and end before the job does (fetch, export,
     * get, inject): the static secrets from one lease, each dynamic secret a credential of its own (requested once
     * through {@link #dynamic}, the request-and-render path exec uses).
     *
     * @param lease        the static secrets' lease, or null when every spec is dynamic
     * @param leaseIds     every lease of the job, no secret: the static secrets' lease first, then each dynamic
     *                     credential's in the order they were requested ({@code --lease-id-file} writes them)
     * @param byEnv        each spec's value by variable name, in spec order (statics first)
     * @param byRef        each spec's value by {@link SecretSpec#ref()}
     * @param secretValues what a log must never show: every static value, each credential's secret fields (a
     *                     database URL and password, not its user name) and the lines of private keys made here
     */
    record Resolved(Lease lease, List<String> leaseIds, Map<String, String> byEnv, Map<String, String> byRef,
            List<String> secretValues) {
    }

    /**
     * Leases the static specs and requests the dynamic ones under {@code session}, telling {@code err} each
     * credential's lease (never a value). A failure part way leaves whatever was created under the session, which
     * the caller revokes.
     *
     * @param ssh where SSH certificates' files go; null when the caller refused them ({@link #withoutSsh})
     */
    static Resolved resolve(BrokerClient client, Session session, List<SecretSpec> specs, Duration ttl,
            SshCertificateFiles ssh, java.io.PrintWriter err) throws BrokerException, InterruptedException, IOException {
        Map<String, String> byEnv = new java.util.LinkedHashMap<>();
        Map<String, String> byRef = new java.util.LinkedHashMap<>();
        List<String> secretValues = new ArrayList<>();
        List<String> leaseIds = new ArrayList<>();
        Lease lease = null;
        List<SecretSpec> statics = statics(specs);
        if (!statics.isEmpty()) {
            lease = client.lease(session, statics, ttl);
            leaseIds.add(lease.leaseId());
            lease.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
            Lease leased = lease;
            for (SecretSpec s : statics) {
                export(List.of(s), leased, (name, secret) -> {
                    byEnv.put(name, secret.value());
                    byRef.put(s.ref(), secret.value());
                    secretValues.add(secret.value());
                });
            }
        }
        if (anyDynamic(specs)) {
            dynamic(client, session, specs, ttl, ssh, credential -> {
                leaseIds.add(credential.leaseId());
                credential.warnings().forEach(w -> err.println("segura-cli: warning: " + w));
                err.println("segura-cli: dynamic secret " + credential.name() + ": lease " + credential.leaseId()
                        + " until " + credential.expiresAt() + (credential.ssh()
                        ? " (certificate serial " + credential.fields().get("serial") + ")" : ""));
                secretValues.addAll(credential.secretValues());
            }, (spec, credential, value) -> {
                byEnv.put(spec.envName(), value);
                byRef.put(spec.ref(), value);
            });
            if (ssh != null) {
                secretValues.addAll(ssh.privateKeyLines());
            }
        }
        err.flush();
        return new Resolved(lease, List.copyOf(leaseIds), byEnv, byRef, List.copyOf(secretValues));
    }

    /** What to do with each leased secret. */
    interface Sink {
        void accept(String envName, LeasedSecret secret) throws IOException;
    }

    /** Calls {@code sink} for each spec with the secret the lease returned for it. */
    static void export(List<SecretSpec> specs, Lease lease, Sink sink) throws IOException {
        for (SecretSpec s : statics(specs)) {
            LeasedSecret match = lease.secrets().stream()
                    .filter(l -> l.path().equals(s.path()) && (s.version() == null || l.version() == s.version()))
                    .findFirst()
                    .orElseThrow(() -> new IOException("the broker's lease has no value for " + s.ref()));
            sink.accept(s.envName(), match);
        }
    }
}
