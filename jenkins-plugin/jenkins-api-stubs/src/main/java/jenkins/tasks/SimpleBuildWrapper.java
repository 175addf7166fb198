// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package jenkins.tasks;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.console.ConsoleLogFilter;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildWrapper;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

public abstract class SimpleBuildWrapper extends BuildWrapper {
    public void setUp(Context context, Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener,
            EnvVars initialEnvironment) throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public void setUp(Context context, Run<?, ?> build, TaskListener listener, EnvVars initialEnvironment)
            throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public boolean requiresWorkspace() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    protected boolean runPreCheckout() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public ConsoleLogFilter createLoggerDecorator(Run<?, ?> build) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public static final class Context {
        public Context() {
        }

        public void env(String key, String value) {
            throw new UnsupportedOperationException("compile-only declaration");
        }

        public Map<String, String> getEnv() {
            throw new UnsupportedOperationException("compile-only declaration");
        }

        public void setDisposer(Disposer disposer) {
            throw new UnsupportedOperationException("compile-only declaration");
        }

        public Disposer getDisposer() {
            throw new UnsupportedOperationException("compile-only declaration");
        }
    }

    public abstract static class Disposer implements Serializable {
        public void tearDown(Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener)
                throws IOException, InterruptedException {
            throw new UnsupportedOperationException("compile-only declaration");
        }

        public void tearDown(Run<?, ?> build, TaskListener listener) throws IOException, InterruptedException {
            throw new UnsupportedOperationException("compile-only declaration");
        }
    }
}
