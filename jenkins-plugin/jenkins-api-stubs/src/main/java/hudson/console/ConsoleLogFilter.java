// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package hudson.console;

import hudson.ExtensionPoint;
import hudson.model.Run;
import java.io.IOException;
import java.io.OutputStream;

public abstract class ConsoleLogFilter implements ExtensionPoint {
    @SuppressWarnings("rawtypes")
    public OutputStream decorateLogger(Run build, OutputStream logger) throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
