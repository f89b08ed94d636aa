package io.javakit.example;

import io.javakit.sd.ServiceRegistry;
import io.javakit.endpoint.Endpoint;
import io.javakit.example.products.ProductService;
import io.javakit.example.users.UserService;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.Instance;
import io.javakit.sd.Instancer;
import io.javakit.transport.http.HttpRequest;
import io.javakit.transport.http.HttpResponse;
import io.javakit.transport.http.HttpServer;
import io.javakit.console.FaultInjection;
import io.javakit.console.LocalFaults;
import io.javakit.console.UpstreamConsole;
import io.javakit.metrics.Metrics;
import io.javakit.sd.Lifecycle;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.upstream.Upstream;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import io.javakit.console.Console;
import io.javakit.console.ConsoleModel;
import io.javakit.logging.LogSetup;
import io.javakit.tracing.Tracing;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The launcher: each role as its own process, or the seed's whole layout in one. */
@Command(name = "javakit", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, version = "javakit 0.1.0", subcommands = {Main.Demo.class, Main.Users.class,
        Main.Products.class, Main.GatewayCommand.class}, description = "The seed's system on javakit.")
public final class Main implements Runnable {

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    static class Common {
        @Option(names = "--host", description = "Address to bind (default: 0.0.0.0; demo: 127.0.0.1, as its fault buttons need no credentials).")
        String host;

        String host() {
            return host != null ? host : this instanceof Demo ? "127.0.0.1" : "0.0.0.0";
        }
        @Option(names = "--quiet", description = "No per-call log lines (for benchmarks).")
        boolean quiet;
        @Option(names = "--registry", description = "consul://host:port, etcd://host:port[,host:port], zk://host:port or "
                + "dns-srv://domain; without it, fixed addresses.")
        String registry;

        @Option(names = "--tracing", defaultValue = "none", description = "Span export: otlp (to OTEL_EXPORTER_OTLP_ENDPOINT, "
                + "default localhost:4318), logging, none (spans only give log lines their trace ids) or off (default: ${DEFAULT-VALUE}).")
        String tracing;
        @Option(names = "--log-format", defaultValue = "logfmt", description = "logfmt or json (one JSON object per line) (default: ${DEFAULT-VALUE}).")
        String logFormat;
        @Option(names = "--log-level", defaultValue = "info", description = "trace, debug, info, warn or error (default: ${DEFAULT-VALUE}).")
        String logLevel;

        Optional<ServiceRegistry> registry() {
            return Optional.ofNullable(registry).map(ServiceRegistry::connect);
        }

        /** Logging and tracing for this process, before anything logs or opens a span. */
        void observe(String serviceName) {
            LogSetup.configure(logFormat, logLevel);
            if (tracing.equals("off")) {
                return;
            }
            OpenTelemetrySdk otel = Tracing.sdk(serviceName, tracing);
            GlobalOpenTelemetry.set(otel);
            Runtime.getRuntime().addShutdownHook(new Thread(otel::close)); // flushes spans not yet exported
        }
    }

