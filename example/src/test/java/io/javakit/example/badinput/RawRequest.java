package io.javakit.example.badinput;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One generated request, as bytes on the wire and what a correct server may answer to it. Text is turned into
 * bytes char by char: up to U+00FF one byte (so {@code "\u00ff"} is the byte 0xFF), above as UTF-8.
 *
 * @param method the method token as sent (decides whether a response may carry a body)
 * @param head the request line and header lines, or the whole of a request that is not HTTP at all
 * @param body what follows the header section
 * @param layout line ends and framing of the head
 * @param target the request target, with what it means
 * @param acceptable what a correct server may answer
 */
record RawRequest(String method, List<String> head, byte[] body, Layout layout, Target target, Acceptable acceptable) {

    /**
     * How the head is laid out.
     *
     * @param leading bytes before the request line
     * @param lineEnd what ends each line
     * @param terminated whether the empty line ending the header section (and then the body) is sent
     * @param verbatim the head is sent as it is, with nothing added: bytes that are not HTTP
     * @param acceptable what the layout alone allows
     */
    record Layout(String leading, String lineEnd, boolean terminated, boolean verbatim, Acceptable acceptable) {
        static final Layout CRLF = new Layout("", "\r\n", true, false, Acceptable.SERVE);
        /**
         * Bare LF line ends: a server MAY accept them (RFC 9112 section 2.2) or refuse; one that does not accept
         * them waits for a CRLF that never comes, so it may also just close at the end of the input.
         */
        static final Layout BARE_LF = new Layout("", "\n", true, false, Acceptable.serveOr(400).incomplete());
        /** An empty line before the request line, which a server SHOULD ignore (RFC 9112 section 2.2). */
        static final Layout LEADING_EMPTY_LINE = new Layout("\r\n", "\r\n", true, false, Acceptable.serveOr(400));
        /** The header section never ends: the client closes before the empty line. */
        static final Layout UNTERMINATED = new Layout("", "\r\n", false, false, Acceptable.errorOf(400, 408).incomplete());
        static final Layout NOT_HTTP = new Layout("", "", true, true, Acceptable.ANY_ERROR.incomplete());
    }

    /** Bytes that are not an HTTP request: a server may answer with an error or close without a word. */
    static RawRequest noise(String bytes) {
        return new RawRequest("", List.of(bytes), new byte[0], Layout.NOT_HTTP, Target.refused("", Acceptable.SERVE),
                Layout.NOT_HTTP.acceptable());
    }

    /** The request as sent, with {@code traceHeader} (a header line) first among the headers, to find it at the backends. */
    byte[] bytes(Optional<String> traceHeader) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (layout.verbatim()) {
            head.forEach(part -> write(out, part));
            return out.toByteArray();
        }
        List<String> lines = new ArrayList<>(head);
        traceHeader.ifPresent(t -> lines.add(1, t));
        write(out, layout.leading());
        for (String line : lines) {
            write(out, line + layout.lineEnd());
        }
        if (layout.terminated()) {
            write(out, layout.lineEnd());
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0xff) {
                out.write(c);
            } else {
                int cp = text.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
    }

    @Override
    public String toString() {
        return Printable.of(new String(bytes(Optional.empty()), StandardCharsets.ISO_8859_1)) + "  (expected: " + acceptable + ")";
    }
}
