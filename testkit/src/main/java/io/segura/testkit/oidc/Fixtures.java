// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.oidc;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Real-shaped claim sets per CI platform (DESIGN §3), copied from {@code shared/fixtures/claims/}. Each call returns a
 * fresh mutable map, so a test can change claims before minting without affecting other tests.
 */
public final class Fixtures {

    /** Preset names (as in the trust config) whose fixture file is named differently. */
    private static final Map<String, String> FILE_BY_PRESET = Map.of(
            "jenkins", "jenkins-oidc-provider",
            "kubernetes", "kubernetes-tekton");

    private Fixtures() {
    }

    /**
     * The fixture claims of {@code preset} ({@code github-actions}, {@code gitlab}, {@code azure-devops},
     * {@code circleci}, {@code bitbucket}, {@code jenkins}, {@code kubernetes}; the fixture file names
     * {@code jenkins-oidc-provider} and {@code kubernetes-tekton} work too), without the {@code _note} member.
     */
    public static Map<String, Object> claims(String preset) {
        String file = FILE_BY_PRESET.getOrDefault(preset, preset);
        String resource = "/fixtures/claims/" + file + ".json";
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no claim fixture for preset \"" + preset + "\"");
            }
            Map<String, Object> claims = new LinkedHashMap<>(
                    JSONObjectUtils.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            claims.remove("_note");
            return claims;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ParseException e) {
            throw new IllegalStateException("fixture " + resource + " is not a JSON object", e);
        }
    }
}
