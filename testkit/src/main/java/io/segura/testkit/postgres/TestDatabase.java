// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.postgres;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one test class (DESIGN §13), created on the server named by
 * {@code SEGURA_TEST_DATABASE_URL} ({@code postgresql://USER[:PASSWORD]@HOST:PORT/ADMIN_DB}), else the local server on
 * 127.0.0.1:5432 as user {@code postgres}. {@link #drop()} removes it again.
 */
public final class TestDatabase implements AutoCloseable {

    public static final String URL_ENV = "SEGURA_TEST_DATABASE_URL";
    public static final String REQUIRE_ENV = "SEGURA_REQUIRE_POSTGRES";
    static final String DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String adminDb;
    private final String name;

    private TestDatabase(String host, int port, String user, String password, String adminDb, String name) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.adminDb = adminDb;
        this.name = name;
    }

    /**
     * Creates a new empty database named after {@code owner} plus a random suffix.
     *
     * @throws SQLException when the server cannot be reached or refuses
     */
    public static TestDatabase create(String owner) throws SQLException {
        return create(owner, URI.create(System.getenv().getOrDefault(URL_ENV, DEFAULT_URL)));
    }

    /**
     * Creates a new empty database on the server {@code uri} names
     * ({@code postgresql://USER[:PASSWORD]@HOST:PORT/ADMIN_DB}), e.g. a {@link PrivateCluster} a test may restart.
     *
     * @throws SQLException when the server cannot be reached or refuses
     */
    public static TestDatabase create(String owner, URI uri) throws SQLException {
        String userInfo = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo();
        String user = userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) : userInfo;
        String password = userInfo.contains(":") ? userInfo.substring(userInfo.indexOf(':') + 1) : "";
        String adminDb = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String name = ("segura_t_" + owner.replaceAll("[^A-Za-z0-9]", "_") + "_"
                + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        if (name.length() > 60) {
            name = name.substring(0, 51) + name.substring(name.length() - 9);
        }
        TestDatabase db = new TestDatabase(uri.getHost(), port, user, password, adminDb, name);
        try (Connection c = db.connect(adminDb); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return db;
    }

    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** {@code r2dbc:postgresql://USER[:PASSWORD]@HOST:PORT/DB}, the form of {@code SEGURA_DATABASE_URL}. */
    public String r2dbcUrl() {
        return "r2dbc:postgresql://" + user + (password.isEmpty() ? "" : ":" + password) + "@" + host + ":" + port
                + "/" + name;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + name;
    }

    /**
     * The trust YAML of one {@code dynamic.postgresql} engine named {@code name}, as the dynamic-secret tests of the
     * CLI and every plugin configure it: login users created in this database, the admin password read from the
     * vault path {@code dynamic/pg-admin} (the test writes it there), the default revocation. The lines are indented
     * to sit under {@code dynamic:} / {@code postgresql:}; a test adds engine keys after them (e.g. {@code max-ttl}).
     */
    public String postgresqlEngineYaml(String name) {
        return String.join("\n",
                "    - name: " + name,
                "      connection:",
                "        url: postgresql://" + host + ":" + port + "/" + this.name,
                "        username: " + user,
                "        password-secret: dynamic/pg-admin",
                "      creation:",
                "        - CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'");
    }

    /** A plain JDBC connection to this database, for assertions and for tampering with rows in tests. */
    public Connection connect() throws SQLException {
        return connect(name);
    }

    private Connection connect(String db) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + db, user, password);
    }

    public void drop() throws SQLException {
        try (Connection c = connect(adminDb); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    @Override
    public void close() throws SQLException {
        drop();
    }
}
