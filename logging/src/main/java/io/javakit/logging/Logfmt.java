package io.javakit.logging;

/** Writes logfmt pairs: {@code key=value}, quoting values that contain spaces, quotes, '=' or control characters. */
public final class Logfmt {
    /** Longer values are cut, so that one hostile request cannot write a megabyte of log. */
    public static final int MAX_VALUE_LENGTH = 256;

    private Logfmt() {}

    /** Appends {@code " key=value"} (no leading space if {@code out} is empty). */
    public static void append(StringBuilder out, String key, Object value) {
        if (!out.isEmpty()) {
            out.append(' ');
        }
        out.append(key).append('=');
        appendValue(out, String.valueOf(value));
    }

    static void appendValue(StringBuilder out, String value) {
        String v = value.length() > MAX_VALUE_LENGTH ? value.substring(0, MAX_VALUE_LENGTH) + "..." : value;
        if (!v.isEmpty() && !needsQuotes(v)) {
            out.append(v);
            return;
        }
        out.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean needsQuotes(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
