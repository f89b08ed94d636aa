package io.javakit.console;

import io.javakit.console.ConsoleModel.Fault;
import io.javakit.console.ConsoleModel.FaultControl;
import io.javakit.endpoint.Endpoint;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Faults a demo's console can inject into instances served in its own process, to watch retry, breakers and
 * balancing react: stop (the server closes; restore starts it again), and the {@link FaultInjection} ones: hang, slow
 * and fail. Never for production: anyone who reaches the console can break the instances.
 */
public final class LocalFaults implements FaultControl, AutoCloseable {
    private final Map<String, Switch> switches = new ConcurrentHashMap<>();

    /** One instance's fault and server. */
    private static final class Switch {
        final Function<Endpoint<HttpRequest, HttpResponse>, HttpServer> serve;
        final FaultInjection injection = new FaultInjection();
        final Endpoint<HttpRequest, HttpResponse> handler;
        volatile boolean stopped;
        volatile HttpServer server;

        Switch(Function<Endpoint<HttpRequest, HttpResponse>, HttpServer> serve, Endpoint<HttpRequest, HttpResponse> handler) {
            this.serve = serve;
            this.handler = injection.middleware().wrap(handler);
        }

        Fault fault() {
            return stopped ? Fault.STOP : injection.fault();
        }
    }

    /**
     * Serves {@code handler} as instance {@code address}, subject to the faults applied to it; {@code serve} starts a
     * server for a handler, now and again on each restore after a stop.
     */
    public HttpServer start(String address, Endpoint<HttpRequest, HttpResponse> handler, Function<Endpoint<HttpRequest, HttpResponse>, HttpServer> serve) {
        Switch s = new Switch(serve, handler);
        s.server = serve.apply(s.handler);
        switches.put(address, s);
        return s.server;
    }

    /** Closes the servers that a restore started. */
    @Override
    public void close() {
        switches.values().forEach(s -> s.server.close());
    }

    @Override
    public synchronized void apply(String instance, Fault fault) {
        Switch s = switches.get(instance);
        if (s == null) {
            throw new IllegalArgumentException("instance: '" + instance + "' (expected: one of " + switches.keySet() + ")");
        }
        if (fault == Fault.STOP && !s.stopped) {
            s.server.close();
        } else if (fault != Fault.STOP && s.stopped) {
            s.server = s.serve.apply(s.handler);
        }
        s.stopped = fault == Fault.STOP;
        s.injection.set(fault == Fault.STOP ? Fault.NONE : fault);
    }

    @Override
    public Map<String, Fault> active() {
        return switches.entrySet().stream().filter(e -> e.getValue().fault() != Fault.NONE)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().fault()));
    }
}
