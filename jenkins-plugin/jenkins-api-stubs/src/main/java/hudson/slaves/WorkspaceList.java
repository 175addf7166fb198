// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (jenkinsci/jenkins core @ ff9430ee1dc6, core/src/main/java/hudson/slaves/WorkspaceList.java:312,
// "@since 1.652", "@CheckForNull": null when the workspace has no parent). Never shipped, never run.
package hudson.slaves;

import hudson.FilePath;

public final class WorkspaceList {
    private WorkspaceList() {
    }

    /** {@code ws.sibling(ws.getName() + "@tmp")}: where credentials-binding writes its secret files. */
    public static FilePath tempDir(FilePath ws) {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
