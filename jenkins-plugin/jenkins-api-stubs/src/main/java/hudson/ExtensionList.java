// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package hudson;

public class ExtensionList<T> {
    protected ExtensionList() {
    }

    public static <U> U lookupSingleton(Class<U> type) {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
