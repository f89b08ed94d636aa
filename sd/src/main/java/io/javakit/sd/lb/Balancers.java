package io.javakit.sd.lb;

import io.javakit.endpoint.Endpoint;
import io.javakit.sd.Endpointer;
import io.javakit.sd.Endpointer.InstanceEndpoint;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The built-in balancers. Each reads the endpointer's current endpoints on every call, so instances that come and
 * go are picked up at once.
 */
public final class Balancers {
    private Balancers() {}

    /** Takes the endpoints in turn: over {@code n} instances, {@code n * k} calls give each exactly {@code k}. */
    public static <Req, Res> Balancer<Req, Res> roundRobin(Endpointer<Req, Res> endpointer) {
        AtomicLong counter = new AtomicLong();
        return describe("round-robin", () -> {
            List<InstanceEndpoint<Req, Res>> endpoints = nonEmpty(endpointer);
            return endpoints.get((int) Long.remainderUnsigned(counter.getAndIncrement(), endpoints.size())).endpoint();
        });
    }

    /** Takes an endpoint uniformly at random. */
    public static <Req, Res> Balancer<Req, Res> random(Endpointer<Req, Res> endpointer) {
        return describe("random", () -> {
            List<InstanceEndpoint<Req, Res>> endpoints = nonEmpty(endpointer);
            return endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size())).endpoint();
        });
    }

    private static <Req, Res> List<InstanceEndpoint<Req, Res>> nonEmpty(Endpointer<Req, Res> endpointer) {
        List<InstanceEndpoint<Req, Res>> endpoints = endpointer.endpoints();
        if (endpoints.isEmpty()) {
            throw new NoEndpointsException("no instances available");
        }
        return endpoints;
    }

    private static <Req, Res> Balancer<Req, Res> describe(String name, Balancer<Req, Res> balancer) {
        return new Balancer<>() {
            @Override
            public Endpoint<Req, Res> next() {
                return balancer.next();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
