// SPDX-License-Identifier: Apache-2.0
// COMPILE-CHECK DECLARATION, not Atlassian code: never shipped, never run (see this module's pom description).
package com.atlassian.bamboo.bandana;

import com.atlassian.bandana.BandanaContext;

/** JENKINS-BAMBOO.md §6 [C develocity, jfrog]: PlanAwareBandanaContext.GLOBAL_CONTEXT. */
public class PlanAwareBandanaContext implements BandanaContext {

    public static final PlanAwareBandanaContext GLOBAL_CONTEXT = new PlanAwareBandanaContext();

    private PlanAwareBandanaContext() {
    }
}
