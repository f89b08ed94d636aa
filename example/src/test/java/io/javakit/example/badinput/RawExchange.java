package io.javakit.example.badinput;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a server sent back on one connection, parsed into responses: what a strict client would make of it.
 *
 * @param responses the responses, interim (1xx) ones included, in order
 * @param unparsed bytes after the last response that are not an HTTP response, empty if none
 * @param ending how the connection ended
 */
record RawExchange(List<Response> responses, byte[] unparsed, Ending ending) {

    /** How the connection ended after the request was sent. */
    enum Ending {
        /** The server closed the connection (an orderly FIN). */
        CLOSED,
        /** The server reset the connection. */
        RESET,
        /** Nothing arrived for the client's read timeout. */
        TIMED_OUT
    }

    /**
     * One response.
     *
     * @param statusLine the status line as sent
     * @param status the status code
     * @param headers header values by lower-case name
     * @param body the body as framed by the headers
     * @param complete whether the body arrived in full
     */
    record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body, boolean complete) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name)).map(List::getFirst);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " " + Printable.of(bodyText()) + (complete ? "" : " (incomplete)");
        }
    }

    /** The final (non-1xx) responses: a correct server sends at most one per request. */
    List<Response> finals() {
        return responses.stream().filter(r -> r.status() >= 200).toList();
    }

    /** Parses {@code bytes} as a sequence of responses to a request sent with {@code method}. */
    static RawExchange parse(byte[] bytes, String method, Ending ending) {
        List<Response> responses = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            int headEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), at);
            String start = new String(bytes, at, Math.min(bytes.length - at, 9), StandardCharsets.ISO_8859_1);
            if (headEnd < 0 || !start.matches("HTTP/\\d\\.\\d ")) {
                break;
            }
            String[] lines = new String(bytes, at, headEnd - at, StandardCharsets.ISO_8859_1).split("\r\n", -1);
            Optional<Integer> status = statusOf(lines[0]);
            Map<String, List<String>> headers = headersOf(lines);
            if (status.isEmpty() || headers == null) {
                break;
            }
            int bodyStart = headEnd + 4;
            Framed framed = frame(bytes, bodyStart, status.get(), headers, method);
            responses.add(new Response(lines[0], status.get(), headers, framed.body(), framed.complete()));
            at = framed.end();
            if (!framed.complete()) {
                break;
            }
        }
        byte[] rest = new byte[bytes.length - at];
        System.arraycopy(bytes, at, rest, 0, rest.length);
        return new RawExchange(List.copyOf(responses), rest, ending);
    }

    private record Framed(byte[] body, int end, boolean complete) {}

    private static Framed frame(byte[] bytes, int start, int status, Map<String, List<String>> headers, String method) {
        if (method.equals("HEAD") || status < 200 || status == 204 || status == 304) {
            return new Framed(new byte[0], start, true);
        }
        if (headers.getOrDefault("transfer-encoding", List.of()).stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))) {
            return dechunk(bytes, start);
        }
        List<String> lengths = headers.get("content-length");
        if (lengths != null) {
            long length;
            try {
                length = Long.parseLong(lengths.getFirst().trim());
            } catch (NumberFormatException e) {
                return new Framed(new byte[0], start, false);
            }
            int available = (int) Math.min(length, bytes.length - start);
            byte[] body = new byte[available];
            System.arraycopy(bytes, start, body, 0, available);
            return new Framed(body, start + available, available == length);
        }
        // neither: the body runs to the end of the connection
        byte[] body = new byte[bytes.length - start];
        System.arraycopy(bytes, start, body, 0, body.length);
        return new Framed(body, bytes.length, true);
    }

    private static Framed dechunk(byte[] bytes, int start) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = start;
        while (true) {
            int lineEnd = indexOf(bytes, "\r\n".getBytes(StandardCharsets.ISO_8859_1), at);
            if (lineEnd < 0) {
                return new Framed(body.toByteArray(), bytes.length, false);
            }
            String sizeText = new String(bytes, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";", 2)[0].trim();
            int size;
            try {
                size = Integer.parseInt(sizeText, 16);
            } catch (NumberFormatException e) {
                return new Framed(body.toByteArray(), bytes.length, false);
            }
            at = lineEnd + 2;
            if (size == 0) {
                int trailerEnd = indexOf(bytes, "\r\n".getBytes(StandardCharsets.ISO_8859_1), at);
                while (trailerEnd > at) { // skip trailer fields up to the empty line
                    at = trailerEnd + 2;
                    trailerEnd = indexOf(bytes, "\r\n".getBytes(StandardCharsets.ISO_8859_1), at);
                }
                return trailerEnd < 0 ? new Framed(body.toByteArray(), bytes.length, false)
                        : new Framed(body.toByteArray(), trailerEnd + 2, true);
            }
            if (at + size + 2 > bytes.length) {
                return new Framed(body.toByteArray(), bytes.length, false);
            }
            body.write(bytes, at, size);
            at += size + 2;
        }
    }

    private static Optional<Integer> statusOf(String statusLine) {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || parts[1].length() != 3) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The header fields by lower-case name, or null if a line is not a field. */
    private static Map<String, List<String>> headersOf(String[] lines) {
        Map<String, List<String>> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0 || !lines[i].substring(0, colon).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                return null;
            }
            headers.computeIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        return headers;
    }

    private static int indexOf(byte[] bytes, byte[] needle, int from) {
        outer:
        for (int i = from; i <= bytes.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public String toString() {
        return responses + (unparsed.length == 0 ? "" : " then unparseable " + Printable.of(new String(unparsed, StandardCharsets.ISO_8859_1)))
                + " then " + ending;
    }
}
