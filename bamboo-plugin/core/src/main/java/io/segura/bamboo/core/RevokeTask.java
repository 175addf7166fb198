// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.RetryPolicy;
import io.segura.client.ssh.SshCertificateFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * "Segura: revoke", meant to be the job's <em>final</em> task: Bamboo runs final tasks even when an earlier task
 * failed. It revokes every session the job's lease tasks recorded ({@code POST /oauth2/revoke}: the session and all
 * its leases, DESIGN §5; the broker drops the database users and puts the SSH certificates' serials into the KRL),
 * deletes the SSH key and certificate files the lease task wrote, removes their variables from the job, and deletes
 * the records. A session the broker no longer knows is not an error (RFC 7009). When the broker cannot be reached
 * the task fails and says when the leases end by themselves.
 */
public final class RevokeTask {

    private final RetryPolicy retry;

    public RevokeTask(RetryPolicy retry) {
        this.retry = Objects.requireNonNull(retry, "retry cannot be null");
    }

    public TaskOutcome execute(TaskRun run) throws InterruptedException {
        BuildLog log = run.log();
        SessionStore store = new SessionStore(run.workingDirectory());
        List<String> unreadable = new ArrayList<>();
        List<SessionStore.Entry> entries;
        try {
            entries = store.list(unreadable);
        } catch (IOException e) {
            log.error("Segura: cannot read the job's sessions under " + run.workingDirectory().resolve(
                    SessionStore.DIRECTORY) + ": " + e.getMessage() + ". They end by themselves at their session-ttl.");
            return TaskOutcome.FAILED;
        }
        boolean ok = unreadable.isEmpty();
        for (String f : unreadable) {
            log.error("Segura: the session record " + f + " was damaged and is deleted; its session ends by itself"
                    + " at its session-ttl.");
        }
        if (entries.isEmpty() && ok) {
            log.info("Segura: no session to revoke in this job (no lease task ran, or it failed and revoked its own).");
            return TaskOutcome.SUCCESS;
        }
        for (SessionStore.Entry e : entries) {
            e.variables().forEach(run.variables()::removeLocal);
            ok &= deleteSshFiles(e, log);
            try {
                URI url = URI.create(e.broker());
                new BrokerClient(url, BrokerClient.httpClient(null, null, null), retry, null).revoke(e.token());
                log.info("Segura: session for role " + e.role() + " revoked" + (e.leaseId() == null ? ""
                        : " with lease " + e.leaseId()) + ".");
            } catch (BrokerException ex) {
                ok = false;
                log.error("Segura: " + Diagnosis.revoke(ex, URI.create(e.broker()), e.expiresAt()).getMessage());
            } catch (IOException | IllegalArgumentException ex) {
                ok = false;
                log.error("Segura: cannot reach the broker recorded for the session (" + ex.getMessage() + "); it"
                        + " ends by itself at " + e.expiresAt() + ".");
            } finally {
                try {
                    store.delete(e);
                } catch (IOException ex) {
                    ok = false;
                    log.error("Segura: cannot delete " + e.file() + ": " + ex.getMessage() + ". Delete it: it holds"
                            + " the session token until " + e.expiresAt() + ".");
                }
            }
        }
        return ok ? TaskOutcome.SUCCESS : TaskOutcome.FAILED;
    }

    /** Deletes the entry's SSH key and certificate files first, so that a revoke that fails leaves no key behind. */
    private static boolean deleteSshFiles(SessionStore.Entry e, BuildLog log) {
        if (e.sshDirectory() == null) {
            return true;
        }
        SshCertificateFiles files = SshCertificateFiles.in(Path.of(e.sshDirectory()), new SecureRandom());
        files.close();
        if (!files.deleted()) {
            log.error("Segura: cannot delete the SSH key and certificate files in " + e.sshDirectory() + ". Delete"
                    + " them; the certificate is revoked with the session and expires by itself.");
            return false;
        }
        log.info("Segura: deleted the SSH key and certificate files in " + e.sshDirectory() + ".");
        return true;
    }
}
