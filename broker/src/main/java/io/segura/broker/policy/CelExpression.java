// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** One compiled CEL expression: immutable and thread-safe, evaluated many times. */
public final class CelExpression {

    private static final Pattern ERROR_PREFIX = Pattern.compile("^evaluation error at <input>:\\d+:\\s*");

    private final String source;
    private final CelRuntime.Program program;
    private final Set<String> referencedClaims;

    CelExpression(String source, CelRuntime.Program program, Set<String> referencedClaims) {
        this.source = Objects.requireNonNull(source, "source cannot be null");
        this.program = Objects.requireNonNull(program, "program cannot be null");
        this.referencedClaims = Set.copyOf(referencedClaims);
    }

    /** The expression as written in the config: server-side policy, shown to admins only. */
    public String source() {
        return source;
    }

    /** The claim names the expression reads as {@code claims.NAME} or {@code claims["NAME"]} (for the lint). */
    public Set<String> referencedClaims() {
        return referencedClaims;
    }

    /**
     * @param variables {@code claims}, {@code ctx}, {@code request} (and {@code secrets} for policies), already in
     *                  CEL form ({@link CelValues})
     */
    public CelOutcome evaluate(Map<String, Object> variables) {
        Object result;
        try {
            result = program.eval(variables);
        } catch (CelEvaluationException e) {
            return CelOutcome.failed(reason(e));
        } catch (RuntimeException e) {
            // A bug in a function binding must deny, never let the request through.
            return CelOutcome.failed("evaluation failed (" + e.getClass().getSimpleName() + ")");
        }
        if (result instanceof Boolean b) {
            return CelOutcome.of(b);
        }
        return CelOutcome.failed("the result is " + (result == null ? "null" : describe(result)) + ", not a bool");
    }

    private static String describe(Object result) {
        String name = result.getClass().getSimpleName();
        return "NullValue".equals(name) ? "null" : "a " + name;
    }

    private static String reason(CelEvaluationException e) {
        String message = e.getMessage() == null ? "evaluation failed" : e.getMessage();
        message = ERROR_PREFIX.matcher(message).replaceFirst("");
        return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    @Override
    public String toString() {
        return "CelExpression[" + source.length() + " chars]";
    }
}
