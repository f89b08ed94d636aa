package io.javakit.example;

/** The one request both services answer: look something up by its name. */
public record ByName(String name) {}
