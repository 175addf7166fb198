// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Coverage-guided fuzzing of the verifier's pre-checks on untrusted compact tokens (README "Fuzzing"): size, dots,
 * base64url, the JOSE header JSON and the payload JSON, none of them signed by a trusted key. The only outcome
 * allowed is a {@link TokenRejectedException}. Regression inputs:
 * {@code src/test/resources/io/segura/broker/federation/TokenFormatFuzzTestInputs/}.
 */
class TokenFormatFuzzTest {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    @FuzzTest
    void anyCompactTokenIsRefusedWithATypedRefusal(FuzzedDataProvider data) {
        String token = switch (data.consumeInt(0, 2)) {
            // header and payload JSON of the fuzzer's making, base64url-encoded, any signature bytes
            case 0 -> B64.encodeToString(data.consumeString(2000).getBytes(StandardCharsets.UTF_8)) + "."
                    + B64.encodeToString(data.consumeString(4000).getBytes(StandardCharsets.UTF_8)) + "."
                    + B64.encodeToString(data.consumeBytes(300));
            // a real ES256 header with a forged payload and signature
            case 1 -> FuzzIssuer.signEs256(new byte[] {'{', '}'}, data.consumeBoolean()).split("\\.")[0] + "."
                    + B64.encodeToString(data.consumeString(4000).getBytes(StandardCharsets.UTF_8)) + "."
                    + data.consumeRemainingAsAsciiString();
            // anything at all, dots and all
            default -> data.consumeRemainingAsString();
        };
        FuzzIssuer.verifyOrRefuse(token);
    }
}
