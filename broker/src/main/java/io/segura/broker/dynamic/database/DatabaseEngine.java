// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.database;

import io.segura.broker.Refusal;
import io.segura.broker.config.DynamicSpec.DatabaseSpec;
import io.segura.broker.config.DynamicSpec.Dialect;
import io.segura.broker.dynamic.DynamicEngine;
import io.segura.broker.dynamic.DynamicRequest;
import io.segura.broker.dynamic.IssuedCredential;
import io.segura.broker.dynamic.RevocationFailedException;
import io.segura.broker.dynamic.RevocationHandle;
import java.net.URI;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A PostgreSQL or MariaDB/MySQL engine: creates one database user per lease with the configured creation statements
 * and drops it with the revocation statements (or the dialect's defaults, which also end the user's sessions).
 *
 * <p>The admin connection is opened per operation over JDBC on the bounded-elastic scheduler (issues and revocations
 * are rare next to leases; a pool would hold admin sessions open for nothing), with the admin password read from the
 * vault each time, so rotating it in the vault needs no restart.
 *
 * <p>Issue is all or nothing: on PostgreSQL the creation statements run in one transaction; on MySQL, whose DDL
 * commits at once, a failure runs the revocation before answering. On PostgreSQL a creation or a revocation that
 * collided with another replica's on the catalog (a {@code GRANT} on a schema while another drops a user holding a
 * grant on it: "tuple concurrently updated") is rolled back and run again at once, a few times. The password is generated here, used in the
 * creation statements and answered once; every error that leaves this class has it redacted.
 */
public final class DatabaseEngine implements DynamicEngine {

    private static final Logger log = LoggerFactory.getLogger(DatabaseEngine.class);

