// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import io.micrometer.core.instrument.MeterRegistry;
import io.segura.broker.admin.MasterKeyRotation;
import io.segura.broker.admin.SecretAdministration;
import io.segura.broker.audit.AuditChainer;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.audit.AuditVerifier;
import io.segura.broker.config.SshEngineSpec;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.broker.database.DatabaseDeadline;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.dev.DevIssuer;
import io.segura.broker.dynamic.ssh.SshCertificateAuthority;
import io.segura.broker.dynamic.ssh.SshEngine;
import io.segura.broker.dynamic.ssh.SshCertificateStore;
import io.segura.broker.exchange.ClientCredentialsService;
import io.segura.broker.anomaly.AnomalyBlocks;
import io.segura.broker.anomaly.AnomalyDetection;
import io.segura.broker.export.Exports;
import io.segura.broker.exchange.ExchangeMetrics;
import io.segura.broker.exchange.RateLimiter;
import io.segura.broker.exchange.TokenExchangeService;
import io.segura.broker.tls.ClientCertificateCheck;
import io.segura.broker.trust.TrustRoles;
import io.segura.broker.federation.IssuerKeys;
import io.segura.broker.federation.MutableBindingLint;
import io.segura.broker.federation.TokenVerifier;
import io.segura.broker.lease.LeaseExplainer;
import io.segura.broker.lease.LeaseMetrics;
import io.segura.broker.lease.SessionAdmission;
import io.segura.broker.lease.LeaseService;
import io.segura.broker.lease.LeaseStore;
import io.segura.broker.policy.CelExpressions;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.policy.PolicyLint;
import io.segura.broker.session.ReplayStore;
import io.segura.broker.session.SessionIssuer;
import io.segura.broker.session.SessionStore;
import io.segura.broker.usage.UsageQuery;
import io.segura.broker.database.DatabaseUrl;
import io.segura.broker.lease.SessionRevocations;
import io.segura.broker.trust.Admission;
import io.segura.broker.trust.IdentityTokens;
import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.RekeyJobs;
import io.segura.broker.vault.SecretStore;
import io.segura.broker.config.DynamicSpec;
import io.segura.broker.dynamic.DynamicCredentialStore;
import io.segura.broker.dynamic.DynamicEngine;
import io.segura.broker.dynamic.DynamicEngines;
import io.segura.broker.dynamic.DynamicRevoker;
import io.segura.broker.dynamic.DynamicSecrets;
import io.segura.broker.dynamic.database.DatabaseEngine;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.SecretValue;
import io.segura.broker.sync.SyncService;
import io.segura.broker.sync.SyncSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import java.security.SecureRandom;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import tools.jackson.databind.json.JsonMapper;

