// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.DynamicCredential;
import io.segura.client.DynamicSpecs;
import io.segura.client.Lease;
import io.segura.client.LeasedSecret;
import io.segura.client.RetryPolicy;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import io.segura.client.platform.Identity;
import io.segura.client.ssh.SshCertificateFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * "Segura: lease secrets": authenticates as an OAuth 2.0 client from the global settings ({@code grant_type=
 * client_credentials}, DESIGN §5), leases the configured secrets and requests the dynamic ones ({@code
 * dynamic:NAME[.FIELD] > NAME}, DESIGN §6a: a fresh database user each, or an SSH certificate for a key pair made
 * here on the agent, under leases of the same session), and sets each as a local runtime variable whose value Bamboo
 * masks ({@link BambooMasking}). An SSH certificate's key and certificate files go into a private directory of the
 * job's working directory ({@code .segura/ssh/<random>}, 0700, files 0600). The session and that directory are
 * recorded for the final "Segura: revoke" task ({@link SessionStore}), whose revocation also drops the database
 * users and puts the certificates' serials into the CA's KRL, and which deletes the files. Any failure fails the
 * task with one log line — the broker's reason and the fix — and a session already opened is revoked (and the files
 * deleted) before the task ends.
 */
public final class SecretsTask {

    private final RetryPolicy retry;

    /** @param retry how long to keep trying an unreachable or overloaded broker ({@link RetryPolicy#DEFAULT}) */
    public SecretsTask(RetryPolicy retry) {
        this.retry = Objects.requireNonNull(retry, "retry cannot be null");
    }

    public TaskOutcome execute(TaskRun run) throws InterruptedException {
        BuildLog log = run.log();
        try {
            lease(run);
            return TaskOutcome.SUCCESS;
        } catch (TaskFailure f) {
            log.error("Segura: " + f.getMessage());
            return TaskOutcome.FAILED;
        }
    }

    private void lease(TaskRun run) throws TaskFailure, InterruptedException {
        BuildLog log = run.log();
        SecretsTaskConfig config = SecretsTaskConfig.parse(run.configuration());
        GlobalSettings settings = run.settings();
        URI url = BrokerUrl.parse(settings.brokerUrl());
        String clientId = settings.chooseClient(config.clientId());
        String clientSecret = settings.clientSecret(clientId).orElseThrow(() -> new TaskFailure("The secret of"
                + " client \"" + clientId + "\" did not reach this agent. Fix: a Bamboo administrator saves it again"
                + " under Administration › Segura secrets; the plugin's runtime data provider ships it with the"
                + " job."));
        BrokerClient broker = client(url);
        Session session;
        try {
            session = broker.exchange(new Identity.ClientSecret(clientId, clientSecret), config.role());
        } catch (BrokerException e) {
            throw Diagnosis.session(e, url, clientId, config.role());
        }
        String role = session.role() != null ? session.role() : config.role();
        log.info("Segura: session for role " + role + " as client " + clientId + " at " + url + ", ends "
                + session.expiresAt());
        SessionStore store = new SessionStore(run.workingDirectory());
        // SSH certificates: the key pairs are made here, where the job's Script tasks run
        boolean ssh = config.secrets().stream().anyMatch(x -> x.dynamic() && SecretSpec.isSsh(x.path()));
        Path sshDirectory = ssh ? store.newSshDirectory().toAbsolutePath() : null;
        SshCertificateFiles sshFiles = ssh ? SshCertificateFiles.in(sshDirectory, new SecureRandom()) : null;
        SessionStore.Entry entry = new SessionStore.Entry(store.newFile(), url.toString(), session.token(), clientId,
                role, session.expiresAt().toString(), null, List.of(), ssh ? sshDirectory.toString() : null);
        try {
            store.save(entry);
        } catch (IOException e) {
            revokeNow(broker, session, log);
            throw new TaskFailure("Cannot record the session for the revoke task under " + run.workingDirectory()
                    .resolve(SessionStore.DIRECTORY) + ": " + e.getMessage() + ". Fix: make the job's working"
                    + " directory writable by the agent.");
        }
        List<SecretSpec> statics = config.secrets().stream().filter(x -> !x.dynamic()).toList();
        String refs = statics.stream().map(SecretSpec::ref).collect(Collectors.joining(", "));
        List<String> names = new ArrayList<>();
        List<String> leaseIds = new ArrayList<>();
        RuntimeVariables vars = run.variables();
        if (!statics.isEmpty()) {
            Lease lease;
            try {
                lease = broker.lease(session, statics, config.ttl());
            } catch (BrokerException e) {
                revokeNow(broker, session, log);
                deleteQuietly(store, entry);
                throw Diagnosis.lease(e, url, role, refs);
            }
            leaseIds.add(lease.leaseId());
            for (int i = 0; i < lease.secrets().size(); i++) {
                LeasedSecret s = lease.secrets().get(i);
                SecretSpec spec = specFor(statics, s, i);
                // The extra forms first: the moment the value is a variable, Bamboo may print it in the next entry.
                addForms(vars, names, spec.envName(), BambooMasking.extraForms(s.value()));
                vars.addLocal(spec.envName(), s.value());
                names.add(spec.envName());
                log.info("Segura: " + s.path() + "@" + s.version() + " → ${bamboo." + spec.envName() + "} (env bamboo_"
                        + spec.envName().replace('.', '_') + ")");
            }
            for (String w : lease.warnings()) {
                log.info("Segura: warning from the broker: " + w);
            }
            log.info("Segura: lease " + lease.leaseId() + " ends " + lease.expiresAt() + ".");
        }
        String[] requesting = new String[1];
        try {
            // one credential per name, each spec its field of it: the rendering segura-cli exec uses
            DynamicSpecs.request(config.secrets(), name -> {
                requesting[0] = name;
                DynamicCredential credential = DynamicSpecs.request(broker, session, name, config.ttl(), sshFiles,
                        c -> {
                            leaseIds.add(c.leaseId());
                            // its URL and password masked before any variable holds them, whichever fields the specs
                            // bind (an SSH certificate has none: it proves nothing without the key)
                            List<String> forms = new ArrayList<>();
                            for (String v : c.secretValues()) {
                                forms.add(v);
                                forms.addAll(BambooMasking.extraForms(v));
                            }
                            addForms(vars, names, "dynamic." + SecretSpec.deriveEnvName(name), forms);
                            for (String w : c.warnings()) {
                                log.info("Segura: warning from the broker: " + w);
                            }
                            log.info("Segura: dynamic secret " + c.name() + ": lease " + c.leaseId() + " ends "
                                    + c.expiresAt() + (c.ssh() ? " (certificate serial " + c.fields().get("serial")
                                    + ")" : "") + ".");
                        });
                if (credential.ssh()) {
                    log.info("Segura: " + name + ": key and certificate in " + sshDirectory + "; the final task"
                            + " \"Segura: revoke\" deletes them.");
                }
                return credential;
            }, (spec, credential, value) -> {
                vars.addLocal(spec.envName(), value);
                names.add(spec.envName());
                log.info("Segura: " + spec.ref() + " → ${bamboo." + spec.envName() + "} (env bamboo_"
                        + spec.envName().replace('.', '_') + ")");
            });
            if (ssh) {
                // should a Script task print a key file (Bamboo masks by variable, line by line)
                addForms(vars, names, "ssh.key", sshFiles.privateKeyLines());
            }
        } catch (BrokerException | IOException e) {
            // the session's revocation also ends every dynamic credential created so far
            revokeNow(broker, session, log);
            closeQuietly(sshFiles);
            deleteQuietly(store, entry);
            names.forEach(vars::removeLocal);
            throw e instanceof BrokerException b ? Diagnosis.dynamic(b, url, role, requesting[0])
                    : new TaskFailure("The broker's answer for dynamic:" + requesting[0] + " cannot be used: "
                            + e.getMessage() + ".");
        }
        try {
            store.save(entry.withLease(String.join(", ", leaseIds), names));
        } catch (IOException e) {
            revokeNow(broker, session, log);
            deleteQuietly(store, entry);
            names.forEach(vars::removeLocal);
            closeQuietly(sshFiles);
            throw new TaskFailure("Cannot record the lease for the revoke task: " + e.getMessage() + ". Fix: make the"
                    + " job's working directory writable by the agent.");
        }
        log.info("Segura: the final task \"Segura: revoke\" ends " + (leaseIds.size() == 1 ? "the lease"
                : "the leases") + " with the job.");
    }

