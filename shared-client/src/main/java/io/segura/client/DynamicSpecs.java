// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
