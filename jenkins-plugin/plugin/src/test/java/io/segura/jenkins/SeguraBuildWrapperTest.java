// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import hudson.model.Result;
import hudson.tasks.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** The freestyle build wrapper (-Pjenkins only): values for the build steps, console masked, revoked at the end. */
@WithJenkins
class SeguraBuildWrapperTest {

    static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start("SeguraBuildWrapperTest", "", "");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void freestyleWhenWrapperThenShellSeesValuesConsoleMaskedAndRevoked(JenkinsRule r) throws Exception {
        broker.configure("segura-client");
        FreeStyleProject p = r.createFreeStyleProject();
        SeguraBuildWrapper wrapper = new SeguraBuildWrapper("db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY");
        wrapper.setRole("deploy");
        p.getBuildWrappersList().add(wrapper);
        p.getBuildersList().add(new Shell("echo \"password=$DB_PASSWORD\"; printf '%s\\n' \"$TLS_KEY\""));
        FreeStyleBuild b = r.buildAndAssertSuccess(p);
        r.assertLogContains("password=***", b);
        r.assertLogNotContains(TestBroker.PASSWORD, b);
        r.assertLogNotContains("line-two-of-the-jenkins-key", b);
        assertThat(broker.activeLeases("client:" + TestBroker.CLIENT_ID)).isEmpty();
    }

    @Test
    void freestyleWhenValueHoldsDollarSignsThenShellSeesItUnchanged(JenkinsRule r) throws Exception {
        broker.configure("segura-client");
        FreeStyleProject p = r.createFreeStyleProject();
        SeguraBuildWrapper wrapper = new SeguraBuildWrapper("db/prod/dollar > DOLLAR");
        wrapper.setRole("deploy");
        p.getBuildWrappersList().add(wrapper);
        p.getBuildersList().add(new Shell("test \"$DOLLAR\" = '" + TestBroker.DOLLAR + "' && echo unchanged"));
        FreeStyleBuild b = r.buildAndAssertSuccess(p);
        r.assertLogContains("unchanged", b);
    }

    @Test
    void freestyleWhenBuildStepFailsThenStillRevoked(JenkinsRule r) throws Exception {
        broker.configure("segura-client");
        FreeStyleProject p = r.createFreeStyleProject();
        SeguraBuildWrapper wrapper = new SeguraBuildWrapper("db/prod/password");
        wrapper.setRole("deploy");
        p.getBuildWrappersList().add(wrapper);
        p.getBuildersList().add(new Shell("exit 1"));
        r.buildAndAssertStatus(Result.FAILURE, p);
        assertThat(broker.activeLeases("client:" + TestBroker.CLIENT_ID)).isEmpty();
    }
}
