// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Dynamic-secret engines (DESIGN §6a, §9 {@code dynamic}): one entry per name a job may request through
 * {@code POST /api/v2/a2a/dynamic-secrets}: database engines ({@code postgresql}, {@code mysql}) and SSH certificate
 * authorities ({@code ssh}, {@link SshEngineParser}, whose names, and only theirs, start with {@code ssh/}).
 */
public record DynamicSpec(List<DatabaseSpec> postgresql, List<DatabaseSpec> mysql, List<SshEngineSpec> ssh) {

    public static final DynamicSpec EMPTY = new DynamicSpec(List.of(), List.of());

    /** {@code {{random}}} in a user-name template renders this many characters of [a-z0-9] (about 82 bits). */
    public static final int RANDOM_NAME_LENGTH = 16;

    public DynamicSpec {
        postgresql = List.copyOf(postgresql);
        mysql = List.copyOf(mysql);
        ssh = List.copyOf(ssh);
    }

    public DynamicSpec(List<DatabaseSpec> postgresql, List<DatabaseSpec> mysql) {
        this(postgresql, mysql, List.of());
    }

    /** This spec with the {@code ssh} engines (SSH certificate authorities, {@link SshEngineParser}). */
    public DynamicSpec withSsh(List<SshEngineSpec> engines) {
        return new DynamicSpec(postgresql, mysql, engines);
    }

    /** Every database engine, PostgreSQL first. */
    public List<DatabaseSpec> databases() {
        List<DatabaseSpec> all = new ArrayList<>(postgresql);
        all.addAll(mysql);
        return List.copyOf(all);
    }

    /** The names a role may list under {@code dynamic}: every engine's, databases first. */
    public List<String> names() {
        List<String> names = new ArrayList<>(databases().stream().map(DatabaseSpec::name).toList());
        ssh.forEach(e -> names.add(e.name()));
        return List.copyOf(names);
    }

    /** Which SQL server an engine talks to; decides defaults and limits. */
    public enum Dialect {
        /** PostgreSQL: role names up to 63 bytes (NAMEDATALEN - 1). */
        POSTGRESQL("postgresql", 63),
        /** MariaDB and MySQL: user names up to 32 characters (MySQL 5.7.8+, MariaDB 10.0+: 80; 32 is the safe bound). */
        MYSQL("mysql", 32);

        private final String key;
        private final int maxUsername;

        Dialect(String key, int maxUsername) {
            this.key = key;
            this.maxUsername = maxUsername;
        }

        public String key() {
            return key;
        }

        public int maxUsername() {
            return maxUsername;
        }
    }

    /**
     * One database engine entry.
     *
     * @param url            {@code postgresql://HOST[:PORT]/DATABASE} or {@code mysql://HOST[:PORT][/DATABASE]}; no
     *                       credentials in it
     * @param passwordSecret vault path of the admin user's password (never inline)
     * @param revocation     the statements as written, or empty for the dialect's defaults
     * @param nameTemplate   the user-name template ({@code {{role}}}, {@code {{name}}}, {@code {{random}}}, …)
     */
    public record DatabaseSpec(
            String name,
            Dialect dialect,
            String url,
            String username,
            String passwordSecret,
            List<String> creation,
            List<String> revocation,
            String nameTemplate,
            PasswordPolicy password,
            Duration defaultTtl,
            Duration maxTtl,
            Duration connectTimeout,
            SourceLocation at) {

        public DatabaseSpec {
            creation = List.copyOf(creation);
            revocation = List.copyOf(revocation);
        }
    }

    /**
     * How generated passwords look. Symbols are drawn only from {@value #SYMBOLS}: URL-unreserved, so the
     * password needs no escaping in a connection URL, a SQL string literal or a shell word.
     */
    public record PasswordPolicy(int length, int minLower, int minUpper, int minDigits, int minSymbols) {

        public static final String SYMBOLS = "-_.~";
        public static final PasswordPolicy DEFAULT = new PasswordPolicy(32, 1, 1, 1, 0);
    }
}
