// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import hudson.AbortException;
import hudson.Extension;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.Secret;
import io.segura.jenkins.core.BindingException;
import io.segura.jenkins.core.BindingRequest;
import io.segura.jenkins.core.BindingSession;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Set;
import org.jenkinsci.plugins.workflow.log.TaskListenerDecorator;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura') { … }}: the
 * block's steps get the leased values as environment variables (sensitive), its log is masked, and the session is
 * revoked when the block ends — success, failure or abort. All of it is {@link BindingSession} in the core. An SSH
 * certificate ({@code dynamic:ssh/…}) gets its key pair and files on the agent of the enclosing {@code node}
 * ({@link AgentSshFiles}), deleted when the block ends.
 */
public final class WithSeguraStep extends Step {

    private final String secrets;
    private String role;
    private String credentialsId;
    private String ttl;

    @DataBoundConstructor
    public WithSeguraStep(String secrets) {
        this.secrets = secrets;
    }

    public String getSecrets() {
        return secrets;
    }

    public String getRole() {
        return role;
    }

    @DataBoundSetter
    public void setRole(String role) {
        this.role = role;
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = credentialsId;
    }

    public String getTtl() {
        return ttl;
    }

    @DataBoundSetter
    public void setTtl(String ttl) {
        this.ttl = ttl;
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new Execution(this, context);
    }

    /**
     * Opens the block off the CPS thread, runs the body with the variables and the masking decorator, and ends the
     * session in the body's callback. The live session is transient; the session token is kept (as a
     * {@link Secret}) so that a build resumed after a controller restart still revokes when the block ends.
     */
    static final class Execution extends GeneralNonBlockingStepExecution {

        private static final long serialVersionUID = 1L;

        private final transient WithSeguraStep step;
        private transient volatile BindingSession session;
        private volatile Secret sessionToken;
        /** The agent directory of the block's SSH files, kept to delete it when a resumed block ends. */
        private volatile FilePath sshDirectory;

        Execution(WithSeguraStep step, StepContext context) {
            super(context);
            this.step = step;
        }

        @Override
        public boolean start() {
            run(this::doStart);
            return false;
        }

        private void doStart() throws Exception {
            StepContext context = getContext();
            Run<?, ?> run = context.get(Run.class);
            TaskListener listener = context.get(TaskListener.class);
            SeguraGlobalConfiguration config = SeguraGlobalConfiguration.get();
            BindingSession opened;
            try {
                BindingRequest request = BindingRequest.parse(step.getRole(), step.getSecrets(),
                        step.getCredentialsId(), step.getTtl());
                AgentSshFiles ssh = null;
                FilePath workspace = request.sshCertificates().isEmpty() ? null : context.get(FilePath.class);
                if (workspace != null) {
                    // where sh runs: the key pair is made there, not on the controller
                    ssh = AgentSshFiles.inTempDirOf(workspace);
                    sshDirectory = ssh.directory();
                }
                // without a workspace (outside node { }) the core refuses an SSH spec before calling the broker
                opened = BindingSession.open(config.settings(), request, config.getCredentialsId(),
                        new JenkinsCredentials(run), ssh, listener.getLogger());
            } catch (BindingException e) {
                sshDirectory = null; // a failed open deleted its files
                // the message says what failed, the broker's reason and the fix: no stack trace
                throw new AbortException(e.getMessage());
            }
            session = opened;
            sessionToken = Secret.fromString(opened.revocationToken());
            try {
                context.newBodyInvoker()
                        .withContexts(
                                EnvironmentExpander.merge(context.get(EnvironmentExpander.class),
                                        new SeguraEnvironment(opened.environment())),
                                TaskListenerDecorator.merge(context.get(TaskListenerDecorator.class),
                                        new SeguraLogDecorator(opened.values())))
                        .withCallback(new Callback())
                        .start();
            } catch (RuntimeException | Error e) {
                end(listener.getLogger());
                throw e;
            }
        }

        /** An abort while this step itself runs (not its body): end the session now. */
        @Override
        public void stop(Throwable cause) throws Exception {
            end(getContext().get(TaskListener.class).getLogger());
            super.stop(cause);
        }

        /** Closes the live session, or — after a restart — revokes by the kept token. Idempotent. */
        private void end(PrintStream log) throws Exception {
            BindingSession live = session;
            Secret token = sessionToken;
            FilePath ssh = sshDirectory;
            session = null;
            sessionToken = null;
            sshDirectory = null;
            if (live != null) {
                live.close(); // deletes the SSH files too
            } else if (token != null) {
                if (ssh != null) {
                    try {
                        ssh.deleteRecursive();
                        log.println("withSegura: deleted the SSH key and certificate files in " + ssh.getRemote());
                    } catch (IOException e) {
                        log.println("withSegura: warning: could not delete the SSH key and certificate files in "
                                + ssh.getRemote() + " after the restart (" + e.getClass().getSimpleName() + ")");
                    }
                }
                try {
                    BindingSession.revoke(SeguraGlobalConfiguration.get().settings(), token.getPlainText(), log);
                } catch (BindingException e) {
                    log.println("withSegura: warning: could not revoke the session after the restart: "
                            + e.getMessage());
                }
            }
        }

        private final class Callback extends TailCall {

            private static final long serialVersionUID = 1L;

            @Override
            protected void finished(StepContext context) throws Exception {
                end(context.get(TaskListener.class).getLogger());
            }
        }
    }

    @Extension
    public static final class DescriptorImpl extends StepDescriptor {

        @Override
        public String getFunctionName() {
            return "withSegura";
        }

        @Override
        public String getDisplayName() {
            return "Lease secrets from Segura for the block";
        }

        @Override
        public boolean takesImplicitBlockArgument() {
            return true;
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class);
        }
    }
}