    /** {@code {{expiration}}}: UTC, a form both PostgreSQL ({@code VALID UNTIL}) and MySQL read as a timestamp. */
    static final DateTimeFormatter EXPIRATION = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssxxx")
            .withZone(ZoneOffset.UTC);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-z_]+)\\s*}}");
    private static final Duration RETRY_AFTER = Duration.ofSeconds(10);
    private static final int SOCKET_TIMEOUT_SECONDS = 60;

    /**
     * PostgreSQL's default revocation, idempotent: refuse new logins, end the user's sessions, hand what it owns to
     * the admin and drop its privileges (REASSIGN/DROP OWNED, the documented way to remove a role), drop the role.
     * The terminations wait (up to 5 s each, PostgreSQL 14+) until the session is gone: a session still exiting
     * may hold temporary tables that REASSIGN OWNED would trip over ("could not open relation").
     */
    static final String POSTGRES_DEFAULT_REVOCATION = """
            DO $$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{name}}') THEN
                EXECUTE 'ALTER ROLE "{{name}}" NOLOGIN';
                PERFORM pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = '{{name}}';
                EXECUTE 'REASSIGN OWNED BY "{{name}}" TO CURRENT_USER';
                EXECUTE 'DROP OWNED BY "{{name}}"';
                EXECUTE 'DROP ROLE "{{name}}"';
              END IF;
            END
            $$""";

    private final DatabaseSpec spec;
    private final Function<String, Mono<String>> adminPassword;
    private final Clock clock;
    private final UserNames names;
    private final Passwords passwords;
    private final String host;
    private final int port;
    private final String database;

    /**
     * @param adminPassword reads a vault path's current value (the admin password); fails with a {@link Refusal}
     */
    public DatabaseEngine(DatabaseSpec spec, Function<String, Mono<String>> adminPassword, SecureRandom random,
            Clock clock) {
        this.spec = Objects.requireNonNull(spec, "spec cannot be null");
        this.adminPassword = Objects.requireNonNull(adminPassword, "adminPassword cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.names = new UserNames(spec.nameTemplate(), spec.dialect().maxUsername(), random);
        this.passwords = new Passwords(spec.password(), random);
        URI uri = URI.create(spec.url());
        this.host = uri.getHost();
        this.port = uri.getPort() > 0 ? uri.getPort() : spec.dialect() == Dialect.POSTGRESQL ? 5432 : 3306;
        String path = uri.getPath() == null ? "" : uri.getPath();
        this.database = path.length() > 1 ? path.substring(1) : "";
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public String kind() {
        return spec.dialect().key();
    }

    @Override
    public Duration defaultTtl() {
        return spec.defaultTtl();
    }

    @Override
    public Duration maxTtl() {
        return spec.maxTtl();
    }

    @Override
    public Mono<IssuedCredential> issue(DynamicRequest request) {
        if (!request.parameters().isEmpty()) {
            return Mono.error(Refusal.invalid("unknown-field", "a " + kind() + " engine takes only name and ttl, "
                    + "got " + new java.util.TreeSet<>(request.parameters().keySet())));
        }
        return adminPassword.apply(spec.passwordSecret())
                .flatMap(admin -> Mono.fromCallable(() -> create(admin, request))
                        .subscribeOn(Schedulers.boundedElastic()));
    }

    @Override
    public Mono<Void> revoke(RevocationHandle handle) {
        String user = handle.get("username");
        return adminPassword.apply(spec.passwordSecret())
                .flatMap(admin -> Mono.<Void>fromRunnable(() -> drop(admin, user, handle.values().get("expiration")))
                        .subscribeOn(Schedulers.boundedElastic()));
    }

    private IssuedCredential create(String admin, DynamicRequest request) {
        String user = names.next(request.role(), spec.name(), clock.instant());
        String password = passwords.next();
        String expiration = EXPIRATION.format(request.expiresAt());
        Map<String, String> vars = Map.of("name", user, "password", password, "expiration", expiration);
        boolean transactional = spec.dialect() == Dialect.POSTGRESQL;
        for (int attempt = 1; ; attempt++) {
            try (Connection c = connect(admin)) {
                c.setAutoCommit(!transactional);
                try (Statement s = c.createStatement()) {
                    for (String statement : spec.creation()) {
                        s.execute(render(statement, vars));
                    }
                    if (transactional) {
                        c.commit();
                    }
                    break;
                } catch (SQLException e) {
                    undo(c, transactional, user, expiration);
                    // rolled back whole: nothing was created, so the same statements can run again at once
                    if (transactional && attempt < CATALOG_ATTEMPTS && concurrentCatalogUpdate(e)) {
                        pause(attempt);
                        continue;
                    }
                    throw failure("creating the user", e, password);
                }
            } catch (SQLException e) {
                throw failure("connecting", e, password);
            }
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("username", user);
        fields.put("password", password);
        fields.put("host", host);
        fields.put("port", port);
        fields.put("database", database);
        fields.put("url", spec.dialect().key() + "://" + user + ":" + password + "@" + hostPort() + "/" + database);
        return new IssuedCredential(user, fields,
                new RevocationHandle(Map.of("username", user, "expiration", expiration)));
    }

    /** A failed creation leaves nothing: roll back (PostgreSQL), or revoke what MySQL's DDL already committed. */
    private void undo(Connection c, boolean transactional, String user, String expiration) {
        try {
            if (transactional) {
                c.rollback();
                return;
            }
            revokeIn(c, user, expiration);
        } catch (SQLException e) {
            // the user may exist without a lease; say who, so an operator can drop it (never the password)
            log.error("dynamic engine {}: could not clean up user {} after a failed creation (SQLSTATE {})",
                    spec.name(), user, e.getSQLState());
        }
    }

    /**
     * Runs the revocation; on PostgreSQL as one transaction, so that an attempt that fails leaves nothing half done and
     * can run again whole. Two replicas dropping users at the same moment can collide on PostgreSQL's catalog ("tuple
     * concurrently updated", a serialization failure or a deadlock): such an attempt is rolled back and run again at
     * once, a few times, instead of waiting for the revoker's backoff.
     */
    private void drop(String admin, String user, String expiration) {
        boolean transactional = spec.dialect() == Dialect.POSTGRESQL;
        for (int attempt = 1; ; attempt++) {
            try (Connection c = connect(admin)) {
                c.setAutoCommit(!transactional);
                try {
                    revokeIn(c, user, expiration);
                    if (transactional) {
                        c.commit();
                    }
                    return;
                } catch (SQLException e) {
                    if (transactional) {
                        c.rollback();
                    }
                    throw e;
                }
            } catch (SQLException e) {
                if (attempt < CATALOG_ATTEMPTS && concurrentCatalogUpdate(e)) {
                    pause(attempt);
                    continue;
                }
                throw new RevocationFailedException(describe("revoking user " + user, e, null));
            }
        }
    }

    /**
     * How often a creation or revocation that collided with another on PostgreSQL's catalog is run before it counts
     * as failed.
     */
    static final int CATALOG_ATTEMPTS = 5;

    /** A failure that only says another transaction touched the same catalog rows: worth running again at once. */
    static boolean concurrentCatalogUpdate(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.equals("40001") || state.equals("40P01") || (state.equals("XX000") && e.getMessage() != null
                && e.getMessage().contains("tuple concurrently updated"));
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(20, 50L * attempt + 21));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void revokeIn(Connection c, String user, String expiration) throws SQLException {
        Map<String, String> vars = Map.of("name", user, "expiration", expiration == null ? "" : expiration);
        try (Statement s = c.createStatement()) {
            if (!spec.revocation().isEmpty()) {
                for (String statement : spec.revocation()) {
                    s.execute(render(statement, vars));
                }
            } else if (spec.dialect() == Dialect.POSTGRESQL) {
                s.execute(render(POSTGRES_DEFAULT_REVOCATION, vars));
            } else {
                dropEveryHost(c, user);
            }
        }
        if (spec.dialect() == Dialect.MYSQL) {
            killSessions(c, user);
        }
    }

    /** MySQL's default: the user at every host it was created for (the creation statements chose the hosts). */
    private static void dropEveryHost(Connection c, String user) throws SQLException {
        List<String> hosts = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT Host FROM mysql.user WHERE User = ?")) {
            q.setString(1, user);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    hosts.add(rs.getString(1));
                }
            }
        }
        try (Statement s = c.createStatement()) {
            for (String h : hosts) {
                s.execute("DROP USER IF EXISTS '" + user + "'@'" + h.replace("\\", "\\\\").replace("'", "''") + "'");
            }
        }
    }

    /**
     * MySQL keeps a dropped user's open sessions (PostgreSQL's default ends them in SQL); end them here, on MariaDB
     * and MySQL alike. A session that ended meanwhile is not an error.
     */
    private static void killSessions(Connection c, String user) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?")) {
            q.setString(1, user);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        try (Statement s = c.createStatement()) {
            for (long id : ids) {
                try {
                    s.execute("KILL CONNECTION " + id);
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1094) { // ER_NO_SUCH_THREAD: it ended on its own
                        throw e;
                    }
                }
            }
        }
    }

    private Connection connect(String admin) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", spec.username());
        p.setProperty("password", admin);
        long connectSeconds = Math.max(1, spec.connectTimeout().toSeconds());
        String url;
        if (spec.dialect() == Dialect.POSTGRESQL) {
            url = "jdbc:postgresql://" + hostPort() + "/" + database;
            p.setProperty("connectTimeout", Long.toString(connectSeconds));
            p.setProperty("loginTimeout", Long.toString(connectSeconds));
            p.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
            p.setProperty("ApplicationName", "segura-broker dynamic " + spec.name());
        } else {
            url = "jdbc:mariadb://" + hostPort() + "/" + database;
            p.setProperty("connectTimeout", Long.toString(spec.connectTimeout().toMillis()));
            p.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT_SECONDS * 1000L));
        }
        return DriverManager.getConnection(url, p);
    }

    private String hostPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    static String render(String statement, Map<String, String> vars) {
        Matcher m = PLACEHOLDER.matcher(statement);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = vars.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException("defense in depth: the parser allows no {{" + m.group(1) + "}} here");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Down or unreachable: 503 with Retry-After; anything else is the configuration's or the server's: 500. */
    private Refusal failure(String doing, SQLException e, String password) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        log.warn("dynamic engine {}: {}", spec.name(), describe(doing, e, password));
        if (unreachable(e)) {
            return Refusal.unavailable("dynamic-engine-unavailable", "dynamic secret " + spec.name() + ": the "
                    + kind() + " server at " + hostPort() + " is not reachable now; nothing was created",
                    RETRY_AFTER);
        }
        return Refusal.internal("dynamic-engine-failed", "dynamic secret " + spec.name() + ": " + doing
                + " failed (SQLSTATE " + state + "); nothing was created, an operator must check the engine");
    }

    static boolean unreachable(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException
                || e instanceof SQLRecoverableException || state.startsWith("08") || state.startsWith("57P")
                || state.startsWith("53");
    }

    /** The SQL error for logs and the revocation list, with the password (if any) cut out. */
    private String describe(String doing, SQLException e, String password) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (password != null && !password.isEmpty()) {
            message = message.replace(password, "[password]");
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "…";
        }
        return doing + " on " + hostPort() + " failed: SQLSTATE " + e.getSQLState() + ": " + message;
    }
}
