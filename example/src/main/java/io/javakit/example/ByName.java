package io.javakit.example;

import io.javakit.endpoint.BadRequestException;

/**
 * The one request both services answer: look something up by its name, at most {@value #MAX_LENGTH} characters.
 * The bound keeps every name's request within the instances' limits after the gateway re-encodes it (a character
 * may take 12 bytes as {@code %XX} escapes).
 */
public record ByName(String name) {
    public static final int MAX_LENGTH = 256;

    public ByName {
        if (name.length() > MAX_LENGTH) {
            throw new BadRequestException("name longer than " + MAX_LENGTH + " characters");
        }
    }
}
