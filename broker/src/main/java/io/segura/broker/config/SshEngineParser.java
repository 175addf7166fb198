// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code dynamic.ssh}: OpenSSH user-certificate authorities (DESIGN §6a). Everything a signature will depend on
 * is checked here, so a bad principal template, an unknown extension or option, a bad key type or an over-long TTL
 * stops the start with its {@code FILE:LINE:COLUMN} instead of failing a job.
 */
final class SshEngineParser {

    static final Set<String> KEYS = Set.of("name", "ca-key-secret", "ca-key-type", "principals", "critical-options",
            "extensions", "key-types", "max-ttl", "backdate");

    static final Duration MAX_TTL = Duration.ofHours(24);
    static final Duration MAX_BACKDATE = Duration.ofMinutes(5);
    static final int MAX_PRINCIPALS = 32;
    static final int MAX_FORCE_COMMAND = 4096;
    static final int MAX_SOURCE_ADDRESSES = 64;

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d"
            + "|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private SshEngineParser() {
    }

    /** Parses {@code m.ssh}; names must be {@code ssh/<name>} and unique among the SSH engines. */
    static List<SshEngineSpec> parse(YamlMap m) {
        Problems p = m.problems();
        Map<String, SourceLocation> seen = new LinkedHashMap<>();
        List<SshEngineSpec> out = new ArrayList<>();
        for (YamlMap e : m.maps("ssh", KEYS)) {
            String name = e.string("name", true);
            if (name != null) {
                String ca = name.startsWith(SshEngineSpec.NAME_PREFIX)
                        ? name.substring(SshEngineSpec.NAME_PREFIX.length()) : null;
                if (ca == null || !ConfigSyntax.NAME.matcher(ca).matches()) {
                    p.add(e.at("name"), e.path("name"), "`" + abbreviate(name) + "` is not an SSH engine name: "
                            + "`ssh/` and a name (1 to 63 of a-z, 0-9 and -), e.g. ssh/deploy; the name is the CA's "
                            + "URL segment (/api/v2/ssh/deploy/public-key)");
                    name = null;
                } else if (seen.containsKey(name)) {
                    p.add(e.at("name"), e.path("name"), "duplicate name `" + name + "`, first defined at "
                            + seen.get(name));
                    name = null;
                } else {
                    seen.put(name, e.at("name"));
                }
            }
            String secret = e.string("ca-key-secret", true);
            if (secret != null && (secret.length() > ConfigSyntax.MAX_SECRET_PATH
                    || !ConfigSyntax.SECRET_PATH.matcher(secret).matches())) {
                p.add(e.value("ca-key-secret"), e.path("ca-key-secret"), "`" + abbreviate(secret)
                        + "` is not a secret path (segments of a-z 0-9 . _ - separated by /, no globs)");
                secret = null;
            }
            String caKeyType = e.has("ca-key-type") ? e.string("ca-key-type", false) : "ssh-ed25519";
            if (caKeyType != null && !SshEngineSpec.CA_KEY_TYPES.contains(caKeyType)) {
                p.add(e.value("ca-key-type"), e.path("ca-key-type"), "unknown CA key type `" + abbreviate(caKeyType)
                        + "`" + ConfigSyntax.suggest(caKeyType, SshEngineSpec.CA_KEY_TYPES) + "; known: "
                        + sorted(SshEngineSpec.CA_KEY_TYPES));
                caKeyType = null;
            }
            List<PrincipalTemplate> principals = principals(e);
            TreeSet<String> extensions = extensions(e);
            TreeMap<String, String> options = criticalOptions(e);
            Set<String> keyTypes = keyTypes(e);
            Duration maxTtl = e.duration("max-ttl", Duration.ZERO, true, MAX_TTL);
            Duration backdate = e.duration("backdate", Duration.ZERO, false, MAX_BACKDATE);
            if (name != null && secret != null && caKeyType != null && principals != null && extensions != null
                    && options != null && keyTypes != null && (maxTtl != null || !e.has("max-ttl"))
                    && (backdate != null || !e.has("backdate"))) {
                out.add(new SshEngineSpec(name, secret, caKeyType, principals, options, extensions, keyTypes,
                        maxTtl == null ? SshEngineSpec.DEFAULT_MAX_TTL : maxTtl,
                        backdate == null ? SshEngineSpec.DEFAULT_BACKDATE : backdate, e.at()));
            }
        }
        return out;
    }

    /**
     * A CA's private key is a vault secret like any other, so a role whose {@code secrets} glob reaches its path could
     * lease it and sign certificates for itself: refused at start-up, naming the role's glob.
     */
    static void checkCaKeysNotLeasable(List<SshEngineSpec> engines, List<RoleSpec> roles, Problems p) {
        for (int i = 0; i < roles.size(); i++) {
            RoleSpec role = roles.get(i);
            for (int j = 0; j < role.secrets().size(); j++) {
                String glob = role.secrets().get(j);
                Pattern pattern = Pattern.compile(java.util.Arrays.stream(glob.split("\\*", -1))
                        .map(Pattern::quote).collect(java.util.stream.Collectors.joining(".*")));
                for (SshEngineSpec engine : engines) {
                    if (pattern.matcher(engine.caKeySecret()).matches()) {
                        p.add(role.at(), "roles[" + i + "].secrets[" + j + "]", "`" + abbreviate(glob) + "` would let "
                                + "role `" + role.name() + "` lease the private CA key of " + engine.name() + " (vault "
                                + "path " + engine.caKeySecret() + "); narrow the glob or keep the CA key elsewhere");
                    }
                }
            }
        }
    }

    private static List<PrincipalTemplate> principals(YamlMap e) {
        Problems p = e.problems();
        e.required("principals");
        List<String> written = e.strings("principals", true);
        if (written == null) {
            return null;
        }
        if (written.size() > MAX_PRINCIPALS) {
            p.add(e.at("principals"), e.path("principals"), "at most " + MAX_PRINCIPALS + " principals");
            return null;
        }
        List<PrincipalTemplate> out = new ArrayList<>();
        Set<String> unique = new LinkedHashSet<>();
        boolean ok = !written.isEmpty();
        for (int i = 0; i < written.size(); i++) {
            String field = e.path("principals") + "[" + i + "]";
            try {
                PrincipalTemplate t = PrincipalTemplate.parse(written.get(i));
                if (!unique.add(t.source())) {
                    p.add(e.element("principals", i), field, "duplicate principal `" + t.source() + "`");
                    ok = false;
                }
                out.add(t);
            } catch (IllegalArgumentException ex) {
                p.add(e.element("principals", i), field, ex.getMessage());
                ok = false;
            }
        }
        return ok ? out : null;
    }

    private static TreeSet<String> extensions(YamlMap e) {
        List<String> written = e.has("extensions") ? e.strings("extensions", false) : List.of();
        if (written == null) {
            return null;
        }
        TreeSet<String> out = new TreeSet<>();
        boolean ok = true;
        for (int i = 0; i < written.size(); i++) {
            String x = written.get(i);
            String field = e.path("extensions") + "[" + i + "]";
            if (!SshEngineSpec.EXTENSIONS.contains(x)) {
                e.problems().add(e.element("extensions", i), field, "unknown extension `" + abbreviate(x) + "`"
                        + ConfigSyntax.suggest(x, SshEngineSpec.EXTENSIONS) + "; known: "
                        + sorted(SshEngineSpec.EXTENSIONS));
                ok = false;
            } else if (!out.add(x)) {
                e.problems().add(e.element("extensions", i), field, "duplicate extension `" + x + "`");
                ok = false;
            }
        }
        return ok ? out : null;
    }

    private static Set<String> keyTypes(YamlMap e) {
        if (!e.has("key-types")) {
            return SshEngineSpec.DEFAULT_KEY_TYPES;
        }
        List<String> written = e.strings("key-types", true);
        if (written == null || written.isEmpty()) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < written.size(); i++) {
            String t = written.get(i);
            if (!SshEngineSpec.KEY_TYPES.contains(t)) {
                e.problems().add(e.element("key-types", i), e.path("key-types") + "[" + i + "]", "unknown or "
                        + "unsupported key type `" + abbreviate(t) + "`" + ConfigSyntax.suggest(t,
                        SshEngineSpec.KEY_TYPES) + "; supported: " + sorted(SshEngineSpec.KEY_TYPES));
                ok = false;
            }
            out.add(t);
        }
        return ok ? out : null;
    }

    private static TreeMap<String, String> criticalOptions(YamlMap e) {
        TreeMap<String, String> out = new TreeMap<>();
        Node node = e.value("critical-options");
        if (node == null) {
            return e.has("critical-options") ? null : out;
        }
        Problems p = e.problems();
        YamlMap o = YamlMap.open(node, e.path("critical-options"), p, SshEngineSpec.CRITICAL_OPTIONS);
        if (o == null) {
            return null;
        }
        int before = p.size();
        String command = o.string("force-command", false);
        if (command != null) {
            if (command.length() > MAX_FORCE_COMMAND) {
                p.add(o.value("force-command"), o.path("force-command"), "at most " + MAX_FORCE_COMMAND
                        + " characters");
            } else if (command.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                p.add(o.value("force-command"), o.path("force-command"), "must not contain control characters "
                        + "(newlines included)");
            } else {
                out.put("force-command", command);
            }
        }
        if (o.has("source-address")) {
            String addresses = sourceAddresses(o);
            if (addresses != null) {
                out.put("source-address", addresses);
            }
        }
        return p.size() == before ? out : null;
    }

    /** A list of CIDR blocks (or one comma-separated string, as {@code ssh-keygen -O} takes it), checked as sshd. */
    private static String sourceAddresses(YamlMap o) {
        Problems p = o.problems();
        String field = o.path("source-address");
        Node v = o.value("source-address");
        if (v == null) {
            return null;
        }
        List<String> entries;
        List<Node> nodes = new ArrayList<>();
        if (v instanceof SequenceNode) {
            entries = o.strings("source-address", true);
            if (entries == null) {
                return null;
            }
            for (int i = 0; i < entries.size(); i++) {
                nodes.add(o.element("source-address", i));
            }
        } else {
            String s = o.string("source-address", false);
            if (s == null) {
                return null;
            }
            entries = List.of(s.split(",", -1));
            entries.forEach(x -> nodes.add(v));
        }
        if (entries.isEmpty() || entries.size() > MAX_SOURCE_ADDRESSES) {
            p.add(v, field, "expected 1 to " + MAX_SOURCE_ADDRESSES + " addresses in CIDR form (10.0.0.0/8, "
                    + "2001:db8::/32)");
            return null;
        }
        boolean ok = true;
        for (int i = 0; i < entries.size(); i++) {
            String problem = checkCidr(entries.get(i).strip());
            if (problem != null) {
                p.add(nodes.get(i), v instanceof SequenceNode ? field + "[" + i + "]" : field, problem);
                ok = false;
            }
        }
        return ok ? String.join(",", entries.stream().map(String::strip).toList()) : null;
    }

    /** {@code null} when sshd would accept {@code cidr} as a {@code source-address} entry, else why not. */
    static String checkCidr(String cidr) {
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        boolean v4 = IPV4.matcher(address).matches();
        if (!v4 && !IPV6.matcher(address).matches()) {
            return "`" + abbreviate(cidr) + "` is not an IPv4 or IPv6 address in CIDR form (10.0.0.0/8, 2001:db8::/32)";
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress(); // a literal: no name lookup
        } catch (UnknownHostException | SecurityException ex) {
            return "`" + abbreviate(cidr) + "` is not a valid IP address";
        }
        if (!v4 && bytes.length != 16) {
            return "`" + abbreviate(cidr) + "` is not a valid IPv6 address";
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = cidr.substring(slash + 1);
            if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > bits) {
                return "`" + abbreviate(cidr) + "` has a prefix length that is not 0.." + bits;
            }
            prefix = Integer.parseInt(length);
        }
        // sshd refuses a block whose host bits are set ("Inappropriate address/mask"), and the certificate with it.
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        BigInteger host = new BigInteger(1, bytes).and(hostMask);
        if (host.signum() != 0) {
            return "`" + abbreviate(cidr) + "` has host bits set below its /" + prefix + " (sshd refuses it): write "
                    + "the network address";
        }
        return null;
    }

    private static String sorted(Set<String> names) {
        return String.join(", ", names.stream().sorted().toList());
    }

    private static String abbreviate(String s) {
        return s.length() <= 70 ? s : s.substring(0, 70) + "…";
    }
}
