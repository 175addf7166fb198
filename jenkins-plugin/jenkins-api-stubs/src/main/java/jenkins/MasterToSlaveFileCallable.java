// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (jenkinsci/jenkins core @ ff9430ee1dc6, core/src/main/java/jenkins/MasterToSlaveFileCallable.java:
// implements jenkins.agents.ControllerToAgentFileCallable, whose default checkRoles allows Roles.SLAVE). Never shipped,
// never run.
package jenkins;

import hudson.FilePath;

public abstract class MasterToSlaveFileCallable<T> implements FilePath.FileCallable<T> {
    private static final long serialVersionUID = 1L;
}
