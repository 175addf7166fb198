// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the verifier past the signature (README "Fuzzing"): payloads <em>correctly signed</em> by
 * a trusted issuer's key, so every claim check runs on hostile JSON — {@code exp}/{@code nbf}/{@code iat} as any JSON
 * number text (huge, negative, fractional, exponent), string or structure, any {@code iss}/{@code aud}/{@code sub},
 * or raw bytes. A typed refusal is allowed; an accepted token must obey the skew and the 2 h lifetime cap
 * ({@link FuzzIssuer#verifyOrRefuse}). Regression inputs:
 * {@code src/test/resources/io/segura/broker/federation/SignedClaimsFuzzTestInputs/}.
 */
class SignedClaimsFuzzTest {

    private static final String[] NUMBER_PARTS = {"0", "1", "9", "-", ".", "e", "E", "+", "00", "9223372036854775807",
        "9223372036854775808", "1e300", "1e308", "1e309", "-0", "31556889864403199", "31556889864403200"};

    @FuzzTest
    void signedClaimsAreRefusedTypedOrObeyTheTimeRules(FuzzedDataProvider data) {
        byte[] payload;
        if (data.consumeBoolean()) {
            StringBuilder json = new StringBuilder("{");
            member(json, "iss", switch (data.consumeInt(0, 3)) {
                case 0 -> quoted(FuzzIssuer.SIM.issuer());
                case 1 -> quoted(FuzzIssuer.PATTERN_ISS);
                case 2 -> quoted(data.consumeString(100));
                default -> value(data);
            });
            member(json, "aud", data.consumeBoolean() ? quoted(TestIssuers.AUDIENCE) : value(data));
            member(json, "sub", data.consumeBoolean() ? quoted("repo:acme/app") : value(data));
            for (String claim : new String[] {"exp", "nbf", "iat"}) {
                if (data.consumeBoolean()) {
                    member(json, claim, time(data));
                }
            }
            if (data.consumeBoolean()) {
                // any other claim; a name the fuzzer breaks out of is just more hostile JSON
                member(json, data.consumeString(20), value(data));
            }
            json.setLength(json.length() - 1);
            payload = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        } else {
            payload = data.consumeRemainingAsBytes();
        }
        FuzzIssuer.verifyOrRefuse(FuzzIssuer.signEs256(payload, true));
    }

    private static void member(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":").append(value).append(',');
    }

    /** A time claim the fuzzer steers: near the clock (to pass the checks), any long or double, or number-ish text. */
    private static String time(FuzzedDataProvider data) {
        long now = FuzzIssuer.NOW.getEpochSecond();
        return switch (data.consumeInt(0, 4)) {
            case 0 -> Long.toString(now + data.consumeInt(-10_000, 10_000));
            case 1 -> Long.toString(data.consumeLong());
            case 2 -> Double.toString(data.consumeRegularDouble());
            case 3 -> {
                StringBuilder n = new StringBuilder();
                for (int i = data.consumeInt(1, 6); i > 0; i--) {
                    n.append(data.pickValue(NUMBER_PARTS));
                }
                yield n.toString();
            }
            default -> value(data);
        };
    }

    /** Any JSON value, valid or not. */
    private static String value(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 4)) {
            case 0 -> quoted(data.consumeString(50));
            case 1 -> "[" + quoted(TestIssuers.AUDIENCE) + "," + data.consumeString(20) + "]";
            case 2 -> data.pickValue(new String[] {"null", "true", "false", "{}", "[]", "[[[[[]]]]]", "{\"a\":{}}"});
            case 3 -> Long.toString(data.consumeLong());
            default -> data.consumeString(40);
        };
    }

    private static String quoted(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 0x20) {
                q.append(String.format("\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
