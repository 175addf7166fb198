// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One keep-alive HTTP/1.1 connection on loopback, used by one driver thread at a time. Hand-rolled on purpose: the
 * load driver shares two cores with the broker and PostgreSQL, and a blocking socket per client costs a fraction of
 * the CPU of a general-purpose client (no selector threads, no header maps, no async hand-offs), so what the
 * figures measure is the broker. It speaks just enough HTTP for the broker: Content-Length or chunked responses.
 */
final class MiniHttp implements AutoCloseable {

    /** A response: status and body (UTF-8). */
    record Response(int status, String body) {
    }

    private final String host;
    private final int port;
    private final byte[] hostHeader;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    MiniHttp(String host, int port) {
        this.host = Objects.requireNonNull(host, "host cannot be null");
        this.port = port;
        this.hostHeader = ("Host: " + host + ":" + port + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    Response post(String path, String contentType, String body, String bearer) throws IOException {
        return send("POST", path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8), bearer);
    }

    Response put(String path, String contentType, String body, String bearer) throws IOException {
        return send("PUT", path, contentType, body.getBytes(StandardCharsets.UTF_8), bearer);
    }

    Response get(String path, String bearer) throws IOException {
        return send("GET", path, null, null, bearer);
    }

    private Response send(String method, String path, String contentType, byte[] body, String bearer)
            throws IOException {
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (bearer != null) {
            head.append("Authorization: Bearer ").append(bearer).append("\r\n");
        }
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        try {
            return exchange(headBytes, body);
        } catch (IOException e) {
            // No retry: a repeated exchange would replay a single-use token. The next call reconnects.
            closeQuietly();
            throw e;
        }
    }

    private Response exchange(byte[] headBytes, byte[] body) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }
        byte[] request = new byte[headBytes.length + hostHeader.length + 2 + (body == null ? 0 : body.length)];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(hostHeader, 0, request, headBytes.length, hostHeader.length);
        int pos = headBytes.length + hostHeader.length;
        request[pos++] = '\r';
        request[pos++] = '\n';
        if (body != null) {
            System.arraycopy(body, 0, request, pos, body.length);
        }
        out.write(request);
        out.flush();
        return readResponse();
    }

    private Response readResponse() throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new IOException("connection closed before the status line");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        int contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) {
                contentLength = Integer.parseInt(value);
            } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
                close = true;
            }
        }
        byte[] body;
        if (chunked) {
            var buf = new java.io.ByteArrayOutputStream();
            for (int size = Integer.parseInt(readLine().trim(), 16); size > 0;
                    size = Integer.parseInt(readLine().trim(), 16)) {
                buf.write(in.readNBytes(size));
                readLine();
            }
            readLine();
            body = buf.toByteArray();
        } else if (contentLength >= 0) {
            body = in.readNBytes(contentLength);
        } else {
            body = in.readAllBytes();
            close = true;
        }
        if (close) {
            closeQuietly();
        }
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private void closeQuietly() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken connection; nothing to recover
            }
        }
        socket = null;
        in = null;
        out = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
