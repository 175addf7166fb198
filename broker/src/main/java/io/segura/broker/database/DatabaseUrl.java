// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The broker's database location: {@code SEGURA_DATABASE_URL} in R2DBC form
 * ({@code r2dbc:postgresql://USER[:PASSWORD]@HOST:PORT/DB}, or {@code r2dbc:h2:file:///…} for the dev mode), from
 * which Flyway's JDBC URL is derived — with R2DBC there is no DataSource, and Flyway silently does nothing without one.
 */
public record DatabaseUrl(String r2dbc, String jdbc, String user, String password) {

    public DatabaseUrl {
        Objects.requireNonNull(r2dbc, "r2dbc cannot be null");
        Objects.requireNonNull(jdbc, "jdbc cannot be null");
    }

    /**
     * @throws IllegalArgumentException naming what is wrong, never echoing a password
     */
    public static DatabaseUrl parse(String r2dbcUrl) {
        if (r2dbcUrl == null || r2dbcUrl.isBlank()) {
            throw new IllegalArgumentException("SEGURA_DATABASE_URL is not set");
        }
        if (r2dbcUrl.startsWith("r2dbc:h2:")) {
            String rest = r2dbcUrl.substring("r2dbc:h2:".length());
            // r2dbc:h2:file:///abs/path?options=A;B  ->  jdbc:h2:file:/abs/path;A;B
            String options = "";
            int q = rest.indexOf("?options=");
            if (q >= 0) {
                options = ";" + rest.substring(q + "?options=".length());
                rest = rest.substring(0, q);
            }
            // r2dbc-h2 reads the URL path without its first slash: file:////abs -> /abs, mem:///name -> name
            String target = rest.replaceFirst("^(file|mem):///", "$1:");
            return new DatabaseUrl(r2dbcUrl, "jdbc:h2:" + target + options, "sa", "");
        }
        if (!r2dbcUrl.startsWith("r2dbc:postgresql://")) {
            throw new IllegalArgumentException(
                    "SEGURA_DATABASE_URL must look like r2dbc:postgresql://USER[:PASSWORD]@HOST:PORT/DB");
        }
        URI uri;
        try {
            uri = new URI(r2dbcUrl.substring("r2dbc:".length()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("SEGURA_DATABASE_URL is not a valid URL (position " + e.getIndex() + ")");
        }
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() <= 1) {
            throw new IllegalArgumentException("SEGURA_DATABASE_URL needs a host and a database name");
        }
        String user = "postgres";
        String password = "";
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? "" : decode(info.substring(colon + 1));
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new DatabaseUrl(r2dbcUrl, jdbc, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    public boolean isH2() {
        return r2dbc.startsWith("r2dbc:h2:");
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + jdbc + ", user=" + user + "]";
    }
}
