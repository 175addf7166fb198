// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One {@code dynamic.ssh[i]} entry (DESIGN §6a, §9): an OpenSSH user-certificate authority whose key lives in the
 * vault store at {@code caKeySecret} and whose certificates carry the principals, critical options and extensions
 * written here. Parsed and validated by {@link SshEngineParser}; signed by {@code io.segura.broker.dynamic.ssh}.
 *
 * @param name            {@code ssh/<ca>}: what a role lists and a job requests; {@code <ca>} names the CA's URLs
 * @param caKeySecret     vault path of the CA's OpenSSH private key (generated there when absent)
 * @param caKeyType       the key type generated when the path is empty ({@code ssh-ed25519} by default)
 * @param principals      the certificate's principals, each a template over {@code ctx}
 * @param criticalOptions PROTOCOL.certkeys critical options by name (lexically ordered, as they are encoded)
 * @param extensions      PROTOCOL.certkeys extensions (lexically ordered)
 * @param keyTypes        the public-key types a caller may have signed
 * @param maxTtl          the longest certificate validity this CA signs
 * @param backdate        how far before the signing time {@code valid-after} lies (clock skew of hosts)
 */
public record SshEngineSpec(
        String name,
        String caKeySecret,
        String caKeyType,
        List<PrincipalTemplate> principals,
        SortedMap<String, String> criticalOptions,
        SortedSet<String> extensions,
        Set<String> keyTypes,
        Duration maxTtl,
        Duration backdate,
        SourceLocation at) {

    public static final String NAME_PREFIX = "ssh/";

    /** User-certificate extensions of PROTOCOL.certkeys (all flags with empty data). */
    public static final Set<String> EXTENSIONS = Set.of("permit-X11-forwarding", "permit-agent-forwarding",
            "permit-port-forwarding", "permit-pty", "permit-user-rc");

    /** User-certificate critical options of PROTOCOL.certkeys that take a string. */
    public static final Set<String> CRITICAL_OPTIONS = Set.of("force-command", "source-address");

    /** Public-key types the CA signs (no DSA, no FIDO security-key types). */
    public static final Set<String> KEY_TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "ssh-rsa");

    /** Signed when {@code key-types} is not written: RSA only on request. */
    public static final Set<String> DEFAULT_KEY_TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521");

    /** Key types the broker can generate and sign with as a CA. */
    public static final Set<String> CA_KEY_TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521");

    public static final Duration DEFAULT_MAX_TTL = Duration.ofMinutes(30);
    public static final Duration DEFAULT_BACKDATE = Duration.ofSeconds(30);

    public SshEngineSpec {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(caKeySecret, "caKeySecret cannot be null");
        principals = List.copyOf(principals);
        criticalOptions = new TreeMap<>(criticalOptions);
        extensions = new TreeSet<>(extensions);
        keyTypes = Set.copyOf(keyTypes);
    }

    /** The {@code <ca>} of {@code ssh/<ca>}: the path segment of {@code /api/v2/ssh/<ca>/…}. */
    public String ca() {
        return name.substring(NAME_PREFIX.length());
    }

    @Override
    public SortedMap<String, String> criticalOptions() {
        return java.util.Collections.unmodifiableSortedMap(criticalOptions);
    }

    @Override
    public SortedSet<String> extensions() {
        return java.util.Collections.unmodifiableSortedSet(extensions);
    }
}
