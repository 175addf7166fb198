// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URLEncoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the {@code application/x-www-form-urlencoded} parser of {@code /oauth2/token} and
 * {@code /oauth2/revoke} (README "Fuzzing"): any body either parses or is a {@link Bodies.FormException} (which the
 * endpoint answers with 400 {@code invalid_request}); and whatever a client encodes comes back exactly, repeated
 * names included. Regression inputs: {@code src/test/resources/io/segura/broker/web/FormBodyFuzzTestInputs/}.
 */
class FormBodyFuzzTest {

    private static final CharsetEncoder UTF8 = StandardCharsets.UTF_8.newEncoder();

    @FuzzTest
    void anyBodyParsesOrIsAFormExceptionAndEncodedFormsRoundTrip(FuzzedDataProvider data) {
        Map<String, List<String>> sent = new LinkedHashMap<>();
        for (int i = data.consumeInt(0, 4); i > 0; i--) {
            String name = data.consumeString(30);
            String value = data.consumeString(60);
            // a lone surrogate has no UTF-8 form: no client can send it, URLEncoder writes '?' for it
            if (!name.isEmpty() && UTF8.canEncode(name) && UTF8.canEncode(value)) {
                sent.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        List<String> pairs = new ArrayList<>();
        sent.forEach((name, values) -> values.forEach(v -> pairs.add(URLEncoder.encode(name, StandardCharsets.UTF_8)
                + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8))));
        assertThat(Bodies.form(String.join("&", pairs).getBytes(StandardCharsets.UTF_8))).isEqualTo(sent);

        byte[] body = data.consumeRemainingAsBytes();
        try {
            Map<String, List<String>> params = Bodies.form(body);
            params.forEach((name, values) -> assertThat(values).isNotEmpty());
        } catch (Bodies.FormException e) {
            assertThat(e.getMessage()).contains("form body");
        }
    }
}
