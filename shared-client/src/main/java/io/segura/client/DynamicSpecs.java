// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import io.segura.client.ssh.CertificateFiles;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code dynamic:NAME[.FIELD] > ENV} specs of a job (DESIGN §6a) turned into values: each dynamic secret named is
 * requested once (specs naming the same secret share its credential), then every spec gets its field of that
 * credential ({@link SecretSpec#valueOf}). One implementation for {@code segura-cli exec}, the Jenkins core and the
 * Bamboo core, so a spec renders the same value everywhere.
 */
public final class DynamicSpecs {

    private DynamicSpecs() {
    }

    /**
     * Requests one credential of the dynamic secret {@code name}, under the job's session. It should record the new
     * lease at once (so that a failure later still revokes it).
     */
    @FunctionalInterface
    public interface Requester {
        DynamicCredential request(String name) throws BrokerException, InterruptedException, IOException;
    }

    /** What to do with one spec's value. */
    @FunctionalInterface
    public interface Sink {
        void accept(SecretSpec spec, DynamicCredential credential, String value) throws IOException;
    }

    /**
     * Requests one credential of the dynamic secret {@code name} under {@code session}. An SSH certificate
     * ({@code ssh/…}) is requested for a key {@code files} makes where the job's {@code ssh} runs, and {@code files}
     * then writes the certificate beside it: the credential returned has the {@code key} and {@code certificate}
     * paths as fields.
     *
     * @param files  where SSH keys and certificates go; may be null when {@code name} is not an SSH certificate's
     * @param issued told the new credential at once, before its files are written (so a failure later still
     *               revokes its lease)
     */
    public static DynamicCredential request(BrokerClient client, Session session, String name, Duration ttl,
            CertificateFiles files, Consumer<DynamicCredential> issued)
            throws BrokerException, InterruptedException, IOException {
        boolean certificate = SecretSpec.isSsh(name);
        if (certificate && files == null) {
            throw new IllegalStateException(name + " is an SSH certificate, and there is no place for its files");
        }
        DynamicCredential credential = client.dynamicSecret(session, name, ttl,
                certificate ? files.keyToCertify(name) : Map.of());
        issued.accept(credential);
        if (!certificate) {
            return credential;
        }
        return credential.withFields(files.writeCertificate(name, credential.fields().get("certificate")));
    }

    /** The distinct dynamic secrets {@code specs} name, in order. */
    public static List<String> names(List<SecretSpec> specs) {
        return specs.stream().filter(SecretSpec::dynamic).map(SecretSpec::path).distinct().toList();
    }

    /**
     * Requests every dynamic secret {@code specs} name, all before the first {@code sink} call, then calls
     * {@code sink} for each dynamic spec in order with its value. Static specs are skipped.
     *
     * @return the credentials, by name
     * @throws IOException when a credential lacks the field a spec names (a broker answer of another shape)
     */
    public static Map<String, DynamicCredential> request(List<SecretSpec> specs, Requester requester, Sink sink)
            throws BrokerException, InterruptedException, IOException {
        Map<String, DynamicCredential> byName = new LinkedHashMap<>();
        for (String name : names(specs)) {
            byName.put(name, requester.request(name));
        }
        for (SecretSpec s : specs) {
            if (s.dynamic()) {
                DynamicCredential credential = byName.get(s.path());
                String value;
                try {
                    value = s.valueOf(credential);
                } catch (IllegalArgumentException e) {
                    throw new IOException(e.getMessage(), e);
                }
                sink.accept(s, credential, value);
            }
        }
        return byName;
    }
}
