package io.javakit.transport.http;

import io.javakit.endpoint.BadRequestException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoding and decoding of single path segments. Decoding is strict: a segment must be valid percent-encoded
 * UTF-8, and may not decode to a path separator, a dot segment or a control character, so that a decoded path
 * variable can be passed on (or used as a key) without ever changing the shape of a path.
 */
public final class PathSegments {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PathSegments() {}

    /** Splits a raw path ({@code /a/b}) into its raw segments ({@code [a, b]}); {@code /} gives {@code [""]}. */
    public static List<String> split(String rawPath) {
        if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw new BadRequestException("path must start with '/'");
        }
        List<String> segments = new ArrayList<>(4);
        int start = 1;
        for (int i = 1; i <= rawPath.length(); i++) {
            if (i == rawPath.length() || rawPath.charAt(i) == '/') {
                segments.add(rawPath.substring(start, i));
                start = i + 1;
            }
        }
        return segments;
    }

    /**
     * Decodes one raw segment.
     *
     * @throws BadRequestException if it is empty, has a raw character that must be percent-encoded (space, control,
     *     non-ASCII), is malformed, not UTF-8, a dot segment, or decodes to '/', '\' or a control character
     */
    public static String decode(String raw) {
        if (raw.isEmpty()) {
            throw new BadRequestException("empty path segment");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new BadRequestException("path segment has a character that must be percent-encoded (code " + (int) c + ")");
            }
        }
        String decoded = raw.indexOf('%') < 0 ? raw : percentDecode(raw);
        if (decoded.equals(".") || decoded.equals("..")) {
            throw new BadRequestException("dot segments are not allowed in a path");
        }
        for (int i = 0; i < decoded.length(); i++) {
            char c = decoded.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
                throw new BadRequestException("path segment contains a forbidden character (code " + (int) c + ")");
            }
        }
        return decoded;
    }

    /**
     * Percent-encodes a value as one path segment: everything but RFC 3986 unreserved characters is encoded, so
     * the value can never add a segment, a query or a fragment.
     *
     * @throws BadRequestException for an empty value or a dot segment, which no encoding makes safe
     */
    public static String encode(String value) {
        if (value.isEmpty() || value.equals(".") || value.equals("..")) {
            throw new BadRequestException("'" + value + "' cannot be a path segment");
        }
        byte[] bytes = null;
        for (int i = 0; i < value.length(); i++) {
            if (!isUnreserved(value.charAt(i))) {
                bytes = value.getBytes(StandardCharsets.UTF_8);
                break;
            }
        }
        if (bytes == null) {
            return value;
        }
        StringBuilder out = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            char c = (char) (b & 0xff);
            if (isUnreserved(c)) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return out.toString();
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static String percentDecode(String raw) {
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new BadRequestException("malformed percent-encoding in path");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadRequestException("malformed percent-encoding in path");
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 2;
            } else {
                bytes.put((byte) c);
            }
        }
        bytes.flip();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return utf8.decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException("path segment is not valid UTF-8");
        }
    }
}
