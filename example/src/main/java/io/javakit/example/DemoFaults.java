package io.javakit.example;

import io.javakit.console.ConsoleModel.Fault;
import io.javakit.console.ConsoleModel.FaultControl;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Middleware;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Faults the demo's console can inject into its own instances, to watch retry, breakers and balancing react:
 * stop (the server closes; restore starts it again), hang (answers only once restored, or after a minute), slow
 * (+200 ms) and fail (500).
 */
final class DemoFaults implements FaultControl, AutoCloseable {
    static final Duration SLOWDOWN = Duration.ofMillis(200);
    private static final Duration LONGEST_HANG = Duration.ofMinutes(1);

    private final Map<String, Switch> switches = new ConcurrentHashMap<>();

    /** One instance's fault and server. */
    private static final class Switch {
        final String host;
        final int port;
        Endpoint<HttpRequest, HttpResponse> handler;
        volatile Fault fault = Fault.NONE;
        volatile HttpServer server;

        Switch(String host, int port) {
            this.host = host;
            this.port = port;
        }
    }

    /** Serves {@code handler} as instance {@code address}, subject to the faults applied to it. */
    HttpServer start(String address, Endpoint<HttpRequest, HttpResponse> handler, String host, int port) {
        Switch s = new Switch(host, port);
        s.handler = faulty(s).wrap(handler);
        s.server = Backends.start(s.handler, host, port);
        switches.put(address, s);
        return s.server;
    }

    /** Closes the servers that a restore started. */
    @Override
    public void close() {
        switches.values().forEach(s -> s.server.close());
    }

    private static Middleware<HttpRequest, HttpResponse> faulty(Switch s) {
        return next -> (ctx, request) -> switch (s.fault) {
            case SLOW -> {
                Thread.sleep(SLOWDOWN);
                yield next.call(ctx, request);
            }
            case FAIL -> ErrorEncoder.body(500, "internal", "injected failure");
            case HANG -> {
                long until = System.nanoTime() + LONGEST_HANG.toNanos();
                while (s.fault == Fault.HANG && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                yield next.call(ctx, request);
            }
            default -> next.call(ctx, request);
        };
    }

    @Override
    public synchronized void apply(String instance, Fault fault) {
        Switch s = switches.get(instance);
        if (s == null) {
            throw new IllegalArgumentException("instance: '" + instance + "' (expected: one of " + switches.keySet() + ")");
        }
        if (fault == Fault.STOP && s.fault != Fault.STOP) {
            s.server.close();
        } else if (fault != Fault.STOP && s.fault == Fault.STOP) {
            s.server = Backends.start(s.handler, s.host, s.port);
        }
        s.fault = fault;
    }

    @Override
    public Map<String, Fault> active() {
        return switches.entrySet().stream().filter(e -> e.getValue().fault != Fault.NONE)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().fault));
    }
}
