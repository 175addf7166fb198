// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runner-side parsers must be as strict as the runner, or adapter tests would pass on output it rejects. */
class GitHubRunnerTest {

    @Test
    void parseFileCommandsWhenSingleLineAndHeredocThenBothRead() {
        String content = "A=one=1\nB<<EOF\nline1\n\nline3\nEOF\n\nC<<X\nX\n";

        assertThat(GitHubRunner.parseFileCommands(content)).containsExactly(Map.entry("A", "one=1"),
                Map.entry("B", "line1\n\nline3"), Map.entry("C", ""));
    }

    @Test
    void parseFileCommandsWhenCrLfOrCrThenLineEndingsLikeDotNetReadLine() {
        assertThat(GitHubRunner.parseFileCommands("A<<D\r\nx\ry\r\nD\r\n")).containsExactly(Map.entry("A", "x\ny"));
    }

    @Test
    void parseFileCommandsWhenDelimiterMissingThenFailsLikeTheRunner() {
        assertThatThrownBy(() -> GitHubRunner.parseFileCommands("A<<EOF\nvalue\n"))
                .hasMessageContaining("Matching delimiter not found");
    }

    @Test
    void parseFileCommandsWhenNoNameThenFails() {
        assertThatThrownBy(() -> GitHubRunner.parseFileCommands("=value\n")).hasMessageContaining("Name");
        assertThatThrownBy(() -> GitHubRunner.parseFileCommands("just text\n")).hasMessageContaining("Invalid");
    }

    @Test
    void masksWhenEscapedThenUnescapedPercentLast() {
        String stdout = "::add-mask::a%250Ab%0D%0Ac\nplain log line\n  ::add-mask::second\n";

        assertThat(GitHubRunner.masks(stdout)).containsExactly("a%0Ab\r\nc", "second");
        assertThat(GitHubRunner.logLines(stdout)).containsExactly("plain log line");
    }

    @Test
    void azureUnescapeWhenEscapedPercentThenDecodedLast() {
        assertThat(AzureAgent.unescape("50%AZP253B%3B%5D%0D%0A")).isEqualTo("50%3B;]\r\n");
        assertThat(AzureAgent.commands("##vso[task.setvariable variable=a%3Bb;issecret=true]v%AZP25")
                .get(0).properties()).containsEntry("variable", "a;b").containsEntry("issecret", "true");
    }
}
