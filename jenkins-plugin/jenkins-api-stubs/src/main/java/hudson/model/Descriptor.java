// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package hudson.model;

public abstract class Descriptor<T extends Describable<T>> {
    protected Descriptor(Class<? extends T> clazz) {
    }

    protected Descriptor() {
    }

    public String getDisplayName() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public synchronized void load() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public synchronized void save() {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
