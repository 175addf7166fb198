// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Objects;

/**
 * The two CEL environments of the broker and their cost bounds. Role {@code condition}s see {@code claims},
 * {@code ctx} and {@code request}; policy {@code deny-if} rules also see {@code secrets}. Every expression must be a
 * {@code bool}.
 *
 * <p>Bounds, so no expression in the config can stall the exchange or lease path: the loader caps the text at 4096
 * characters; the parser at {@value #MAX_PARSE_DEPTH} levels of nesting and {@value #MAX_NODES} AST nodes;
 * comprehensions ({@code all}, {@code exists}, {@code map}, {@code filter}) may nest at most
 * {@value #MAX_COMPREHENSION_NESTING} deep (checked here at compile time); at run time one comprehension stops
 * after {@value #MAX_ITERATIONS} iterations, which fails the expression. The inputs are small (a token's claims, at
 * most a lease's secrets), so the worst case is bounded by these numbers, not by the data.
 */
public final class CelExpressions {

    public static final int MAX_PARSE_DEPTH = 32;
    public static final int MAX_NODES = 1000;
    public static final int MAX_COMPREHENSION_NESTING = 2;
    public static final int MAX_ITERATIONS = 256;

    /** Which variables an expression may use. */
    public enum Scope { CONDITION, POLICY }

    /** The compilers and the runtime; built on the first {@link #compile}, see {@link #environments()}. */
    private record Environments(CelCompiler conditions, CelCompiler policies, CelRuntime runtime) { }

    private volatile Environments environments;

    /**
     * Builds nothing yet: building the CEL environments loads and initialises most of CEL (~0.3 s of a cold start),
     * and a trust config without any condition or policy never needs them. The first expression pays for it, and
     * the broker compiles every expression at start-up (DeploymentGate), so no request ever does.
     */
    public CelExpressions() {
    }

    private Environments environments() {
        Environments e = environments;
        if (e == null) {
            synchronized (this) {
                e = environments;
                if (e == null) {
                    e = buildEnvironments();
                    environments = e;
                }
            }
        }
        return e;
    }

    private static Environments buildEnvironments() {
        CelOptions options = CelOptions.current()
                .maxParseRecursionDepth(MAX_PARSE_DEPTH)
                .maxParseExpressionNodeCount(MAX_NODES)
                .comprehensionMaxIterations(MAX_ITERATIONS)
                .build();
        MapType object = MapType.create(SimpleType.STRING, SimpleType.DYN);
        CelCompiler conditions = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("claims", object).addVar("ctx", object).addVar("request", object)
                .setResultType(SimpleType.BOOL)
                .build();
        CelCompiler policies = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("claims", object).addVar("ctx", object).addVar("request", object)
                .addVar("secrets", ListType.create(object))
                .setResultType(SimpleType.BOOL)
                .build();
        return new Environments(conditions, policies,
                CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(options).build());
    }

    /**
     * Compiles {@code source}.
     *
     * @throws CelCompileException with the first problem's 1-based line and column inside the expression
     */
    public CelExpression compile(String source, Scope scope) {
        Objects.requireNonNull(source, "source cannot be null");
        Environments env = environments();
        CelAbstractSyntaxTree ast;
        try {
            ast = (scope == Scope.CONDITION ? env.conditions() : env.policies()).compile(source).getAst();
        } catch (CelValidationException e) {
            CelIssue first = e.getErrors().get(0);
            int line = Math.max(1, first.getSourceLocation().getLine());
            // CEL reports 0-based columns; config problems are 1-based like the YAML positions.
            int column = Math.max(0, first.getSourceLocation().getColumn()) + 1;
            String more = e.getErrors().size() > 1 ? " (and " + (e.getErrors().size() - 1) + " more)" : "";
            throw new CelCompileException(first.getMessage() + more, line, column);
        }
        checkNesting(ast);
        try {
            return new CelExpression(source, env.runtime().createProgram(ast), ReferencedClaims.of(ast));
        } catch (CelEvaluationException e) {
            throw new CelCompileException(e.getMessage(), 1, 1);
        }
    }

    private static void checkNesting(CelAbstractSyntaxTree ast) {
        CelNavigableAst.fromAst(ast).getRoot().allNodes()
                .filter(n -> n.getKind() == CelExpr.ExprKind.Kind.COMPREHENSION)
                .forEach(n -> {
                    int depth = 1;
                    for (CelNavigableExpr p = n.parent().orElse(null); p != null; p = p.parent().orElse(null)) {
                        if (p.getKind() == CelExpr.ExprKind.Kind.COMPREHENSION) {
                            depth++;
                        }
                    }
                    if (depth > MAX_COMPREHENSION_NESTING) {
                        var at = ast.getSource().getOffsetLocation(
                                ast.getSource().getPositionsMap().getOrDefault(n.id(), 0));
                        throw new CelCompileException("comprehensions (all, exists, exists_one, map, filter) nest "
                                + depth + " deep; at most " + MAX_COMPREHENSION_NESTING + " are allowed",
                                at.map(l -> l.getLine()).orElse(1), at.map(l -> l.getColumn() + 1).orElse(1));
                    }
                });
    }

    /** A CEL expression that does not compile, with its position inside the expression text (1-based). */
    public static final class CelCompileException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final int line;
        private final int column;

        CelCompileException(String message, int line, int column) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }

        public int line() {
            return line;
        }

        public int column() {
            return column;
        }
    }
}
