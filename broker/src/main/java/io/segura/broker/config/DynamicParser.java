// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import io.segura.broker.config.DynamicSpec.DatabaseSpec;
import io.segura.broker.config.DynamicSpec.Dialect;
import io.segura.broker.config.DynamicSpec.PasswordPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads {@code dynamic}: the engines of dynamic secrets (DESIGN §6a). Each database entry is checked as far as it
 * can be without connecting: its URL, that the admin password comes from a vault path, that every statement uses
 * only known placeholders and that the creation statements set the generated {@code {{password}}}, that the name
 * template yields unique names within the database's limit, the password policy and the TTLs.
 *
 * <p>Extension point: another engine kind adds its key to {@link #KEYS} and its parser beside {@link #database}
 * (as the SSH CA's {@link SshEngineParser} is); names are unique across kinds (the database engines share one
 * {@code names} map, and {@code ssh/…} belongs to the SSH engines alone), so a role's {@code dynamic} list is
 * unambiguous.
 */
final class DynamicParser {

    static final Set<String> KEYS = Set.of("postgresql", "mysql", "ssh");
    static final Set<String> DATABASE_KEYS = Set.of("name", "connection", "creation", "revocation", "name-template",
            "password", "default-ttl", "max-ttl", "connect-timeout");
    static final Set<String> CONNECTION_KEYS = Set.of("url", "username", "password-secret");
    static final Set<String> PASSWORD_KEYS = Set.of("length", "min-lower", "min-upper", "min-digits", "min-symbols");

    /** A dynamic name is requested like a secret path: {@code db/prod-readonly}. */
    static final Pattern DYNAMIC_NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$");
    static final int MAX_NAME = 128;
    static final int MAX_STATEMENTS = 32;
    static final int MAX_STATEMENT = 4096;
    static final Duration MAX_TTL = Duration.ofHours(24);
    static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
    static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    static final Set<String> STATEMENT_PLACEHOLDERS = Set.of("name", "password", "expiration");
    static final Set<String> TEMPLATE_PLACEHOLDERS = Set.of("role", "name", "random", "unix_time");
    /** Characters of a generated user name: safe unquoted and inside any quoting the statements use. */
    static final Pattern TEMPLATE_LITERAL = Pattern.compile("^[a-z0-9_]*$");
    static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");
    static final int RANDOM_LENGTH = DynamicSpec.RANDOM_NAME_LENGTH;
    /** {@code {{unix_time}}} renders at most this many digits (seconds until the year 2286). */
    static final int UNIX_TIME_LENGTH = 10;

    private DynamicParser() {
    }

    static DynamicSpec parse(YamlMap m) {
        Map<String, SourceLocation> names = new LinkedHashMap<>();
        List<DatabaseSpec> postgresql = new ArrayList<>();
        for (YamlMap r : m.maps("postgresql", DATABASE_KEYS)) {
            add(postgresql, database(r, Dialect.POSTGRESQL, names));
        }
        List<DatabaseSpec> mysql = new ArrayList<>();
        for (YamlMap r : m.maps("mysql", DATABASE_KEYS)) {
            add(mysql, database(r, Dialect.MYSQL, names));
        }
        return new DynamicSpec(postgresql, mysql).withSsh(SshEngineParser.parse(m));
    }

    private static void add(List<DatabaseSpec> list, DatabaseSpec spec) {
        if (spec != null) {
            list.add(spec);
        }
    }

    static DatabaseSpec database(YamlMap r, Dialect dialect, Map<String, SourceLocation> names) {
        Problems p = r.problems();
        String name = r.string("name", true);
        if (name != null) {
            if (name.length() > MAX_NAME || !DYNAMIC_NAME.matcher(name).matches()) {
                p.add(r.value("name"), r.path("name"), "`" + name + "` is not a dynamic-secret name (segments of "
                        + "a-z 0-9 . _ - separated by /, at most " + MAX_NAME + " characters, e.g. db/prod-readonly)");
                name = null;
            } else if (name.startsWith(SshEngineSpec.NAME_PREFIX)) {
                // a client tells an SSH engine by its name (it has to send a public key): ssh/ is theirs alone
                p.add(r.value("name"), r.path("name"), "`" + name + "`: names under ssh/ belong to the SSH "
                        + "certificate authorities (dynamic.ssh); name this database engine otherwise, e.g. db/"
                        + name.substring(SshEngineSpec.NAME_PREFIX.length()));
                name = null;
            } else if (names.containsKey(name)) {
                p.add(r.value("name"), r.path("name"), "duplicate name `" + name + "`, first defined at "
                        + names.get(name));
                name = null;
            } else {
                names.put(name, r.at("name"));
            }
        }

        r.required("connection");
        String url = null;
        String username = null;
        String passwordSecret = null;
        Node connectionNode = r.value("connection");
        YamlMap c = connectionNode == null ? null
                : YamlMap.open(connectionNode, r.path("connection"), p, CONNECTION_KEYS);
        if (c != null) {
            url = c.string("url", true);
            if (url != null) {
                String problem = checkUrl(url, dialect);
                if (problem != null) {
                    p.add(c.value("url"), c.path("url"), problem);
                    url = null;
                }
            }
            username = c.string("username", true);
            if (username != null && !username.matches("^[A-Za-z0-9_.@-]{1,128}$")) {
                p.add(c.value("username"), c.path("username"), "expected a user name of letters, digits and _ . @ -");
                username = null;
            }
            passwordSecret = c.string("password-secret", true);
            if (passwordSecret != null && (passwordSecret.length() > ConfigSyntax.MAX_SECRET_PATH
                    || !ConfigSyntax.SECRET_PATH.matcher(passwordSecret).matches())) {
                p.add(c.value("password-secret"), c.path("password-secret"), "`" + passwordSecret
                        + "` is not a secret path (segments of a-z 0-9 . _ - separated by /, no globs)");
                passwordSecret = null;
            }
        }

        r.required("creation");
        List<String> creation = statements(r, "creation");
        if (creation != null && creation.stream().noneMatch(s -> placeholders(s).contains("password"))) {
            p.add(r.at("creation"), r.path("creation"), "no statement sets the generated {{password}}: the "
                    + "credential could not log in");
        }
        if (creation != null && creation.stream().noneMatch(s -> placeholders(s).contains("name"))) {
            p.add(r.at("creation"), r.path("creation"), "no statement uses {{name}}: every lease needs its own user");
        }
        List<String> revocation = r.has("revocation") ? statements(r, "revocation") : List.of();
        if (revocation != null) {
            for (int i = 0; i < revocation.size(); i++) {
                if (placeholders(revocation.get(i)).contains("password")) {
                    p.add(r.element("revocation", i), r.path("revocation") + "[" + i + "]",
                            "revocation statements cannot use {{password}} (it is not kept after the issue)");
                }
            }
        }

        String template = r.string("name-template", false);
        if (template != null && !checkTemplate(template, dialect, r, p)) {
            template = null;
        }
        PasswordPolicy password = passwordPolicy(r, p);
        Duration maxTtl = r.duration("max-ttl", Duration.ZERO, true, MAX_TTL);
        Duration defaultTtl = r.duration("default-ttl", Duration.ZERO, true, MAX_TTL);
        Duration max = maxTtl == null ? DEFAULT_MAX_TTL : maxTtl;
        if (defaultTtl != null && defaultTtl.compareTo(max) > 0) {
            p.add(r.value("default-ttl"), r.path("default-ttl"), "must be at most max-ttl ("
                    + Durations.format(max) + ")");
        }
        Duration connectTimeout = r.duration("connect-timeout", Duration.ZERO, true, Duration.ofMinutes(1));
        if (name == null || url == null || username == null || passwordSecret == null || creation == null
                || revocation == null || password == null || (r.has("name-template") && template == null)) {
            return null;
        }
        return new DatabaseSpec(name, dialect, url, username, passwordSecret, creation, revocation,
                template == null ? defaultTemplate(dialect) : template, password,
                defaultTtl == null ? min(DEFAULT_TTL, max) : defaultTtl, max,
                connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout, r.at());
    }

    /** Vault's habit: a prefix, who asked, and randomness; {@code {{name}}} adds the engine name on PostgreSQL. */
    static String defaultTemplate(Dialect dialect) {
        return dialect == Dialect.POSTGRESQL ? "v_{{role}}_{{name}}_{{random}}" : "v_{{role}}_{{random}}";
    }

    private static List<String> statements(YamlMap r, String key) {
        Problems p = r.problems();
        List<String> list = r.strings(key, true);
        if (list == null) {
            return null;
        }
        if (list.size() > MAX_STATEMENTS) {
            p.add(r.at(key), r.path(key), "at most " + MAX_STATEMENTS + " statements");
            return null;
        }
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            String s = list.get(i);
            String field = r.path(key) + "[" + i + "]";
            if (s.length() > MAX_STATEMENT) {
                p.add(r.element(key, i), field, "at most " + MAX_STATEMENT + " characters");
                ok = false;
                continue;
            }
            for (String placeholder : placeholders(s)) {
                if (!STATEMENT_PLACEHOLDERS.contains(placeholder)) {
                    p.add(r.element(key, i), field, "unknown placeholder {{" + placeholder + "}}"
                            + ConfigSyntax.suggest(placeholder, STATEMENT_PLACEHOLDERS) + "; known: {{name}}, "
                            + "{{password}}, {{expiration}}");
                    ok = false;
                }
            }
        }
        return ok ? list : null;
    }

    static List<String> placeholders(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * The template must hold {@code {{random}}} exactly once (the names' uniqueness) and, with every other
     * placeholder cut to nothing, still fit the database's limit: longer parts are cut at issue time, never the
     * randomness.
     */
    private static boolean checkTemplate(String template, Dialect dialect, YamlMap r, Problems p) {
        Node at = r.value("name-template");
        String field = r.path("name-template");
        List<String> used = placeholders(template);
        for (String placeholder : used) {
            if (!TEMPLATE_PLACEHOLDERS.contains(placeholder)) {
                p.add(at, field, "unknown placeholder {{" + placeholder + "}}; known: {{role}}, {{name}}, "
                        + "{{random}}, {{unix_time}}");
                return false;
            }
        }
        if (used.stream().filter("random"::equals).count() != 1) {
            p.add(at, field, "must contain {{random}} exactly once: it keeps the generated user names unique");
            return false;
        }
        String literal = PLACEHOLDER.matcher(template).replaceAll("");
        if (!TEMPLATE_LITERAL.matcher(literal).matches()) {
            p.add(at, field, "outside placeholders only a-z, 0-9 and _ are allowed (names stay valid unquoted)");
            return false;
        }
        int fixed = literal.length() + RANDOM_LENGTH + (used.contains("unix_time") ? UNIX_TIME_LENGTH : 0);
        if (fixed > dialect.maxUsername()) {
            p.add(at, field, "at least " + fixed + " characters without {{role}} and {{name}}, over the "
                    + dialect.key() + " limit of " + dialect.maxUsername());
            return false;
        }
        return true;
    }

    private static PasswordPolicy passwordPolicy(YamlMap r, Problems p) {
        Node node = r.value("password");
        if (node == null) {
            return PasswordPolicy.DEFAULT;
        }
        YamlMap m = YamlMap.open(node, r.path("password"), p, PASSWORD_KEYS);
        if (m == null) {
            return null;
        }
        PasswordPolicy d = PasswordPolicy.DEFAULT;
        Integer length = m.integer("length", 16, 128);
        Integer lower = m.integer("min-lower", 0, 128);
        Integer upper = m.integer("min-upper", 0, 128);
        Integer digits = m.integer("min-digits", 0, 128);
        Integer symbols = m.integer("min-symbols", 0, 128);
        PasswordPolicy policy = new PasswordPolicy(or(length, d.length()), or(lower, d.minLower()),
                or(upper, d.minUpper()), or(digits, d.minDigits()), or(symbols, d.minSymbols()));
        int required = policy.minLower() + policy.minUpper() + policy.minDigits() + policy.minSymbols();
        if (required > policy.length()) {
            p.add(m.at(), r.path("password"), "the minimums add up to " + required + ", more than length "
                    + policy.length());
            return null;
        }
        return policy;
    }

    private static int or(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** {@code null} when the URL is a usable server address for {@code dialect}, else the problem. */
    static String checkUrl(String url, Dialect dialect) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "not a valid URL: " + e.getReason();
        }
        Set<String> schemes = dialect == Dialect.POSTGRESQL ? Set.of("postgresql", "postgres")
                : Set.of("mysql", "mariadb");
        String example = dialect == Dialect.POSTGRESQL ? "postgresql://db.internal:5432/app"
                : "mysql://db.internal:3306/app";
        if (uri.getScheme() == null || !schemes.contains(uri.getScheme())) {
            return "expected a URL like " + example + ", got scheme " + (uri.getScheme() == null ? "none"
                    : "`" + uri.getScheme() + "`");
        }
        if (uri.getRawUserInfo() != null) {
            return "credentials do not belong in the URL: set connection.username, and the password in the vault "
                    + "under connection.password-secret";
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return "the URL names no host (expected a URL like " + example + ")";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "the URL may not carry a query or fragment (expected a URL like " + example + ")";
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (dialect == Dialect.POSTGRESQL && (path.length() <= 1)) {
            return "the URL names no database (expected a URL like " + example + ")";
        }
        if (path.length() > 1 && !path.substring(1).matches("^[A-Za-z0-9_$-]{1,63}$")) {
            return "the database name must be one segment of letters, digits, _ $ -";
        }
        return null;
    }
}