    /** Registers {@code forms} as masked variables {@code segura.secret.mask.<base>.<n>}, noting their names. */
    private static void addForms(RuntimeVariables vars, List<String> names, String base, List<String> forms) {
        int n = 0;
        for (String form : forms) {
            String formName = BambooMasking.FORM_PREFIX + base + "." + (++n);
            vars.addLocal(formName, form);
            names.add(formName);
        }
    }

    /** The spec a leased secret answers: the broker answers in request order; the path confirms it. */
    private static SecretSpec specFor(List<SecretSpec> specs, LeasedSecret s, int index) throws TaskFailure {
        if (index < specs.size() && specs.get(index).path().equals(s.path())) {
            return specs.get(index);
        }
        return specs.stream().filter(x -> x.path().equals(s.path())).findFirst().orElseThrow(() ->
                new TaskFailure("The broker answered a secret the task did not ask for (" + s.path() + ")."));
    }

    BrokerClient client(URI url) throws TaskFailure {
        try {
            return new BrokerClient(url, BrokerClient.httpClient(null, null, null), retry, null);
        } catch (IOException e) {
            throw new TaskFailure("Cannot set up HTTPS to the broker: " + e.getMessage() + ".");
        }
    }

    private static void revokeNow(BrokerClient broker, Session session, BuildLog log) throws InterruptedException {
        try {
            broker.revoke(session);
            log.info("Segura: the session was revoked because the task failed.");
        } catch (BrokerException e) {
            log.error("Segura: revoking the session after the failure did not work either (" + e.getMessage()
                    + "); it ends by itself at " + session.expiresAt() + ".");
        }
    }

    /** Deletes the SSH key and certificate files of a task that failed (its certificates are revoked already). */
    private static void closeQuietly(SshCertificateFiles sshFiles) {
        if (sshFiles != null) {
            sshFiles.close();
        }
    }

    private static void deleteQuietly(SessionStore store, SessionStore.Entry entry) {
        try {
            store.delete(entry);
        } catch (IOException e) {
            // the revoke task finds the file and revokes an already revoked session: not an error (RFC 7009)
        }
    }
}
