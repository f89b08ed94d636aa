package io.javakit.example.products;

public record Product(int id, String name) {}
