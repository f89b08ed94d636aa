package io.javakit.example.users;

public record User(int id, String name) {}
