// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fallback when no CI platform is detected: a developer's machine. It has no job identity of its own; an
 * explicit {@code SEGURA_ID_TOKEN} or client credentials are handled by the caller before a platform is asked.
 * (Minimal version; the broker-client branch brings the fuller one.)
 */
public final class LocalDev implements Platform {

    public static final String NAME = "local";

    @Override
    public String name() {
        return NAME;
    }

    /** Never detected: it is what {@link Platforms#detect} falls back to. */
    @Override
    public boolean detect(JobEnvironment env) {
        return false;
    }

    @Override
    public Identity identity(JobEnvironment env, String audience) throws PlatformException {
        throw new PlatformException("no CI platform detected: set SEGURA_PLATFORM, or SEGURA_ID_TOKEN /"
                + " SEGURA_CLIENT_ID");
    }

    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        Path file = EnvFile.append(env.workDir().resolve(EnvFile.DEFAULT_RELATIVE_PATH), name, value);
        return file + " (0600)";
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME).from("user", "USER", "USERNAME").toMap();
    }
}
