// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One secret a job asks for: {@code path[@version] > ENV} (DESIGN §10), e.g. {@code db/prod/password > DB_PASSWORD}.
 * Without {@code > ENV} the variable name is derived from the path: upper case, every character outside
 * {@code [A-Z0-9]} becomes {@code _} ({@code db/prod/password} → {@code DB_PROD_PASSWORD}).
 *
 * <p>A dynamic secret (DESIGN §6a) is written {@code dynamic:NAME[.FIELD] > ENV}: {@code dynamic:db/prod-readonly >
 * DATABASE_URL} gives the credential's connection URL, {@code dynamic:db/prod-readonly.username > DB_USER} one of its
 * fields ({@link #DYNAMIC_FIELDS}). Specs naming the same dynamic secret share one credential (one request). Without
 * {@code > ENV} the name is derived from NAME (and FIELD): {@code DB_PROD_READONLY}, {@code DB_PROD_READONLY_USERNAME}.
 *
 * <p>An SSH certificate ({@code dynamic:ssh/NAME}: names under {@code ssh/} are the broker's SSH certificate
 * authorities) is signed for a key the client holds, and its FIELDs ({@link #SSH_FIELDS}) are files the client wrote:
 * without one, the private key's path ({@code ssh -i "$VAR"} also loads the certificate written beside it).
 *
 * @param path    the secret path, as the broker validates it (DESIGN §6), or the dynamic secret's name
 * @param version a pinned version, or {@code null} for the latest (always {@code null} for a dynamic secret)
 * @param envName the environment variable the value is given as
 * @param dynamic whether this is a dynamic secret ({@code dynamic:} prefix)
 * @param field   the dynamic credential's field, or {@code null} for its URL; always {@code null} for a static secret
 */
public record SecretSpec(String path, Integer version, String envName, boolean dynamic, String field) {

    /** The prefix of a dynamic secret's spec. */
    public static final String DYNAMIC_PREFIX = "dynamic:";
    /** Fields of a database credential a spec may pick; without one, the {@code url}. */
    public static final List<String> DYNAMIC_FIELDS = List.of("url", "username", "password", "host", "port",
            "database");
    /** The prefix of the SSH certificate authorities' names. */
    public static final String SSH_PREFIX = "ssh/";
    /**
     * Fields of an SSH certificate a spec may pick; without one, the {@code key}: the private key's path. {@code
     * certificate} is the path of the certificate file ({@code KEY-cert.pub}); {@code principals} comma-separated.
     */
    public static final List<String> SSH_FIELDS = List.of("key", "certificate", "serial", "principals",
            "valid_before");

    /** DESIGN §6. */
    static final Pattern PATH = Pattern.compile("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$");
    static final Pattern ENV = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
    static final int MAX_PATH = 256;

    public SecretSpec {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(envName, "envName cannot be null");
        if (path.length() > MAX_PATH || !PATH.matcher(path).matches()) {
            throw new IllegalArgumentException("secret path \"" + path + "\" is not valid: lower-case segments of"
                    + " [a-z0-9._-] separated by '/', each starting with a letter or digit, at most " + MAX_PATH
                    + " characters");
        }
        if (version != null && version < 1) {
            throw new IllegalArgumentException("version of " + path + " must be 1 or more, not " + version);
        }
        if (!ENV.matcher(envName).matches()) {
            throw new IllegalArgumentException("environment variable name \"" + envName + "\" for " + path
                    + " is not valid: letters, digits and '_', not starting with a digit");
        }
        if (dynamic && version != null) {
            throw new IllegalArgumentException("dynamic secret " + path + " has no versions");
        }
        if (field != null && (!dynamic || !fieldsOf(path).contains(field))) {
            throw new IllegalArgumentException("field \"" + field + "\" of " + path + " is not one of "
                    + fieldsOf(path));
        }
    }

    /** A static secret: {@code path[@version] > ENV}. */
    public SecretSpec(String path, Integer version, String envName) {
        this(path, version, envName, false, null);
    }

    /** Whether a dynamic secret's name is an SSH certificate authority's ({@code ssh/…}). */
    public static boolean isSsh(String name) {
        return name.startsWith(SSH_PREFIX);
    }

    /** The fields a spec of the dynamic secret {@code name} may pick. */
    static List<String> fieldsOf(String name) {
        return isSsh(name) ? SSH_FIELDS : DYNAMIC_FIELDS;
    }

    /** The variable name derived from a path when the spec names none. */
    public static String deriveEnvName(String path) {
        String name = path.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        return Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }

    /**
     * {@code path} or {@code path@version}, as the lease API takes it; for a dynamic secret the spec's left side
     * ({@code dynamic:NAME[.FIELD]}), which the lease API does not take.
     */
    public String ref() {
        if (dynamic) {
            return DYNAMIC_PREFIX + path + (field == null ? "" : "." + field);
        }
        return version == null ? path : path + "@" + version;
    }

    /** The value this spec takes from a dynamic credential: its field, or its URL (an SSH certificate: its key). */
    public String valueOf(DynamicCredential credential) {
        if (!dynamic) {
            throw new IllegalStateException(ref() + " is not a dynamic secret");
        }
        String name = field != null ? field : credential.ssh() ? "key" : "url";
        String value = credential.fields().get(name);
        if (value == null) {
            throw new IllegalArgumentException("the dynamic secret " + path + " has no field \"" + name
                    + "\"; it has " + credential.fields().keySet());
        }
        return value;
    }

    /**
     * Parses one spec. Errors say what is wrong and where, e.g.
     * {@code secret spec "db/x@v2 > X": version "v2" is not a positive integer}.
     */
    public static SecretSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec cannot be null");
        String text = spec.trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("secret spec is empty; expected path[@version] > ENV");
        }
        String left = text;
        String env = null;
        int arrow = text.indexOf('>');
        if (arrow >= 0) {
            left = text.substring(0, arrow).trim();
            env = text.substring(arrow + 1).trim();
            if (env.isEmpty()) {
                throw new IllegalArgumentException(error(text, "nothing after '>'; expected an environment variable"
                        + " name"));
            }
            if (env.indexOf('>') >= 0) {
                throw new IllegalArgumentException(error(text, "more than one '>'"));
            }
        }
        if (left.isEmpty()) {
            throw new IllegalArgumentException(error(text, "no secret path before '>'"));
        }
        if (left.startsWith(DYNAMIC_PREFIX)) {
            return parseDynamic(text, left.substring(DYNAMIC_PREFIX.length()).trim(), env);
        }
        Integer version = null;
        int at = left.indexOf('@');
        String path = left;
        if (at >= 0) {
            path = left.substring(0, at).trim();
            String v = left.substring(at + 1).trim();
            try {
                version = Integer.valueOf(v);
            } catch (NumberFormatException e) {
                version = -1;
            }
            if (version < 1) {
                throw new IllegalArgumentException(error(text, "version \"" + v + "\" is not a positive integer"));
            }
        }
        if (path.length() > MAX_PATH || !PATH.matcher(path).matches()) {
            throw new IllegalArgumentException(error(text, "path \"" + path + "\" is not valid: lower-case segments"
                    + " of [a-z0-9._-] separated by '/'"));
        }
        String name = env == null ? deriveEnvName(path) : env;
        if (!ENV.matcher(name).matches()) {
            throw new IllegalArgumentException(error(text, "\"" + name + "\" is not a valid environment variable"
                    + " name"));
        }
        return new SecretSpec(path, version, name);
    }

    /** {@code NAME[.FIELD]} after {@code dynamic:}; a known field suffix is always the field. */
    private static SecretSpec parseDynamic(String text, String left, String env) {
        if (left.isEmpty()) {
            throw new IllegalArgumentException(error(text, "no dynamic secret name after 'dynamic:'"));
        }
        if (left.indexOf('@') >= 0) {
            throw new IllegalArgumentException(error(text, "a dynamic secret has no versions ('@')"));
        }
        String name = left;
        String field = null;
        int dot = left.lastIndexOf('.');
        if (dot > 0 && fieldsOf(left.substring(0, dot)).contains(left.substring(dot + 1))) {
            name = left.substring(0, dot);
            field = left.substring(dot + 1);
        }
        if (name.length() > MAX_PATH || !PATH.matcher(name).matches()) {
            throw new IllegalArgumentException(error(text, "dynamic secret name \"" + name + "\" is not valid:"
                    + " lower-case segments of [a-z0-9._-] separated by '/'"));
        }
        String envName = env == null ? deriveEnvName(field == null ? name : name + "_" + field) : env;
        if (!ENV.matcher(envName).matches()) {
            throw new IllegalArgumentException(error(text, "\"" + envName + "\" is not a valid environment variable"
                    + " name"));
        }
        return new SecretSpec(name, null, envName, true, field);
    }

    /**
     * Parses {@code SEGURA_SECRETS}: one spec per line or separated by {@code ;}; blank entries and lines starting
     * with {@code #} are skipped. Two specs giving the same variable are an error.
     */
    public static List<SecretSpec> parseList(String text) {
        List<SecretSpec> specs = new ArrayList<>();
        if (text == null) {
            return specs;
        }
        int n = 0;
        for (String line : text.split("\\R")) {
            if (line.trim().startsWith("#")) {
                continue;
            }
            for (String part : line.split(";")) {
                n++;
                if (part.isBlank()) {
                    continue;
                }
                try {
                    specs.add(parse(part));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("entry " + n + ": " + e.getMessage(), e);
                }
            }
        }
        return checkDistinct(specs);
    }

    /** Refuses two specs that set the same variable: one would silently shadow the other. */
    public static List<SecretSpec> checkDistinct(List<SecretSpec> specs) {
        java.util.Map<String, SecretSpec> seen = new java.util.HashMap<>();
        for (SecretSpec s : specs) {
            SecretSpec before = seen.putIfAbsent(s.envName(), s);
            if (before != null) {
                throw new IllegalArgumentException("both " + before.ref() + " and " + s.ref() + " set "
                        + s.envName() + "; give one of them another name with '> NAME'");
            }
        }
        return List.copyOf(specs);
    }

    private static String error(String spec, String problem) {
        return "secret spec \"" + spec + "\": " + problem;
    }
}
