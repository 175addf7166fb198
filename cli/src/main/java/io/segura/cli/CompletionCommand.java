// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code segura-cli completion bash|zsh}: the completion script picocli generates from the command model, so it
 * always matches the commands and options of this build. picocli's script is a bash script that also runs in zsh:
 * there it loads zsh's {@code bashcompinit} (and {@code compinit}) first, as picocli documents.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print the shell completion script for bash or zsh.",
            "bash: add `source <(segura-cli completion bash)` to ~/.bashrc.",
            "zsh: add `source <(segura-cli completion zsh)` to ~/.zshrc (it loads bashcompinit itself)."},
        footer = {"", "Examples:",
            "  source <(segura-cli completion bash)",
            "  segura-cli completion zsh > ~/.zsh/segura-cli-completion.zsh"})
final class CompletionCommand implements Callable<Integer> {

    static final List<String> SHELLS = List.of("bash", "zsh");

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", completionCandidates = Shells.class, description = "bash or zsh")
    String shell;

    @Override
    public Integer call() throws Exception {
        if (!SHELLS.contains(shell)) {
            throw new ConfigException("completion: unknown shell \"" + shell + "\"; give bash or zsh");
        }
        // the whole command model, every command (a run builds only the one it executes)
        String script = AutoComplete.bash("segura-cli", SeguraCli.commandLine(root.ctx));
        PrintWriter out = spec.commandLine().getOut();
        out.print(script);
        out.flush();
        return ExitCodes.OK;
    }

    /** The shells, for help and completion of this very argument. */
    static final class Shells implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return SHELLS.iterator();
        }
    }
}