    /** One service instance: serves, registers once it accepts requests, deregisters before it stops. */
    abstract static class ServiceCommand extends Common implements Callable<Integer> {
        @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}).")
        int port;
        @Option(names = "--advertise", description = "host:port to register, as callers reach this instance (default: the bound address).")
        String advertise;
        @Option(names = "--fault-injection", description = "Accept PUT /admin/faults/{none|slow|fail|hang} (for fault-injection tests only: anyone who can reach the port can break the instance).")
        boolean faultInjection;

        abstract String service();

        abstract Endpoint<HttpRequest, HttpResponse> handler(String server, BooleanSupplier ready);

        @Override
        public Integer call() throws InterruptedException, java.net.UnknownHostException {
            observe(service());
            Instance self = Instance.parse(advertise != null ? advertise : Backends.advertised(host(), port));
            Optional<ServiceRegistry> registry = registry();
            Lifecycle lifecycle = Lifecycle.builder().registrar(registry.map(r -> r.registrar(service(), self))).build();
            Endpoint<HttpRequest, HttpResponse> handler = handler(self.address(), lifecycle::isReady);
            if (faultInjection) {
                FaultInjection faults = new FaultInjection();
                handler = faults.serving(handler);
            }
            List<AutoCloseable> running = new ArrayList<>(registry.stream().toList());
            running.add(lifecycle.started(Backends.start(handler, host(), port)));
            return runUntilStopped(running);
        }
    }

    @Command(name = "users", description = "Runs one UserService instance: GET /{username}.")
    static final class Users extends ServiceCommand {
        Users() {
            port = 8080;
        }

        @Override
        String service() {
            return "users";
        }

        @Override
        Endpoint<HttpRequest, HttpResponse> handler(String server, BooleanSupplier ready) {
            return Backends.users(UserService.inMemory(), server, quiet, ready);
        }
    }

    @Command(name = "products", description = "Runs one ProductService instance: GET /{productname}.")
    static final class Products extends ServiceCommand {
        Products() {
            port = 8083;
        }

        @Override
        String service() {
            return "products";
        }

        @Override
        Endpoint<HttpRequest, HttpResponse> handler(String server, BooleanSupplier ready) {
            return Backends.products(ProductService.inMemory(), server, quiet, ready);
        }
    }

    static class GatewayOptions extends Common {
        @Option(names = "--port", defaultValue = "8000", description = "Gateway port (default: ${DEFAULT-VALUE}).")
        int port;
        @Option(names = "--rate-limit", defaultValue = "100", description = "Requests/s per instance, 0 = unlimited (default: ${DEFAULT-VALUE}).")
        int rateLimit;
        @Option(names = "--rate-limit-wait", defaultValue = "0", description = "Over the limit, wait up to this many ms for a slot; 0 = answer 429 at once (default).")
        long rateLimitWaitMillis;
        @Option(names = "--metrics", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Record metrics (default: on; --no-metrics exists to measure what they cost).")
        boolean metrics;
        @Option(names = "--admin-port", defaultValue = "9000", description = "Admin port: /metrics, /health/live, /health/ready; 0 = none (default: ${DEFAULT-VALUE}).")
        int adminPort;
        @Option(names = "--deadline", defaultValue = "1000", description = "Milliseconds each request may take in all, retries included; the rest travels to instances in X-Request-Timeout-Ms (default: ${DEFAULT-VALUE}).")
        long deadlineMillis;
        @Option(names = "--balancer", split = ",", paramLabel = "[SERVICE=]KIND",
                description = "p2c, round-robin or weighted-round-robin, for every service or per service, e.g. users=round-robin,products=p2c (default: p2c).")
        List<String> balancers = List.of();
        @Option(names = "--weight", split = ",", paramLabel = "HOST:PORT=N",
                description = "Instance weights for weighted-round-robin, e.g. 10.0.0.5:8080=3 (default: 1).")
        List<String> weights = List.of();
        @Option(names = "--max-attempts", defaultValue = "3", description = "Attempts per request, the first included (default: ${DEFAULT-VALUE}).")
        int maxAttempts;
        @Option(names = "--outlier-ejection", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Take instances that keep failing out of rotation for a while (default: on).")
        boolean outlierEjection;
        @Option(names = "--health-checks", defaultValue = "0", paramLabel = "MS",
                description = "Probe each instance's /health/ready every MS ms and keep failing ones out of rotation; 0 = no probes (default).")
        long healthCheckMillis;
        @Option(names = "--max-concurrent-requests", defaultValue = "1000",
                description = "Requests served at once; more are answered 503 at once instead of queueing (default: ${DEFAULT-VALUE}).")
        int maxConcurrentRequests;
        @Option(names = "--max-concurrent-per-instance", defaultValue = "256",
                description = "Calls in flight to one instance; more go to another instance (default: ${DEFAULT-VALUE}).")
        int maxConcurrentPerInstance;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** The gateway, and its admin server (metrics, health, console) unless disabled; closed admin last. */
        List<AutoCloseable> start(Instancer users, Instancer products, Optional<ConsoleModel.FaultControl> faults) {
            PrometheusMeterRegistry registry = Metrics.prometheus();
            if (!metrics) {
                registry.config().meterFilter(MeterFilter.denyUnless(id -> false));
            }
            AutoCloseable jvm = Metrics.bindJvm(registry);
            Gateway gateway = new Gateway(users, products, settings(), registry, host(), port);
            if (adminPort == 0) {
                return List.of(jvm, gateway);
            }
            Endpoint<HttpRequest, HttpResponse> admin = admin(gateway, registry, faults);
            System.out.printf("console: http://localhost:%d/console/   metrics: http://localhost:%d/metrics%n", adminPort, adminPort);
            // closed last first: the gateway drains while the admin port still reports it not ready
            return List.of(jvm, HttpServer.builder(admin).host(host()).port(adminPort).start(), gateway);
        }

        /** The admin port: Prometheus {@code /metrics}, {@code /health/live} and {@code /health/ready}, and the console. */
        static Endpoint<HttpRequest, HttpResponse> admin(Gateway gateway, PrometheusMeterRegistry metrics, Optional<ConsoleModel.FaultControl> faults) {
            UpstreamConsole console = UpstreamConsole.of(gateway.upstreams());
            return Console.adminPort(Metrics.handler(metrics), gateway::notReadyBecause, faults.map(console::withFaults).orElse(console));
        }

        Gateway.Settings settings() {
            CommandLine cli = spec.commandLine();
            if (deadlineMillis <= 0 || maxAttempts < 1 || healthCheckMillis < 0 || maxConcurrentRequests < 1 || maxConcurrentPerInstance < 1
                    || rateLimit < 0 || rateLimitWaitMillis < 0) {
                throw new CommandLine.ParameterException(cli, "--deadline, --max-attempts, --health-checks, --max-concurrent-requests, "
                        + "--max-concurrent-per-instance, --rate-limit, --rate-limit-wait: " + List.of(deadlineMillis, maxAttempts, healthCheckMillis,
                        maxConcurrentRequests, maxConcurrentPerInstance, rateLimit, rateLimitWaitMillis) + " (expected: > 0, >= 1, >= 0, >= 1, >= 1, >= 0, >= 0)");
            }
            Map<String, Upstream.Balancing> balancing = new HashMap<>();
            for (String choice : balancers) {
                int eq = choice.indexOf('=');
                String service = eq < 0 ? "*" : choice.substring(0, eq);
                if (!List.of("*", "users", "products").contains(service)) {
                    throw new CommandLine.ParameterException(cli, "--balancer: unknown service '" + service + "' (expected: users or products)");
                }
                try {
                    balancing.put(service, Upstream.Balancing.parse(choice.substring(eq + 1)));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cli, "--balancer: " + e.getMessage());
                }
            }
            Map<Instance, Integer> weightOf = new HashMap<>();
            for (String weight : weights) {
                int eq = weight.lastIndexOf('=');
                try {
                    int n = Integer.parseInt(weight.substring(eq + 1));
                    weightOf.put(Instance.parse(weight.substring(0, Math.max(eq, 0))), n);
                    if (n < 0) {
                        throw new IllegalArgumentException("negative");
                    }
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cli, "--weight: '" + weight + "' (expected: host:port=N, N >= 0)");
                }
            }
            return new Gateway.Settings(Duration.ofMillis(deadlineMillis), maxConcurrentRequests, Duration.ofMillis(healthCheckMillis), quiet, Lifecycle.DEFAULT_GRACE,
                    (service, upstream) -> {
                        upstream.rateLimit(rateLimit, Duration.ofMillis(rateLimitWaitMillis)).maxAttempts(maxAttempts)
                                .maxConcurrentPerInstance(maxConcurrentPerInstance)
                                .balancing(balancing.getOrDefault(service, balancing.getOrDefault("*", Upstream.Balancing.P2C)))
                                .weights(instance -> weightOf.getOrDefault(instance, 1));
                        if (!outlierEjection) {
                            upstream.noOutlierEjection();
                        }
                    });
        }
    }

    @Command(name = "gateway", description = "Runs the API gateway: GET /users/{name} and GET /products/{name}, balanced over the instances.")
    static final class GatewayCommand extends GatewayOptions implements Callable<Integer> {
        @Option(names = "--users", split = ",", description = "UserService instances, host:port,... (without --registry)")
        List<String> users;
        @Option(names = "--products", split = ",", description = "ProductService instances, host:port,... (without --registry)")
        List<String> products;
        @Override
        public Integer call() throws InterruptedException {
            observe("gateway");
            Optional<ServiceRegistry> registry = registry();
            if (registry.isEmpty() && (users == null || products == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "either --registry or both --users and --products are required");
            }
            List<AutoCloseable> running = new ArrayList<>(registry.stream().toList());
            running.addAll(registry.isPresent() ? start(registry.get().instancer("users"), registry.get().instancer("products"), Optional.empty())
                    : start(FixedInstancer.of(users.toArray(String[]::new)), FixedInstancer.of(products.toArray(String[]::new)), Optional.empty()));
            return runUntilStopped(running);
        }
    }

    @Command(name = "demo", description = "Runs the seed's layout in one process: the gateway, 3 UserService and 3 ProductService instances.")
    static final class Demo extends GatewayOptions implements Callable<Integer> {
        @Option(names = "--user-ports", defaultValue = "8080,8081,8082", split = ",", description = "(default: ${DEFAULT-VALUE})")
        List<Integer> userPorts;
        @Option(names = "--product-ports", defaultValue = "8083,8084,8085", split = ",", description = "(default: ${DEFAULT-VALUE})")
        List<Integer> productPorts;

        @Override
        public Integer call() throws InterruptedException {
            observe("javakit-demo");
            Optional<ServiceRegistry> registry = registry();
            List<AutoCloseable> running = new ArrayList<>();
            registry.ifPresent(running::add);
            LocalFaults faults = new LocalFaults();
            running.add(faults);
            for (String service : List.of("users", "products")) {
                for (int p : service.equals("users") ? userPorts : productPorts) {
                    Instance self = new Instance("localhost", p);
                    Lifecycle lifecycle = Lifecycle.builder().registrar(registry.map(r -> r.registrar(service, self))).build();
                    running.add(lifecycle.started(faults.start(self.address(), service.equals("users")
                            ? Backends.users(UserService.inMemory(), self.address(), quiet, lifecycle::isReady)
                            : Backends.products(ProductService.inMemory(), self.address(), quiet, lifecycle::isReady), h -> Backends.start(h, host(), p))));
                }
            }
            running.addAll(registry.isPresent() ? start(registry.get().instancer("users"), registry.get().instancer("products"), Optional.of(faults))
                    : start(local(userPorts), local(productPorts), Optional.of(faults)));
            System.out.printf("javakit demo is up. Try:%n  curl http://localhost:%d/users/user1%n"
                    + "  curl http://localhost:%d/products/product1%n  curl http://localhost:%d/products/nope   (404)%n", port, port, port);
            return runUntilStopped(running);
        }

        private static Instancer local(List<Integer> ports) {
            return new FixedInstancer(ports.stream().map(p -> new Instance("localhost", p)).toList());
        }
    }

    /**
     * Serves until SIGTERM or Ctrl-C, then closes everything, last started first: the gateway stops before the
     * instances, instances deregister before they stop accepting, and servers drain their requests in flight.
     */
    private static int runUntilStopped(List<? extends AutoCloseable> running) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> running.reversed().forEach(r -> {
            try {
                r.close();
            } catch (Exception e) {
                System.err.println("shutdown: " + e);
            }
        })));
        new CountDownLatch(1).await();
        return 0;
    }

}
