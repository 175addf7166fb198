// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import hudson.EnvVars;
import hudson.util.Secret;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;

/**
 * The block's variables for every step inside it, marked sensitive so Pipeline warns about Groovy interpolation of
 * them and masks them in step arguments. Values stay {@link Secret}s while the build's state is saved.
 */
final class SeguraEnvironment extends EnvironmentExpander {

    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, Secret> variables = new LinkedHashMap<>();

    SeguraEnvironment(Map<String, String> environment) {
        environment.forEach((name, value) -> variables.put(name, Secret.fromString(value)));
    }

    @Override
    public void expand(EnvVars env) {
        variables.forEach((name, value) -> env.override(name, value.getPlainText()));
    }

    @Override
    public Set<String> getSensitiveVariables() {
        return new LinkedHashSet<>(variables.keySet());
    }
}
