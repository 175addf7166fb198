// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The trust config is invalid; carries <em>every</em> problem found, not only the first, so one edit-run cycle fixes
 * them all. The message lists them one per line as {@code FILE:LINE:COLUMN: FIELD: problem}.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String render(List<ConfigProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        String noun = problems.size() == 1 ? "problem" : "problems";
        return problems.size() + " " + noun + " in trust config:\n"
                + problems.stream().map(ConfigProblem::render).collect(Collectors.joining("\n"));
    }
}
