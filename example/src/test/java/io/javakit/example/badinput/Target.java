package io.javakit.example.badinput;

import java.util.Optional;

/**
 * A request target as sent, and what it means.
 *
 * @param raw the target as sent; each char up to U+00FF is one byte on the wire
 * @param name the name a backend is asked for when the target is served; empty if no route matches
 * @param okBody the body of a 200, if the name exists
 * @param acceptable what the target alone allows
 */
record Target(String raw, Optional<String> name, Optional<String> okBody, Acceptable acceptable) {

    /** A route's target for {@code name}, encoded as {@code raw}. */
    static Target named(Route route, String name, String encoded, Acceptable acceptable) {
        return new Target(route.prefix + encoded, Optional.of(name), route.bodyFor(name), acceptable);
    }

    /** A target no route serves. */
    static Target refused(String raw, Acceptable acceptable) {
        return new Target(raw, Optional.empty(), Optional.empty(), acceptable);
    }

    Target withSuffix(String suffix, Acceptable suffixAcceptable) {
        return new Target(raw + suffix, name, okBody, acceptable.and(suffixAcceptable));
    }

    /** The same route and name in absolute form ({@code http://host/path}), which a server may accept or refuse. */
    Target absolute(String scheme, String authority) {
        return new Target(scheme + "://" + authority + raw, name, okBody, acceptable.and(Acceptable.serveOr(400, 421)));
    }
}
