// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
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

    /** What to do with each leased secret. */
    interface Sink {
        void accept(String envName, LeasedSecret secret) throws IOException;
    }

    /** Calls {@code sink} for each spec with the secret the lease returned for it. */
    static void export(List<SecretSpec> specs, Lease lease, Sink sink) throws IOException {
        for (SecretSpec s : specs) {
            LeasedSecret match = lease.secrets().stream()
                    .filter(l -> l.path().equals(s.path()) && (s.version() == null || l.version() == s.version()))
                    .findFirst()
                    .orElseThrow(() -> new IOException("the broker's lease has no value for " + s.ref()));
            sink.accept(s.envName(), match);
        }
    }
}
