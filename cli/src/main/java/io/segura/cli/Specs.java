// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.ConfigException;
import io.segura.client.DynamicCredential;
import io.segura.client.DynamicSpecs;
import io.segura.client.Session;
import io.segura.client.ssh.SshCertificateFiles;
import java.time.Duration;
import java.util.function.Consumer;
import io.segura.client.Lease;
import io.segura.client.LeasedSecret;
import io.segura.client.SecretSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Secret specs from {@code SEGURA_SECRETS} plus {@code --secret} options, and matching them to a lease. */
final class Specs {

    private Specs() {
    }

    static List<SecretSpec> merge(List<SecretSpec> fromEnv, List<String> options) throws ConfigException {
        List<SecretSpec> all = new ArrayList<>(fromEnv);
        for (String o : options) {
            try {
                all.add(SecretSpec.parse(o));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--secret: " + e.getMessage());
            }
        }
        try {
            return SecretSpec.checkDistinct(all);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Refuses dynamic secrets in a command that cannot hold them: its session ends with the command (or a platform
     * would keep the credential in its environment), so the credential would be revoked before anything used it.
     */
    static List<SecretSpec> staticOnly(List<SecretSpec> specs, String command) throws ConfigException {
        for (SecretSpec s : specs) {
            if (s.dynamic()) {
                throw new ConfigException(s.ref() + ": `segura-cli " + command + "` does not take dynamic secrets"
                        + " (not yet); run the step under `segura-cli exec`, which revokes them when it ends");
            }
        }
        return specs;
    }

    /** The static secrets among {@code specs}, for the lease API. */
    static List<SecretSpec> statics(List<SecretSpec> specs) {
        return specs.stream().filter(s -> !s.dynamic()).toList();
    }

    /** What to do with each dynamic secret's value. */
    interface DynamicSink {
        void accept(String envName, DynamicCredential credential, String value) throws IOException;
    }

    /**
     * Requests each dynamic secret named in {@code specs} once (specs naming the same secret share its credential)
     * and calls {@code sink} for every spec with its field of that credential. An SSH certificate ({@code ssh/…}) is
     * requested for a key from {@code ssh}, which then writes the key and certificate files its fields name.
     *
     * @param leases told each new credential's lease id, at once (so a failure later still revokes it)
     */
    static void dynamic(BrokerClient client, Session session, List<SecretSpec> specs, Duration ttl,
            SshCertificateFiles ssh, Consumer<DynamicCredential> leases, DynamicSink sink)
            throws BrokerException, InterruptedException, IOException {
        // the request-once-per-name, the key, certificate and files, and the rendering are shared with the Jenkins
        // and Bamboo cores
        DynamicSpecs.request(specs, name -> DynamicSpecs.request(client, session, name, ttl, ssh, leases),
                (spec, credential, value) -> sink.accept(spec.envName(), credential, value));
    }

    /** What to do with each leased secret. */
    interface Sink {
        void accept(String envName, LeasedSecret secret) throws IOException;
    }

    /** Calls {@code sink} for each spec with the secret the lease returned for it. */
    static void export(List<SecretSpec> specs, Lease lease, Sink sink) throws IOException {
        for (SecretSpec s : statics(specs)) {
            LeasedSecret match = lease.secrets().stream()
                    .filter(l -> l.path().equals(s.path()) && (s.version() == null || l.version() == s.version()))
                    .findFirst()
                    .orElseThrow(() -> new IOException("the broker's lease has no value for " + s.ref()));
            sink.accept(s.envName(), match);
        }
    }
}
