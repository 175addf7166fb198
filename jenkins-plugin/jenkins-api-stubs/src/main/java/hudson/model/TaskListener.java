// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package hudson.model;

import java.io.PrintStream;

public interface TaskListener extends java.io.Serializable {
    PrintStream getLogger();
}
