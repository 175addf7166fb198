// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.oidc;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Raw edits of a compact JWS for attack tests: the signature is left as it was, so a verifier must refuse the result.
 */
public final class JwtTampering {

    private JwtTampering() {
    }

    /** Decodes the payload, lets {@code edit} change it, re-encodes it and keeps the original header and signature. */
    public static String editPayload(String token, Consumer<Map<String, Object>> edit) {
        String[] parts = split(token);
        Map<String, Object> payload = decode(parts[1]);
        edit.accept(payload);
        return parts[0] + "." + Base64URL.encode(JSONObjectUtils.toJSONString(payload)) + "." + parts[2];
    }

    /** Decodes the header, lets {@code edit} change it, keeps payload and signature. */
    public static String editHeader(String token, Consumer<Map<String, Object>> edit) {
        String[] parts = split(token);
        Map<String, Object> header = decode(parts[0]);
        edit.accept(header);
        return Base64URL.encode(JSONObjectUtils.toJSONString(header)) + "." + parts[1] + "." + parts[2];
    }

    /** Replaces the signature part with {@code signature} (raw bytes, base64url-encoded here). */
    public static String replaceSignature(String token, byte[] signature) {
        String[] parts = split(token);
        return parts[0] + "." + parts[1] + "." + Base64URL.encode(signature);
    }

    /**
     * The "psychic signature" of CVE-2022-21449: an ES256 signature with r = s = 0 (64 zero bytes in the JWS
     * concatenated form), which broken ECDSA implementations accept for every message and key.
     */
    public static String psychicEs256(String token) {
        return replaceSignature(token, new byte[64]);
    }

    /** The decoded header or payload (index 0 or 1) of a compact JWS, as a mutable map. */
    public static Map<String, Object> decodePart(String token, int index) {
        return decode(split(token)[index]);
    }

    private static String[] split(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a compact JWS: " + parts.length + " parts");
        }
        return parts;
    }

    private static Map<String, Object> decode(String part) {
        try {
            return new LinkedHashMap<>(JSONObjectUtils.parse(new Base64URL(part).decodeToString()));
        } catch (ParseException e) {
            throw new IllegalArgumentException("part is not a JSON object", e);
        }
    }
}
