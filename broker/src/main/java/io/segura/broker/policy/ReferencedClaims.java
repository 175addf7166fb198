// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the claim names an expression reads directly ({@code claims.x}, {@code claims["x"]}) without guarding them
 * with {@code has(claims.x)} anywhere in the expression.
 */
final class ReferencedClaims {

    private ReferencedClaims() {
    }

    static Set<String> of(CelAbstractSyntaxTree ast) {
        Set<String> names = new TreeSet<>();
        Set<String> guarded = new TreeSet<>();
        CelNavigableAst.fromAst(ast).getRoot().allNodes().map(n -> n.expr()).forEach(e -> {
            if (e.getKind() == CelExpr.ExprKind.Kind.SELECT && isClaims(e.select().operand())) {
                (e.select().testOnly() ? guarded : names).add(e.select().field());
            } else if (e.getKind() == CelExpr.ExprKind.Kind.CALL && "_[_]".equals(e.call().function())
                    && e.call().args().size() == 2 && isClaims(e.call().args().get(0))
                    && e.call().args().get(1).getKind() == CelExpr.ExprKind.Kind.CONSTANT
                    && e.call().args().get(1).constant().getKind() == CelConstant.Kind.STRING_VALUE) {
                names.add(e.call().args().get(1).constant().stringValue());
            }
        });
        names.removeAll(guarded);
        return names;
    }

    private static boolean isClaims(CelExpr e) {
        return e.getKind() == CelExpr.ExprKind.Kind.IDENT && "claims".equals(e.ident().name());
    }
}
