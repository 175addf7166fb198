// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
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
 * its credentials, exchanges it for a broker session of the role, leases the secrets, gives their values as
 * environment variables and a log masker, renews the lease in the background within the role's caps, and revokes
 * the session — with every lease it holds — on {@link #close()}, which the adapter calls however the block ends
 * (success, failure, abort). {@code close()} is idempotent.
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
    private final Map<String, String> environment;
    private final Masker masker;
    private final LeaseKeeper keeper;
    private final PrintStream log;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BindingSession(BrokerClient client, Session session, Lease lease, Map<String, String> environment,
            Masker masker, LeaseKeeper keeper, PrintStream log) {
        this.client = client;
        this.session = session;
        this.lease = lease;
        this.environment = Collections.unmodifiableMap(environment);
        this.masker = masker;
        this.keeper = keeper;
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
        Objects.requireNonNull(settings, "settings cannot be null");
        Objects.requireNonNull(request, "request cannot be null");
        Objects.requireNonNull(credentials, "credentials cannot be null");
        Objects.requireNonNull(log, "log cannot be null");
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
        String refs = request.secrets().stream().map(SecretSpec::ref).collect(Collectors.joining(", "));
        try {
            Lease lease;
            try {
                lease = client.lease(session, request.secrets(), request.ttl());
            } catch (BrokerException e) {
                throw Refusals.lease(e, settings.url(), session.role(), refs);
            }
            Map<String, String> env = new LinkedHashMap<>();
            Masker.Builder masks = Masker.builder();
            for (SecretSpec spec : request.secrets()) {
                LeasedSecret s = lease.secrets().stream()
                        .filter(l -> l.path().equals(spec.path())
                                && (spec.version() == null || l.version() == spec.version()))
                        .findFirst()
                        .orElseThrow(() -> new BindingException(BindingException.Reason.UNAVAILABLE,
                                "withSegura: the broker's lease has no value for " + spec.ref()));
                env.put(spec.envName(), s.value());
                masks.add(s.path(), s.value());
            }
            Masker masker = masks.build();
            lease.warnings().forEach(w -> log.println("withSegura: warning: " + w));
            masker.warnings().forEach(w -> log.println("withSegura: warning: " + w));
            log.println("withSegura: leased " + refs + " as " + String.join(", ", env.keySet()) + " (role "
                    + session.role() + ", lease " + lease.leaseId() + " until " + lease.expiresAt() + ")");
            LeaseKeeper keeper = LeaseKeeper.start(client, session, lease, request.ttl(), log);
            return new BindingSession(client, session, lease, env, masker, keeper, log);
        } catch (BindingException | InterruptedException | RuntimeException e) {
            revokeQuietly(client, session, log);
            throw e;
        }
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

    /** The leased values, for adapters that must rebuild the masker elsewhere (a Jenkins agent). */
    public List<String> values() {
        return List.copyOf(environment.values());
    }

    /** The masker of every leased value and its encoded forms. */
    public Masker masker() {
        return masker;
    }

    /** {@code log} wrapped in this block's masker. */
    public OutputStream mask(OutputStream log) {
        return LogMasking.mask(log, masker);
    }

    public String leaseId() {
        return lease.leaseId();
    }

    /** The lease's end as last confirmed by the broker (moves when the lease is renewed). */
    public Instant leaseExpiresAt() {
        return keeper.expiresAt();
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

    /** The renewer, for tests that renew on demand instead of waiting. */
    LeaseKeeper keeper() {
        return keeper;
    }

    /**
     * Ends the block: stops renewing and revokes the session and all its leases. A failed revocation is a warning in
     * the log (the session still ends at its TTL), never an exception. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        keeper.stop();
        if (revokeQuietly(client, session, log)) {
            log.println("withSegura: revoked lease " + lease.leaseId() + " and its session");
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
        return "BindingSession[lease=" + lease.leaseId() + ", variables=" + environment.keySet() + ", closed="
                + closed.get() + "]";
    }
}
