// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (jenkinsci/remoting, imported by core's FilePath.java:52). Never shipped, never run.
package hudson.remoting;

public interface VirtualChannel {
}
