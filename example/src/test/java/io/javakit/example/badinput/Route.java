package io.javakit.example.badinput;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where names are served: the gateway's {@code /users/{name}} and {@code /products/{name}}, or a service's own
 * {@code /{name}}; and what a name answers there.
 */
enum Route {
    GATEWAY_USERS("/users/", "user"),
    GATEWAY_PRODUCTS("/products/", "product"),
    SERVICE("/", "user");

    /** The path up to the name. */
    final String prefix;
    /** What the service holds: {@code user} for user1..user3. */
    final String kind;
    private final Pattern existing;

    Route(String prefix, String kind) {
        this.prefix = prefix;
        this.kind = kind;
        this.existing = Pattern.compile(kind + "([1-3])");
    }

    /** An existing name: {@code user2}. */
    String existingName(int n) {
        return kind + n;
    }

    /** The body of the 200 for {@code name}, if the seed's in-memory data holds it. */
    Optional<String> bodyFor(String name) {
        var m = existing.matcher(name);
        return m.matches() ? Optional.of("{\"id\":" + m.group(1) + ",\"name\":\"" + name + "\"}") : Optional.empty();
    }
}