/** Wires the capabilities together: trust config → federation → exchange → sessions → leases ← vault, audit. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BrokerSettings.class)
public class BrokerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(BrokerConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }

    @Bean
    TrustConfig trustConfig(BrokerSettings settings) {
        if (settings.config() == null || settings.config().isBlank()) {
            throw new IllegalStateException("SEGURA_CONFIG is not set: point it at the trust config YAML"
                    + " (issuers, roles, policies, clients), or start with --dev for a sample one");
        }
        TrustConfig config = TrustConfigLoader.load(Path.of(settings.config()));
        MutableBindingLint.warnings(config).forEach(w -> log.warn("config lint: {}", w));
        log.info("trust config {}: {} issuers, {} roles, {} policies, {} clients", config.file(),
                config.issuers().size(), config.roles().size(), config.policies().size(), config.clients().size());
        return config;
    }

    @Bean
    CelExpressions celExpressions() {
        return new CelExpressions();
    }

    /** Compiles every CEL condition and policy now, so a broken expression stops the start, not a deployment. */
    @Bean
    DeploymentGate deploymentGate(TrustConfig config, CelExpressions cel) {
        DeploymentGate gate = DeploymentGate.compile(config, cel);
        PolicyLint.warnings(config, gate).forEach(w -> log.warn("config lint: {}", w));
        return gate;
    }

    @Bean
    TrustRoles trustRoles(TrustConfig config) {
        return TrustRoles.compile(config);
    }

    @Bean
    KeyRing keyRing(BrokerSettings settings) {
        KeyRing ring = KeyRing.configured(settings.masterKey(), settings.masterKeyFile(), settings.masterKeyPrevious(),
                settings.masterKeyPreviousFile());
        log.info("master key ring: current key {}, {} previous", ring.current().id(),
                ring.ids().subList(1, ring.ids().size()));
        return ring;
    }

    @Bean
    SecretStore secretStore(DatabaseClient db, TransactionalOperator tx, KeyRing keys, Clock clock,
            SecureRandom random, DatabaseDeadline deadline) {
        return new SecretStore(db, tx, keys, clock, random, deadline);
    }

    /**
     * Refuses to start when a version is sealed under a key this broker does not hold (a wrong or missing key). This
     * is the start-up's first read through the pool: beside a busy or just restarted PostgreSQL, opening the first
     * connections can take longer than a request's 3 s acquire budget, so a transient failure (an acquire or connect
     * timeout) is tried again until the start-up's own deadline instead of ending the process.
     */
    @Bean
    RekeyJobs rekeyJobs(DatabaseClient db, TransactionalOperator tx, KeyRing keys, SecureRandom random,
            BrokerSettings settings) {
        RekeyJobs jobs = new RekeyJobs(db, tx, keys, random);
        jobs.requireEveryKeyHeld()
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2))
                        .filter(BrokerConfiguration::transientDatabaseFailure)
                        .doBeforeRetry(r -> log.info("database not reachable yet at start-up ({}); trying again",
                                r.failure().toString())))
                .block(settings.databaseTimeout().multipliedBy(3));
        return jobs;
    }

    /** A failure R2DBC calls transient (such as the pool's acquire timeout) anywhere in the cause chain. */
    static boolean transientDatabaseFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.r2dbc.spi.R2dbcTransientException) {
                return true;
            }
        }
        return false;
    }

    @Bean(initMethod = "startWorker", destroyMethod = "stopWorker")
    MasterKeyRotation masterKeyRotation(RekeyJobs jobs, AuditLog audit, Clock clock, BrokerSettings settings,
            SecureRandom random) {
        return new MasterKeyRotation(jobs, audit, clock, settings.sweepInterval(), settings.rekeyClaimTtl(),
                settings.rekeyPageSize(), random);
    }

    @Bean
    AuditLog auditLog(DatabaseClient db, MeterRegistry registry) {
        return new AuditLog(db, registry);
    }

    @Bean(destroyMethod = "stop")
    AuditChainer auditChainer(DatabaseClient db, TransactionalOperator tx, BrokerSettings settings) {
        AuditChainer chainer = new AuditChainer(db, tx);
        chainer.start(settings.sweepInterval());
        return chainer;
    }

    /** The outbox's delivery (DESIGN §8a): cursors for the configured sinks, then a worker every sweep interval. */
    @Bean(destroyMethod = "stop")
    Exports exports(TrustConfig config, DatabaseClient db, TransactionalOperator tx, AuditQuery query,
            SecretStore secrets, MeterRegistry registry, JsonMapper json, Clock clock, SecureRandom random,
            BrokerSettings settings) {
        String version = Exports.class.getPackage().getImplementationVersion();
        Exports exports = new Exports(config.exports(), db, tx, query, secrets, registry, json, clock, random,
                version == null ? "dev" : version);
        exports.start(settings.sweepInterval());
        return exports;
    }

    /** The anomaly blocks in force (PostgreSQL, read into memory every sweep; docs/EXPORTS.md). */
    @Bean
    AnomalyBlocks anomalyBlocks(DatabaseClient db, TransactionalOperator tx, SessionRevocations revocations,
            Clock clock, BrokerSettings settings) {
        Duration settle = settings.sweepInterval().multipliedBy(5);
        return new AnomalyBlocks(db, tx, revocations, clock, settle.compareTo(Duration.ofSeconds(2)) < 0
                ? Duration.ofSeconds(2) : settle);
    }

    /** Anomaly detection off the audit outbox, when the trust YAML asks for it (docs/EXPORTS.md). */
    @Bean(destroyMethod = "stop")
    AnomalyDetection anomalyDetection(TrustConfig config, DatabaseClient db, TransactionalOperator tx,
            AuditQuery query, AnomalyBlocks blocks, Clock clock, BrokerSettings settings) {
        AnomalyDetection detection = new AnomalyDetection(config, db, tx, query, blocks, clock);
        detection.start(settings.sweepInterval());
        return detection;
    }

    @Bean
    AuditVerifier auditVerifier(DatabaseClient db) {
        return new AuditVerifier(db);
    }

    @Bean
    AuditQuery auditQuery(DatabaseClient db) {
        return new AuditQuery(db);
    }

    @Bean
    UsageQuery usageQuery(DatabaseClient db) {
        return new UsageQuery(db);
    }

    @Bean
    SyncSettings syncSettings(org.springframework.core.env.Environment env) {
        return SyncSettings.from(env);
    }

    @Bean
    SessionRevocations sessionRevocations(DatabaseClient db, TransactionalOperator tx, SessionStore sessions,
            JsonMapper json, Clock clock, DynamicRevoker revoker) {
        return new SessionRevocations(db, tx, sessions, json, clock, revoker::revokeEnded);
    }

    @Bean
    SessionStore sessionStore(DatabaseClient db, JsonMapper json, DatabaseDeadline deadline) {
        return new SessionStore(db, json, deadline);
    }

    @Bean
    SessionAdmission sessionAdmission(SessionStore sessions, AuditLog audit, LeaseMetrics metrics, Clock clock) {
        return new SessionAdmission(sessions, audit, metrics, clock);
    }

    @Bean
    LeaseStore leaseStore(DatabaseClient db, JsonMapper json) {
        return new LeaseStore(db, json);
    }

    @Bean
    ReplayStore replayStore(DatabaseClient db) {
        return new ReplayStore(db);
    }

    @Bean
    IssuerKeys issuerKeys(TrustConfig config, Clock clock) {
        return new IssuerKeys(config.issuers(), clock);
    }

    @Bean
    TokenVerifier tokenVerifier(TrustConfig config, IssuerKeys keys, Clock clock) {
        return new TokenVerifier(config.issuers(), keys, clock);
    }

    /** Sessions and leases with their audit events (and jti rows): one transaction for every request in flight. */
    @Bean
    GroupCommit groupCommit(DatabaseClient db, TransactionalOperator tx, DatabaseDeadline deadline) {
        // Two transactions in flight keep PostgreSQL busy while the other's commit is flushed; more only adds
        // batches that are smaller (docs/PERFORMANCE.md).
        return new GroupCommit(new WriteStatements(db), tx, 64, 2, deadline);
    }

    @Bean
    ExchangeMetrics exchangeMetrics(MeterRegistry registry) {
        return new ExchangeMetrics(registry);
    }

    @Bean
    LeaseMetrics leaseMetrics(MeterRegistry registry) {
        return new LeaseMetrics(registry);
    }

    @Bean
    SessionIssuer sessionIssuer(SessionStore sessions, GroupCommit commits, Clock clock, SecureRandom random) {
        return new SessionIssuer(sessions, commits, clock, random);
    }

    /** The one place that decides admission into a trust role; every grant and the dry run ask it. */
    @Bean
    Admission admission(TrustRoles roles, DeploymentGate gate) {
        return new Admission(roles, gate);
    }

    @Bean
    IdentityTokens identityTokens(TokenVerifier verifier) {
        return new IdentityTokens(verifier);
    }

    @Bean
    TokenExchangeService tokenExchangeService(IdentityTokens tokens, Admission admission, SessionIssuer issuer,
            AuditLog audit, BrokerSettings settings, Clock clock, ExchangeMetrics metrics, AnomalyBlocks blocks) {
        return new TokenExchangeService(tokens, admission, issuer, audit, ipLimiter(settings, clock),
                new RateLimiter(settings.tokenRatePerSubject(), settings.tokenRatePerSubject() * 2, clock),
                metrics, blocks);
    }

    @Bean
    ClientCredentialsService clientCredentialsService(TrustConfig config, Admission admission,
            SessionIssuer issuer, AuditLog audit, BrokerSettings settings, Clock clock, ExchangeMetrics metrics,
            ClientCertificateCheck certificateCheck, AnomalyBlocks blocks) {
        return new ClientCredentialsService(config.clients(), admission, issuer, audit, ipLimiter(settings, clock),
                metrics, certificateCheck, blocks);
    }

    private static RateLimiter ipLimiter(BrokerSettings settings, Clock clock) {
        return new RateLimiter(settings.tokenRatePerIp(), settings.tokenRatePerIp() * 2, clock);
    }

    @Bean
    LeaseService leaseService(TrustRoles roles, SecretStore secrets, LeaseStore leases, SessionStore sessions,
            AuditLog audit, TransactionalOperator tx, GroupCommit commits, Clock clock, LeaseMetrics metrics,
            DeploymentGate gate, DynamicRevoker revoker) {
        return new LeaseService(roles, secrets, leases, sessions, audit, tx, commits, clock, metrics, gate,
                revoker::revokeEnded);
    }

    /**
     * The dynamic-secret engines of the trust config (DESIGN §6a): the database engines and the SSH certificate
     * authorities, behind one endpoint and one revocation path. The databases' admin passwords are read from the vault
     * at each use; a missing one answers 503 (an operator has to write it) rather than stopping the start.
     */
    @Bean
    DynamicEngines dynamicEngines(TrustConfig config, SecretStore secrets, SecureRandom random, Clock clock,
            SshCertificateAuthority sshCa) {
        Function<String, Mono<String>> vault = path -> secrets.read(path, null).map(SecretValue::value)
                .onErrorMap(SecretNotFoundException.class, e -> Refusal.unavailable("dynamic-engine-misconfigured",
                        "the engine's admin password is not in the vault at " + path + " yet",
                        Duration.ofSeconds(30)));
        List<DynamicEngine> engines = new ArrayList<>();
        for (DynamicSpec.DatabaseSpec d : config.dynamic().databases()) {
            engines.add(new DatabaseEngine(d, vault, random, clock));
        }
        for (SshEngineSpec e : config.dynamic().ssh()) {
            engines.add(new SshEngine(e, sshCa));
        }
        if (!engines.isEmpty()) {
            log.info("dynamic secrets: {}", engines.stream().map(e -> e.kind() + " " + e.name()).toList());
        }
        return new DynamicEngines(engines);
    }

    @Bean
    DynamicCredentialStore dynamicCredentialStore(DatabaseClient db, JsonMapper json) {
        return new DynamicCredentialStore(db, json);
    }

    @Bean
    DynamicRevoker dynamicRevoker(DynamicEngines engines, DynamicCredentialStore store, LeaseStore leases,
            AuditLog audit, TransactionalOperator tx, Clock clock) {
        return new DynamicRevoker(engines, store, leases, audit, tx, clock);
    }

    @Bean
    DynamicSecrets dynamicSecrets(TrustRoles roles, DynamicEngines engines, DynamicCredentialStore store,
            LeaseStore leases, AuditLog audit, GroupCommit commits, Clock clock) {
        return new DynamicSecrets(roles, engines, store, leases, audit, commits, clock);
    }

    @Bean
    LeaseExplainer leaseExplainer(TrustConfig config, Admission admission, IdentityTokens tokens,
            DeploymentGate gate, SecretStore secrets, Clock clock) {
        return new LeaseExplainer(config, admission, tokens, gate, secrets, clock);
    }

    @Bean(initMethod = "start", destroyMethod = "stop")
    BackgroundJobs backgroundJobs(LeaseService leases, DynamicRevoker dynamic, ReplayStore replay,
            BrokerSettings settings, Clock clock) {
        return new BackgroundJobs(leases, dynamic, replay, settings.sweepInterval(), clock);
    }

    @Bean
    SecretAdministration secretAdministration(SecretStore store, AuditLog audit, TransactionalOperator tx,
            SyncService sync) {
        return new SecretAdministration(store, audit, tx, sync);
    }

    /** The secret sync (docs/SYNC.md): its worker runs on every replica; no targets in the config, no loop. */
    @Bean(initMethod = "start", destroyMethod = "stop")
    SyncService syncService(TrustConfig config, DatabaseClient db, TransactionalOperator tx, SecretStore store,
            AuditLog audit, JsonMapper json, SyncSettings syncSettings, Clock clock, SecureRandom random) {
        return new SyncService(config, db, tx, store, audit, json, syncSettings, clock, random);
    }

    @Bean
    SshCertificateStore sshCertificateStore(DatabaseClient db) {
        return new SshCertificateStore(db);
    }

    /** The {@code ssh} engines' certificate authority; CA keys are read from (or generated into) the vault on use. */
    @Bean
    SshCertificateAuthority sshCertificateAuthority(TrustConfig config, SecretStore secrets, AuditLog audit,
            TransactionalOperator tx, SshCertificateStore store, Clock clock, SecureRandom random) {
        return new SshCertificateAuthority(config.dynamic().ssh(), secrets, audit, tx, store, clock, random);
    }

    @Bean
    @ConditionalOnProperty(name = "segura.dev", havingValue = "true")
    DevIssuer devIssuer(BrokerSettings settings, Clock clock) {
        return new DevIssuer(settings.devIssuerUrl(), clock);
    }
}
