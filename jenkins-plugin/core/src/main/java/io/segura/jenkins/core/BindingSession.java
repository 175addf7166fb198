// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.DynamicCredential;
import io.segura.client.DynamicSpecs;
import io.segura.client.Lease;
import io.segura.client.LeasedSecret;
import io.segura.client.SecretSpec;
import io.segura.client.Session;
import io.segura.client.masking.Masker;
import io.segura.client.platform.Identity;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * One {@code withSegura} block, from the exchange to the revocation (DESIGN §12): resolves the job's identity from
 * its credentials, exchanges it for a broker session of the role, leases the secrets, requests the dynamic secrets
 * ({@code dynamic:NAME[.FIELD] > ENV}, DESIGN §6a: a fresh database user each, or an SSH certificate for a key pair
 * made where the block's steps run, {@link SshFiles}; all under leases of the same session), gives their values as
 * environment variables and a log masker, renews the lease in the background within the role's caps, and on
 * {@link #close()} deletes the SSH key and certificate files and revokes the session — with every lease it holds, so
 * the broker drops the database users and puts the certificates' serials into its KRL. The adapter calls
 * {@code close()} however the block ends (success, failure, abort); it is idempotent.
 *
 * <p>A JVM that dies inside the block (killed, crashed) cannot revoke. For that the adapter persists
 * {@link #revocationToken()} (Jenkins: as a {@code Secret} in the build's program state) and calls
 * {@link #revoke(BrokerSettings, String, PrintStream)} when the build resumes and the block ends; without a resume
 * the broker ends the session and its leases at the role's {@code session-ttl}.
 *
 * <p>Nothing here writes a value, a token or a password to the log or into an exception.
 */
public final class BindingSession implements AutoCloseable {

    private final BrokerClient client;
    private final Session session;
    private final Lease lease;
    private final List<DynamicCredential> dynamic;
    private final Map<String, String> environment;
    private final List<String> maskedValues;
    private final Masker masker;
    private final LeaseKeeper keeper;
    private final SshFiles sshFiles;
    private final PrintStream log;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BindingSession(BrokerClient client, Session session, Lease lease, List<DynamicCredential> dynamic,
            Map<String, String> environment, List<String> maskedValues, Masker masker, LeaseKeeper keeper,
            SshFiles sshFiles, PrintStream log) {
        this.client = client;
        this.session = session;
        this.lease = lease;
        this.dynamic = List.copyOf(dynamic);
        this.environment = Collections.unmodifiableMap(environment);
        this.maskedValues = List.copyOf(maskedValues);
        this.masker = masker;
        this.keeper = keeper;
        this.sshFiles = sshFiles;
        this.log = log;
    }

    /**
     * Opens the block: identity, exchange, lease. On any failure after the exchange the session is revoked before
     * the exception leaves, so a failed start leaves no lease behind.
     *
     * @param defaultCredentialsId the configured default, used when the request names no credentials (may be null)
     * @param log                  the build log, for one summary line and warnings (paths and lease ids only)
     * @throws BindingException    with the reason and the fix
     */
    public static BindingSession open(BrokerSettings settings, BindingRequest request, String defaultCredentialsId,
            CredentialLookup credentials, PrintStream log) throws BindingException, InterruptedException {
        return open(settings, request, defaultCredentialsId, credentials, null, log);
    }

    /**
     * As {@link #open(BrokerSettings, BindingRequest, String, CredentialLookup, PrintStream)}, for a block whose
     * SSH certificates ({@code dynamic:ssh/…}) get their key pairs and files in {@code sshFiles}: the machine where
     * its steps run. A failure after the first file is written deletes the files too.
     *
     * @param sshFiles where SSH keys and certificates go, or null when the block has no place for them (no
     *                 workspace): a {@code dynamic:ssh/…} spec is then refused before anything is sent
     */
    public static BindingSession open(BrokerSettings settings, BindingRequest request, String defaultCredentialsId,
            CredentialLookup credentials, SshFiles sshFiles, PrintStream log)
            throws BindingException, InterruptedException {
        Objects.requireNonNull(settings, "settings cannot be null");
        Objects.requireNonNull(request, "request cannot be null");
        Objects.requireNonNull(credentials, "credentials cannot be null");
        Objects.requireNonNull(log, "log cannot be null");
        if (sshFiles == null && !request.sshCertificates().isEmpty()) {
            String ref = request.sshCertificates().get(0).ref();
            throw new BindingException(BindingException.Reason.CONFIGURATION, "withSegura: secrets: " + ref + ": an"
                    + " SSH certificate's key and certificate files are written in the workspace of the agent where"
                    + " the block's steps run, and this block has no workspace. Fix: put withSegura inside"
                    + " node { … }");
        }
        String credentialsId = request.credentialsId() != null ? request.credentialsId()
                : defaultCredentialsId == null || defaultCredentialsId.isBlank() ? null : defaultCredentialsId.trim();
        if (credentialsId == null) {
            throw new BindingException(BindingException.Reason.CONFIGURATION, "withSegura: no credentials to"
                    + " authenticate to the broker. Fix: pass credentialsId: '<id>' to the step, or set a default"
                    + " credentials id under Manage Jenkins » System » Segura (JCasC:"
                    + " unclassified.segura.credentialsId)");
        }
        JobIdentity identity = identity(credentials, credentialsId);
        HttpClient http = settings.httpClient(identity, credentialsId);
        BrokerClient client = new BrokerClient(settings.url(), http, settings.retry(), null);
        Session session;
        try {
            session = client.exchange(presented(identity, credentialsId), request.role());
        } catch (BrokerException e) {
            throw Refusals.exchange(e, settings.url(), request.role(), credentialsId, identity);
        }
        List<SecretSpec> statics = request.secrets().stream().filter(s -> !s.dynamic()).toList();
        String refs = statics.stream().map(SecretSpec::ref).collect(Collectors.joining(", "));
        try {
            Map<String, String> values = new LinkedHashMap<>();
            List<String> masked = new ArrayList<>();
            Masker.Builder masks = Masker.builder();
            Lease lease = null;
            if (!statics.isEmpty()) {
                try {
                    lease = client.lease(session, statics, request.ttl());
                } catch (BrokerException e) {
                    throw Refusals.lease(e, settings.url(), session.role(), refs);
                }
                for (SecretSpec spec : statics) {
                    LeasedSecret s = lease.secrets().stream()
                            .filter(l -> l.path().equals(spec.path())
                                    && (spec.version() == null || l.version() == spec.version()))
                            .findFirst()
                            .orElseThrow(() -> new BindingException(BindingException.Reason.UNAVAILABLE,
                                    "withSegura: the broker's lease has no value for " + spec.ref()));
                    values.put(spec.envName(), s.value());
                    masks.add(s.path(), s.value());
                    masked.add(s.value());
                }
                lease.warnings().forEach(w -> log.println("withSegura: warning: " + w));
            }
            List<DynamicCredential> created = dynamic(client, session, settings, request, sshFiles, log, values);
            for (DynamicCredential c : created) {
                // as segura-cli exec: the URL and the password, never the user name, host, port or database
                c.secretValues().forEach(v -> masks.add("dynamic:" + c.name(), v));
                masked.addAll(c.secretValues());
            }
            if (sshFiles != null) {
                // should a step print a key file made for the block (a certificate proves nothing without it)
                for (String line : sshFiles.privateKeyLines()) {
                    masks.add("ssh private key", line);
                    masked.add(line);
                }
            }
            Masker masker = masks.build();
            masker.warnings().forEach(w -> log.println("withSegura: warning: " + w));
            // the variables in the order the step lists them, static and dynamic alike
            Map<String, String> env = new LinkedHashMap<>();
            request.secrets().forEach(spec -> env.put(spec.envName(), values.get(spec.envName())));
            if (lease != null) {
                log.println("withSegura: leased " + refs + " as " + String.join(", ", statics.stream()
                        .map(SecretSpec::envName).toList()) + " (role " + session.role() + ", lease "
                        + lease.leaseId() + " until " + lease.expiresAt() + ")");
            }
            LeaseKeeper keeper = lease == null ? null : LeaseKeeper.start(client, session, lease, request.ttl(), log);
            return new BindingSession(client, session, lease, created, env, masked, masker, keeper, sshFiles, log);
        } catch (BindingException | InterruptedException | RuntimeException e) {
            // also ends every dynamic credential created so far: they are leases of this session
            deleteQuietly(sshFiles, log);
            revokeQuietly(client, session, log);
            throw e;
        }
    }

    /**
     * Requests the block's dynamic secrets under its session, one credential per name however many specs name it
     * (the shared {@link DynamicSpecs}, as {@code segura-cli exec} does), and puts each spec's value into
     * {@code values}. An SSH certificate's key is made, and its files written, in {@code sshFiles}. A dynamic lease is
     * not renewable: it ends with the session when the block ends.
     */
    private static List<DynamicCredential> dynamic(BrokerClient client, Session session, BrokerSettings settings,
            BindingRequest request, SshFiles sshFiles, PrintStream log, Map<String, String> values)
            throws BindingException, InterruptedException {
        List<DynamicCredential> credentials = new ArrayList<>();
        String[] requesting = new String[1];
        try {
            DynamicSpecs.request(request.secrets(), name -> {
                requesting[0] = name;
                DynamicCredential c = DynamicSpecs.request(client, session, name, request.ttl(), sshFiles, issued -> {
                    issued.warnings().forEach(w -> log.println("withSegura: warning: " + w));
                    log.println("withSegura: dynamic secret " + issued.name() + ": lease " + issued.leaseId()
                            + " until " + issued.expiresAt() + (issued.ssh() ? " (certificate serial "
                            + issued.fields().get("serial") + ")" : ""));
                });
                credentials.add(c);
                if (c.ssh()) {
                    log.println("withSegura: " + c.name() + ": key and certificate in " + sshFiles.location());
                }
                return c;
            }, (spec, credential, value) -> values.put(spec.envName(), value));
        } catch (BrokerException e) {
            throw Refusals.dynamic(e, settings.url(), session.role(), requesting[0]);
        } catch (IOException e) {
            // a credential without the field a spec names (the message names the secret and its fields, no value),
            // or the agent could not make a key or write a file (paths only)
            throw new BindingException(BindingException.Reason.UNAVAILABLE, "withSegura: " + (requesting[0] == null
                    ? "" : "dynamic:" + requesting[0] + ": ") + e.getMessage());
        }
        return credentials;
    }

    private static JobIdentity identity(CredentialLookup credentials, String credentialsId)
            throws BindingException {
        Optional<JobIdentity> found;
        try {
            found = credentials.find(credentialsId);
        } catch (IOException e) {
            throw new BindingException(BindingException.Reason.CREDENTIALS, "withSegura: credentials '"
                    + credentialsId + "' cannot be read (" + e.getClass().getSimpleName() + "). Fix: check the"
                    + " credential under Manage Jenkins » Credentials (a Certificate needs a PKCS#12 file and its"
                    + " password)");
        }
        return found.orElseThrow(() -> new BindingException(BindingException.Reason.CREDENTIALS,
                "withSegura: credentials '" + credentialsId + "' not found, or not of a kind Segura uses. Fix: add"
                        + " a credential with this id that the job can see (Manage Jenkins » Credentials, or the"
                        + " folder's credentials) as \"Username with password\" (broker client id and secret),"
                        + " \"Certificate\" (PKCS#12, mTLS) or \"OpenID Connect id token\" (oidc-provider plugin)"
                        + " — or correct credentialsId"));
    }

    private static Identity presented(JobIdentity identity, String credentialsId) throws BindingException {
        if (identity instanceof JobIdentity.ClientSecret) {
            JobIdentity.ClientSecret cs = (JobIdentity.ClientSecret) identity;
            return new Identity.ClientSecret(cs.clientId(), cs.clientSecret());
        }
        if (identity instanceof JobIdentity.KeyStoreCertificate) {
            // the HTTP client presents the certificate; the broker finds the client by its subject
            return new Identity.PresentedCertificate(null);
        }
        String token;
        try {
            token = ((JobIdentity.IdToken) identity).source().idToken();
        } catch (IOException e) {
            throw new BindingException(BindingException.Reason.CREDENTIALS, "withSegura: the id token credential '"
                    + credentialsId + "' could not mint a token (" + e.getClass().getSimpleName() + "). Fix: check"
                    + " the oidc-provider credential and its issuer configuration");
        }
        if (token == null || token.isBlank()) {
            throw new BindingException(BindingException.Reason.CREDENTIALS, "withSegura: the id token credential '"
                    + credentialsId + "' gave an empty token. Fix: use an oidc-provider \"OpenID Connect id token\""
                    + " credential");
        }
        return new Identity.OidcToken(token.strip());
    }

    /** Variable name → value, in the order of the request. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The variable names, for Jenkins' sensitive-variable list (masked in {@code sh} traces and warnings). */
    public Set<String> sensitiveVariables() {
        return environment.keySet();
    }

    /**
     * The values to mask, for adapters that must rebuild the masker elsewhere (a Jenkins agent): every static value,
     * and the URL and password of every dynamic credential (not its user name, host, port or database).
     */
    public List<String> values() {
        return maskedValues;
    }

    /** The masker of every leased value and its encoded forms. */
    public Masker masker() {
        return masker;
    }

    /** {@code log} wrapped in this block's masker. */
    public OutputStream mask(OutputStream log) {
        return LogMasking.mask(log, masker);
    }

    /** The static secrets' lease, or null when the block asked only for dynamic secrets. */
    public String leaseId() {
        return lease == null ? null : lease.leaseId();
    }

    /** The leases of the block's dynamic secrets (one per name), in the order the step lists them. */
    public List<String> dynamicLeaseIds() {
        return dynamic.stream().map(DynamicCredential::leaseId).toList();
    }

    /** The static lease's end as last confirmed by the broker (moves when renewed), or null without one. */
    public Instant leaseExpiresAt() {
        return keeper == null ? null : keeper.expiresAt();
    }

    public Instant sessionExpiresAt() {
        return session.expiresAt();
    }

    /**
     * The session token, only for an adapter that must persist the means to revoke across a restart (Jenkins keeps
     * it as an encrypted {@code Secret}). Never log it.
     */
    public String revocationToken() {
        return session.token();
    }

    /** The renewer (null without a static lease), for tests that renew on demand instead of waiting. */
    LeaseKeeper keeper() {
        return keeper;
    }

    /**
     * Ends the block: stops renewing and revokes the session and all its leases — the broker drops every dynamic
     * secret's database user before it answers. A failed revocation is a warning in the log (the session still ends
     * at its TTL, and a dynamic credential at its lease's end), never an exception. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (keeper != null) {
            keeper.stop();
        }
        if (sshFiles != null && deleteQuietly(sshFiles, log) && dynamic.stream().anyMatch(DynamicCredential::ssh)) {
            log.println("withSegura: deleted the SSH key and certificate files in " + sshFiles.location());
        }
        if (revokeQuietly(client, session, log)) {
            List<String> ids = new ArrayList<>();
            if (lease != null) {
                ids.add(lease.leaseId());
            }
            ids.addAll(dynamicLeaseIds());
            log.println("withSegura: revoked " + (ids.size() == 1 ? "lease " : "leases ") + String.join(", ", ids)
                    + " and its session");
        }
    }

    /**
     * Revokes a session from its persisted token — after a restart, or by a clean-up step after the JVM that held
     * the block died. RFC 7009: a session the broker no longer knows (revoked, expired) is not an error.
     *
     * @return whether the broker confirmed the revocation
     */
    public static boolean revoke(BrokerSettings settings, String sessionToken, PrintStream log)
            throws InterruptedException {
        Objects.requireNonNull(sessionToken, "sessionToken cannot be null");
        BrokerClient client;
        try {
            client = new BrokerClient(settings.url(), settings.httpClient(null, null), settings.retry(), null);
        } catch (BindingException e) {
            log.println("withSegura: warning: could not revoke the session: " + e.getMessage());
            return false;
        }
        try {
            client.revoke(sessionToken);
            return true;
        } catch (BrokerException e) {
            log.println("withSegura: warning: could not revoke the session (it ends at its TTL): " + e.getMessage());
            return false;
        }
    }

    /** Deletes the block's SSH files, also while the thread is interrupted (an abort); a failure is a warning. */
    private static boolean deleteQuietly(SshFiles sshFiles, PrintStream log) {
        if (sshFiles == null) {
            return false;
        }
        boolean interrupted = Thread.interrupted();
        try {
            sshFiles.delete();
            return true;
        } catch (IOException | RuntimeException e) {
            log.println("withSegura: warning: could not delete the SSH key and certificate files in "
                    + sshFiles.location() + " (" + e.getClass().getSimpleName() + "); the certificate is revoked"
                    + " with the session and expires by itself");
            return false;
        } catch (InterruptedException e) {
            interrupted = true;
            log.println("withSegura: warning: interrupted while deleting the SSH key and certificate files in "
                    + sshFiles.location());
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean revokeQuietly(BrokerClient client, Session session, PrintStream log) {
        boolean interrupted = Thread.interrupted();
        try {
            client.revoke(session);
            return true;
        } catch (BrokerException e) {
            log.println("withSegura: warning: could not revoke the session (it ends at " + session.expiresAt()
                    + "): " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            interrupted = true;
            log.println("withSegura: warning: interrupted while revoking the session (it ends at "
                    + session.expiresAt() + ")");
            return false;
        } finally {
            if (interrupted) {
                // an aborted build interrupts this thread: revoke first, then keep the interrupt for the caller
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "BindingSession[lease=" + leaseId() + ", dynamic=" + dynamicLeaseIds() + ", variables="
                + environment.keySet() + ", closed="
                + closed.get() + "]";
    }
}
