package io.javakit.example.badinput;

/**
 * Renders hostile text for a report: control characters escaped, long runs of one character counted, and the
 * middle of a very long text left out (its start and end are where requests differ).
 */
final class Printable {
    private static final int LONGEST_RUN_SHOWN = 12;
    private static final int ENDS_SHOWN = 400;

    private Printable() {}

    static String of(String text) {
        String shown = escaped(text);
        return shown.length() <= 2 * ENDS_SHOWN + 40 ? shown
                : shown.substring(0, ENDS_SHOWN) + "...(" + (shown.length() - 2 * ENDS_SHOWN) + " more)..."
                + shown.substring(shown.length() - ENDS_SHOWN);
    }

    private static String escaped(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            int run = 1;
            while (i + run < text.length() && text.charAt(i + run) == c) {
                run++;
            }
            if (run > LONGEST_RUN_SHOWN) {
                out.append('{').append(escape(c)).append(" x").append(run).append('}');
            } else {
                for (int k = 0; k < run; k++) {
                    out.append(escape(c));
                }
            }
            i += run;
        }
        return out.toString();
    }

    private static String escape(char c) {
        return switch (c) {
            case '\r' -> "\\r";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\0' -> "\\0";
            case '{' -> "\\{";
            default -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ? String.format("\\x%02x", (int) c) : String.valueOf(c);
        };
    }
}
