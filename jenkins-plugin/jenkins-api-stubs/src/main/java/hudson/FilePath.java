// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core @ ff9430ee1dc6,
// core/src/main/java/hudson/FilePath.java). Never shipped, never run.
package hudson;

import hudson.remoting.VirtualChannel;
import java.io.File;
import java.io.IOException;

public final class FilePath implements java.io.Serializable {
    private FilePath() {
    }

    /** FilePath.java:1188 (the real one also extends org.jenkinsci.remoting.RoleSensitive). */
    public interface FileCallable<T> extends java.io.Serializable {
        T invoke(File f, VirtualChannel channel) throws IOException, InterruptedException;
    }

    /** FilePath.java:1208. */
    public <T> T act(final FileCallable<T> callable) throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    /** FilePath.java:407. */
    public String getRemote() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    /** FilePath.java:1509. */
    public String getName() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    /** FilePath.java:1530. */
    public FilePath sibling(String rel) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    /** FilePath.java:1547. */
    public FilePath child(String relOrAbsolute) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    /** FilePath.java:1461. */
    public void deleteRecursive() throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
