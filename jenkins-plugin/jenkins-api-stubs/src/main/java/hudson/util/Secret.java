// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package hudson.util;

public final class Secret implements java.io.Serializable {
    private Secret() {
    }

    public String getPlainText() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public static Secret fromString(String data) {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
