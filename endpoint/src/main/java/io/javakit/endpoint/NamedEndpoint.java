package io.javakit.endpoint;

import java.util.Objects;

/** An endpoint with a human-readable description, for chains that print themselves. */
record NamedEndpoint<Req, Res>(String name, Endpoint<Req, Res> delegate) implements Endpoint<Req, Res> {

    NamedEndpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public Res call(RequestContext ctx, Req request) throws Exception {
        return delegate.call(ctx, request);
    }

    @Override
    public String toString() {
        return name;
    }
}
