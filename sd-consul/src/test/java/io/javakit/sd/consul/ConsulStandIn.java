package io.javakit.sd.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A stand-in for one Consul agent (and the catalog behind it), for tests. <b>It is not Consul.</b> No Consul binary
 * can run on our build machines, so this implements, over real HTTP on loopback, Consul's documented behaviour for
 * exactly the endpoints javakit uses, with error texts and status codes taken from Consul's sources
 * ({@code agent/http.go}, {@code agent/agent_endpoint.go}, {@code agent/health_endpoint.go},
 * {@code agent/consul/rpc.go}):
 * <ul>
 *   <li>{@code PUT /v1/agent/service/register}: Go-style case-insensitive or snake_case keys; {@code Name} required
 *       (400 {@code Missing service name}); one {@code Check} or several {@code Checks}, TTL or HTTP, with Consul's
 *       validation texts; check IDs default to {@code service:<id>} ({@code service:<id>:<n>} for several);
 *       checks start {@code critical} unless {@code Status} says otherwise; re-registering replaces the service,
 *       keeps checks not in the body unless {@code ?replace-existing-checks}, and moves the index only if
 *       something changed.</li>
 *   <li>{@code PUT /v1/agent/service/deregister/:id}: 200 even for an unknown ID.</li>
 *   <li>{@code PUT /v1/agent/check/pass/:id?note=}: resets the TTL; 404 {@code Unknown check ID ...} for an unknown
 *       check, 500 {@code CheckID "x" does not have associated TTL} for a non-TTL one; an unchanged status and
 *       output do not move the index.</li>
 *   <li>TTL checks turn critical ({@code TTL expired}) when not passed in time; HTTP checks are really probed
 *       (2xx passing, 429 warning, else critical) after a random stagger within the interval (an interval below
 *       1 s counts as 1 s, as in Consul); a service whose check stays critical past
 *       {@code DeregisterCriticalServiceAfter} is removed by a reaper (Consul: every 30 s, minimum 1 min; both
 *       settable here, as Consul's {@code check_reap_interval} and {@code check_deregister_interval_min} are).</li>
 *   <li>{@code GET /v1/health/service/:name}: {@code passing} ({@code ?passing}, or a Go bool; else 400
 *       {@code Invalid value for ?passing}) drops an entry when any check, node checks included, is not passing;
 *       repeated {@code tag} ANDed (case-insensitively); {@code []} when empty; {@code dc} other than {@code dc1}
 *       is 500 {@code No path to datacenter}; blocking queries: {@code index} and {@code wait} (Go durations;
 *       default 5 min, capped at 10 min, plus up to wait/16 of jitter; 400 {@code Invalid wait time} /
 *       {@code Invalid index}), answering as soon as the index moves past the one asked for, and never sending
 *       {@code X-Consul-Index: 0}. The response shape is that of Consul's documented sample.</li>
 *   <li>ACL mode ({@link Builder#aclToken}, default policy deny): an unknown token is 403 {@code ACL not found};
 *       no token is the anonymous token, which writes cannot use (403 {@code Permission denied: anonymous token
 *       lacks permission ...}) and for which reads are silently filtered to nothing, as Consul does; the token is
 *       read from {@code X-Consul-Token}, {@code Authorization: Bearer} or {@code ?token=}.</li>
 *   <li>A wrong method is 405 {@code method X not allowed} with an {@code Allow} header.</li>
 * </ul>
 * Faults to inject: answering every request with an error status, hanging requests, an index that goes backwards
 * (as after a snapshot restore), {@code X-Consul-Index: 0} (an old Consul bug), raw garbage entries, node checks
 * failing, and being stopped and started again on the same port, or restarted having forgotten everything (as a
 * {@code -dev} agent does).
 *
 * <p>Not modelled: anti-entropy delays (local registrations are in the catalog at once), other endpoints,
 * {@code filter}, {@code near}, {@code node-meta}, consistency modes, namespaces, Connect.
 */
public final class ConsulStandIn implements AutoCloseable {
    static final String NODE = "standin-node";
    static final String NODE_ADDRESS = "127.0.0.1";
    static final String DATACENTER = "dc1";
    private static final String NODE_ID = "40e4a748-2192-161a-0510-9bf59fe950b5";
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received, for assertions about what a client sent. */
    record Request(String method, String path, String query, String token) {}

    private final String aclToken;
    private final Duration reapInterval;
    private final Duration deregisterIntervalMin;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Svc> services = new LinkedHashMap<>();
    private final Map<String, Chk> checks = new LinkedHashMap<>();
    private final List<External> externals = new ArrayList<>();
    private final List<String> rawEntries = new ArrayList<>();
    private long index = 5;
    private long generation;
    private String serfHealth = "passing";
    private boolean running;

    private volatile int failStatus;
    private volatile String failBody = "";
    private volatile boolean hang;
    private volatile boolean indexZero;
    private final AtomicInteger healthRequests = new AtomicInteger();
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient prober = HttpClient.newBuilder().executor(executor).build();
    private final Thread ticker;
    private volatile boolean closed;
    private HttpServer server;
    private int port;

    private ConsulStandIn(Builder builder) {
        this.aclToken = builder.aclToken;
        this.reapInterval = builder.reapInterval;
        this.deregisterIntervalMin = builder.deregisterIntervalMin;
        start();
        this.ticker = Thread.ofVirtual().name("consul-standin-ticker").start(this::tick);
    }

    public static ConsulStandIn startDefault() {
        return builder().start();
    }

    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        private String aclToken;
        private Duration reapInterval = Duration.ofSeconds(30);
        private Duration deregisterIntervalMin = Duration.ofMinutes(1);

        /** Turns ACLs on (default policy deny) with one token that may do everything. */
        Builder aclToken(String token) {
            this.aclToken = token;
            return this;
        }

        /** Consul's {@code check_reap_interval} (30 s) and {@code check_deregister_interval_min} (1 min). */
        Builder reaper(Duration interval, Duration deregisterMin) {
            this.reapInterval = interval;
            this.deregisterIntervalMin = deregisterMin;
            return this;
        }

        ConsulStandIn start() {
            return new ConsulStandIn(this);
        }
    }

    // ---- control ----------------------------------------------------------------------------------------------

    /** {@code 127.0.0.1:<port>}. */
    public String address() {
        return NODE_ADDRESS + ":" + port;
    }

    /** Starts serving again on the same port, with the state it had. */
    public void start() {
        lock.lock();
        try {
            if (running) {
                return;
            }
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
            server.setExecutor(executor);
            server.createContext("/", this::handle);
            server.start();
            port = server.getAddress().getPort();
            running = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }

    /** Stops serving, as a killed agent would: the port refuses connections and requests in flight are cut. */
    public void stop() {
        HttpServer stopping;
        lock.lock();
        try {
            if (!running) {
                return;
            }
            running = false;
            generation++;
            changed.signalAll();
            stopping = server;
        } finally {
            lock.unlock();
        }
        stopping.stop(0);
    }

    /**
     * Stops and starts again having forgotten every registration, with a fresh (lower) raft index: what a
     * {@code -dev} agent does on restart.
     */
    void restartForgettingEverything() {
        stop();
        lock.lock();
        try {
            services.clear();
            checks.clear();
            externals.clear();
            index = 2;
        } finally {
            lock.unlock();
        }
        start();
    }

    /** Answers every request with {@code status} and the plain-text {@code body} until {@link #heal()}. */
    void failWith(int status, String body) {
        failBody = body;
        failStatus = status;
    }

    /** Requests hang (after being counted) until {@link #heal()} or {@link #stop()}. */
    void hangRequests() {
        hang = true;
    }

    /** Sends {@code X-Consul-Index: 0} on health answers, as some old Consul versions did, until {@link #heal()}. */
    void reportIndexZero() {
        indexZero = true;
    }

    /** Clears the error, hang and index-0 faults. */
    void heal() {
        failStatus = 0;
        indexZero = false;
        lock.lock();
        try {
            hang = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves the raft index back to {@code lowerIndex} as a snapshot restore does; blocked queries return at once
     * (Consul abandons them) with the lower index.
     */
    void restoreSnapshotWithIndex(long lowerIndex) {
        lock.lock();
        try {
            if (lowerIndex >= index || lowerIndex < 1) {
                throw new IllegalArgumentException("lowerIndex: " + lowerIndex + " (expected: 1 to " + (index - 1) + ")");
            }
            index = lowerIndex;
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Sets the status of the node's {@code serfHealth} check, which every local entry carries. */
    void setNodeHealth(String status) {
        lock.lock();
        try {
            if (!serfHealth.equals(status)) {
                serfHealth = status;
                bump();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds an instance registered by another node through the catalog: {@code serviceJson} is its
     * {@code Service} object, verbatim (so it may hold what a careless registration puts there).
     */
    void registerExternal(String node, String nodeAddress, String serviceJson) {
        ObjectNode service = (ObjectNode) readJson(serviceJson);
        lock.lock();
        try {
            externals.add(new External(node, nodeAddress, service, ++index));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Appends {@code rawJson} verbatim to every health answer for {@code service}: garbage no Consul sends. */
    void injectRawEntry(String service, String rawJson) {
        lock.lock();
        try {
            rawEntries.add(service + "\n" + rawJson);
            bump();
        } finally {
            lock.unlock();
        }
    }

    long index() {
        lock.lock();
        try {
            return index;
        } finally {
            lock.unlock();
        }
    }

    boolean hasService(String id) {
        lock.lock();
        try {
            return services.containsKey(id);
        } finally {
            lock.unlock();
        }
    }

    /** The status of a check, or {@code null} if there is none. */
    String checkStatus(String checkId) {
        lock.lock();
        try {
            Chk check = checks.get(checkId);
            return check == null ? null : check.status;
        } finally {
            lock.unlock();
        }
    }

    int healthRequests() {
        return healthRequests.get();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        closed = true;
        stop();
        ticker.interrupt();
        prober.shutdownNow();
        executor.shutdownNow();
    }

    // ---- HTTP ---------------------------------------------------------------------------------------------------

    private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Reply text(int status, String text) {
            return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        static Reply ok() {
            return new Reply(200, null, new byte[0], Map.of());
        }
    }

    /** Thrown to cut a request without an answer (the agent went away). */
    private static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            Map<String, List<String>> query = parseQuery(exchange.getRequestURI().getRawQuery());
            String token = token(exchange, query);
            requests.add(new Request(exchange.getRequestMethod(), path, exchange.getRequestURI().getRawQuery(), token));
            if (path.startsWith("/v1/health/service/")) {
                healthRequests.incrementAndGet();
            }
            long myGeneration = awaitNoHang();
            int status = failStatus;
            Reply reply = status != 0 ? Reply.text(status, failBody) : route(exchange, path, query, token, myGeneration);
            send(exchange, reply);
        } catch (Abort | IOException e) {
            // The connection closes without an answer.
        }
    }

    private long awaitNoHang() {
        lock.lock();
        try {
            long myGeneration = generation;
            while (hang) {
                changed.awaitUninterruptibly();
                if (generation != myGeneration || !running) {
                    throw new Abort();
                }
            }
            return myGeneration;
        } finally {
            lock.unlock();
        }
    }

    private void send(HttpExchange exchange, Reply reply) throws IOException {
        exchange.getResponseHeaders().set("X-Consul-Default-ACL-Policy", aclToken == null ? "allow" : "deny");
        reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        if (reply.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        }
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        if (reply.body().length > 0) {
            exchange.getResponseBody().write(reply.body());
        }
    }

    private Reply route(HttpExchange exchange, String path, Map<String, List<String>> query, String token,
                        long myGeneration) throws IOException {
        String method = exchange.getRequestMethod();
        String allowed;
        if (path.equals("/v1/agent/service/register") || path.startsWith("/v1/agent/service/deregister/")
                || path.startsWith("/v1/agent/check/pass/")) {
            allowed = "PUT";
        } else if (path.startsWith("/v1/health/service/")) {
            allowed = "GET";
        } else {
            return new Reply(404, null, new byte[0], Map.of());
        }
        if (!method.equals(allowed)) {
            return new Reply(405, "text/plain; charset=utf-8",
                    ("method " + method + " not allowed").getBytes(StandardCharsets.UTF_8),
                    Map.of("Allow", "OPTIONS," + allowed));
        }
        if (aclToken != null && token != null && !aclToken.equals(token)) {
            return Reply.text(403, "ACL not found");
        }
        boolean anonymous = aclToken != null && token == null;
        if (path.equals("/v1/agent/service/register")) {
            return register(exchange.getRequestBody(), query, anonymous);
        }
        if (path.startsWith("/v1/agent/service/deregister/")) {
            return deregister(decode(path.substring("/v1/agent/service/deregister/".length())), anonymous);
        }
        if (path.startsWith("/v1/agent/check/pass/")) {
            return pass(decode(path.substring("/v1/agent/check/pass/".length())), first(query, "note"), anonymous);
        }
        return health(decode(path.substring("/v1/health/service/".length())), query, anonymous, myGeneration);
    }

    private static Reply denied(String permission, String name) {
        return Reply.text(403, "Permission denied: anonymous token lacks permission '" + permission + "' on \"" + name
                + "\". The anonymous token is used implicitly when a request does not specify a token.");
    }

    // ---- agent endpoints --------------------------------------------------------------------------------------

    private Reply register(InputStream body, Map<String, List<String>> query, boolean anonymous) throws IOException {
        JsonNode json;
        try {
            json = JSON.readTree(body.readAllBytes());
        } catch (IOException e) {
            return Reply.text(400, "Request decode failed: " + e.getClass().getSimpleName());
        }
        if (json == null || !json.isObject()) {
            return Reply.text(400, "Request decode failed: json: cannot unmarshal into Go value of type structs.ServiceDefinition");
        }
        String name = string(json, "Name");
        if (name == null || name.isEmpty()) {
            return Reply.text(400, "Missing service name");
        }
        if (anonymous) {
            return denied("service:write", name);
        }
        String id = Objects.requireNonNullElse(string(json, "ID"), name);
        JsonNode portNode = field(json, "Port");
        if (portNode != null && !portNode.isIntegralNumber()) {
            return Reply.text(400, "Request decode failed: json: cannot unmarshal " + portNode.getNodeType()
                    .toString().toLowerCase(Locale.ROOT) + " into Go struct field ServiceDefinition.Port of type int");
        }
        List<JsonNode> checkDefs = new ArrayList<>();
        JsonNode one = field(json, "Check");
        if (one != null && one.isObject()) {
            checkDefs.add(one);
        }
        JsonNode many = field(json, "Checks");
        if (many != null && many.isArray()) {
            many.forEach(checkDefs::add);
        }
        List<Chk> newChecks = new ArrayList<>();
        for (int i = 0; i < checkDefs.size(); i++) {
            String defaultId = checkDefs.size() == 1 ? "service:" + id : "service:" + id + ":" + (i + 1);
            Object parsed = parseCheck(checkDefs.get(i), defaultId, id, name);
            if (parsed instanceof Reply error) {
                return error;
            }
            newChecks.add((Chk) parsed);
        }
        Svc service = new Svc(id, name, Objects.requireNonNullElse(string(json, "Address"), ""),
                portNode == null ? 0 : portNode.intValue(), strings(field(json, "Tags")));
        boolean replaceChecks = query.containsKey("replace-existing-checks");
        lock.lock();
        try {
            List<Object> updates = new ArrayList<>();
            Svc old = services.get(id);
            if (old == null || !old.sameAs(service)) {
                updates.add(service);
            }
            List<String> dropped = replaceChecks ? checks.values().stream()
                    .filter(c -> c.serviceId.equals(id) && newChecks.stream().noneMatch(n -> n.id.equals(c.id)))
                    .map(c -> c.id).toList() : List.of();
            for (Chk check : newChecks) {
                Chk oldCheck = checks.get(check.id);
                if (oldCheck == null || !oldCheck.sameAs(check)) {
                    updates.add(check);
                }
            }
            if (!updates.isEmpty() || !dropped.isEmpty()) {
                long newIndex = bump();
                long now = System.nanoTime();
                if (updates.contains(service)) {
                    service.createIndex = old == null ? newIndex : old.createIndex;
                    service.modifyIndex = newIndex;
                    services.put(id, service);
                }
                dropped.forEach(checks::remove);
                for (Object o : updates) {
                    if (o instanceof Chk check) {
                        Chk oldCheck = checks.get(check.id);
                        check.createIndex = oldCheck == null ? newIndex : oldCheck.createIndex;
                        check.modifyIndex = newIndex;
                        check.serviceTags = service.tags;
                        check.criticalSinceNanos = now;
                        check.ttlDeadlineNanos = check.ttl == null ? 0 : now + check.ttl.toNanos();
                        // Consul staggers the first probe randomly within the interval.
                        check.nextProbeNanos = check.interval == null ? 0
                                : now + ThreadLocalRandom.current().nextLong(check.interval.toNanos());
                        checks.put(check.id, check);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return Reply.ok();
    }

    /** @return a {@link Chk}, or the 400 {@link Reply} Consul gives */
    private static Object parseCheck(JsonNode def, String defaultId, String serviceId, String serviceName) {
        Chk check = new Chk();
        check.id = Objects.requireNonNullElse(firstNonEmpty(string(def, "CheckID"), string(def, "ID")), defaultId);
        check.name = Objects.requireNonNullElse(string(def, "Name"), "Service '" + serviceName + "' check");
        check.serviceId = serviceId;
        check.serviceName = serviceName;
        check.output = "";
        try {
            check.ttl = goDurationField(def, "TTL");
            check.interval = goDurationField(def, "Interval");
            check.timeout = goDurationField(def, "Timeout");
            check.deregisterAfter = goDurationField(def, "DeregisterCriticalServiceAfter");
        } catch (IllegalArgumentException e) {
            return Reply.text(400, "Request decode failed: " + e.getMessage());
        }
        String http = string(def, "HTTP");
        // Script (Args), TCP and gRPC checks are accepted but never run here: they keep their initial status.
        String otherKind = Stream.of("Args", "TCP", "GRPC").filter(k -> field(def, k) != null).findFirst().orElse(null);
        boolean intervalCheck = (http != null && !http.isEmpty()) || otherKind != null;
        if (check.interval != null && check.ttl != null) {
            return Reply.text(400, "Invalid check: Interval and TTL cannot both be specified");
        }
        if (intervalCheck && check.interval == null) {
            return Reply.text(400, "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, or TCP checks");
        }
        if (!intervalCheck && check.ttl == null) {
            return Reply.text(400, "Invalid check: TTL must be > 0 for TTL checks");
        }
        String status = string(def, "Status");
        if (status != null && !status.isEmpty() && !List.of("passing", "warning", "critical").contains(status)) {
            return Reply.text(400, "Status for checks must 'passing', 'warning', 'critical'");
        }
        check.status = status == null || status.isEmpty() ? "critical" : status;
        if (otherKind != null && (http == null || http.isEmpty())) {
            check.type = otherKind.equals("Args") ? "script" : otherKind.toLowerCase(Locale.ROOT);
            check.interval = null;
        } else if (intervalCheck) {
            check.type = "http";
            check.http = URI.create(http);
            if (check.interval.compareTo(MIN_INTERVAL) < 0) {
                check.interval = MIN_INTERVAL; // Consul raises it, with a warning in its log
            }
            if (check.timeout == null) {
                check.timeout = Duration.ofSeconds(10);
            }
        } else {
            check.type = "ttl";
        }
        return check;
    }

    private Reply deregister(String id, boolean anonymous) {
        lock.lock();
        try {
            Svc service = services.get(id);
            if (anonymous) {
                return denied("service:write", service == null ? id : service.name);
            }
            if (service != null) {
                removeService(id);
            }
        } finally {
            lock.unlock();
        }
        return Reply.ok();
    }

    private Reply pass(String checkId, String note, boolean anonymous) {
        lock.lock();
        try {
            Chk check = checks.get(checkId);
            if (check == null) {
                return Reply.text(404, "Unknown check ID \"" + checkId
                        + "\". Ensure that the check ID is passed, not the check name.");
            }
            if (anonymous) {
                return denied("service:write", check.serviceName);
            }
            if (!check.type.equals("ttl")) {
                return Reply.text(500, "CheckID \"" + checkId + "\" does not have associated TTL");
            }
            check.ttlDeadlineNanos = System.nanoTime() + check.ttl.toNanos();
            setStatus(check, "passing", note == null ? "" : note);
        } finally {
            lock.unlock();
        }
        return Reply.ok();
    }

    private void removeService(String id) {
        services.remove(id);
        checks.values().removeIf(c -> c.serviceId.equals(id));
        bump();
    }

    /** Caller holds the lock. */
    private void setStatus(Chk check, String status, String output) {
        if (check.status.equals(status) && check.output.equals(output)) {
            return; // Consul syncs (and moves the index) only on a change
        }
        if (!status.equals("critical")) {
            check.criticalSinceNanos = 0;
        } else if (!check.status.equals("critical")) {
            check.criticalSinceNanos = System.nanoTime();
        }
        check.status = status;
        check.output = output;
        check.modifyIndex = bump();
    }

    /** Caller holds the lock. */
    private long bump() {
        index++;
        changed.signalAll();
        return index;
    }

    // ---- health endpoint ----------------------------------------------------------------------------------------

    private Reply health(String name, Map<String, List<String>> query, boolean anonymous, long myGeneration) {
        Duration wait = DEFAULT_WAIT;
        String waitText = first(query, "wait");
        if (waitText != null && !waitText.isEmpty()) {
            try {
                wait = parseGoDuration(waitText);
            } catch (IllegalArgumentException e) {
                return Reply.text(400, "Invalid wait time");
            }
        }
        long minIndex = 0;
        String indexText = first(query, "index");
        if (indexText != null && !indexText.isEmpty()) {
            try {
                minIndex = Long.parseUnsignedLong(indexText);
            } catch (NumberFormatException e) {
                return Reply.text(400, "Invalid index");
            }
        }
        if (name.isEmpty()) {
            return Reply.text(400, "Missing service name");
        }
        String dc = first(query, "dc");
        if (dc != null && !dc.isEmpty() && !dc.equals(DATACENTER)) {
            return Reply.text(500, "No path to datacenter");
        }
        boolean passing = false;
        if (query.containsKey("passing")) {
            String value = first(query, "passing");
            if (value.isEmpty()) {
                passing = true;
            } else {
                Boolean parsed = parseGoBool(value);
                if (parsed == null) {
                    return Reply.text(400, "Invalid value for ?passing");
                }
                passing = parsed;
            }
        }
        List<String> tags = query.getOrDefault("tag", List.of());

        lock.lock();
        try {
            if (minIndex > 0) {
                if (wait.compareTo(MAX_WAIT) > 0) {
                    wait = MAX_WAIT;
                } else if (wait.isZero() || wait.isNegative()) {
                    wait = DEFAULT_WAIT;
                }
                long jitter = wait.toNanos() / 16 > 0 ? ThreadLocalRandom.current().nextLong(wait.toNanos() / 16) : 0;
                long deadline = System.nanoTime() + wait.toNanos() + jitter;
                while (index <= minIndex) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        changed.awaitNanos(left);
                    } catch (InterruptedException e) {
                        throw new Abort();
                    }
                    if (!running) {
                        throw new Abort();
                    }
                    if (generation != myGeneration) {
                        break; // a restore abandons blocked queries
                    }
                }
            }
            ArrayNode body = anonymous ? JSON.createArrayNode() : entries(name, tags, passing);
            String text = body.toString();
            for (String raw : rawEntries) {
                if (raw.startsWith(name + "\n") && !anonymous) {
                    String element = raw.substring(name.length() + 1);
                    text = text.equals("[]") ? "[" + element + "]" : text.substring(0, text.length() - 1) + "," + element + "]";
                }
            }
            long sent = indexZero ? 0 : Math.max(1, index);
            return new Reply(200, "application/json", text.getBytes(StandardCharsets.UTF_8), Map.of(
                    "X-Consul-Index", Long.toString(sent),
                    "X-Consul-KnownLeader", "true",
                    "X-Consul-LastContact", "0",
                    "X-Consul-Effective-Consistency", "leader"));
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock. */
    private ArrayNode entries(String name, List<String> tags, boolean passing) {
        ArrayNode array = JSON.createArrayNode();
        for (Svc service : services.values()) {
            if (!service.name.equals(name) || !hasTags(service.tags, tags)) {
                continue;
            }
            List<ObjectNode> entryChecks = new ArrayList<>();
            for (Chk check : checks.values()) {
                if (check.serviceId.equals(service.id)) {
                    entryChecks.add(checkJson(NODE, check.id, check.name, check.status, check.output, check.serviceId,
                            check.serviceName, service.tags, check.type, check.createIndex, check.modifyIndex));
                }
            }
            entryChecks.add(serfHealth(NODE, serfHealth));
            if (passing && !allPassing(entryChecks)) {
                continue;
            }
            ObjectNode entry = array.addObject();
            entry.set("Node", nodeJson(NODE_ID, NODE, NODE_ADDRESS));
            ObjectNode svc = entry.putObject("Service");
            svc.put("ID", service.id);
            svc.put("Service", service.name);
            ArrayNode tagArray = svc.putArray("Tags");
            service.tags.forEach(tagArray::add);
            svc.put("Address", service.address);
            ObjectNode tagged = svc.putObject("TaggedAddresses");
            if (!service.address.isEmpty()) {
                tagged.putObject("lan_ipv4").put("Address", service.address).put("Port", service.port);
            }
            svc.putObject("Meta");
            svc.put("Port", service.port);
            svc.putObject("Weights").put("Passing", 1).put("Warning", 1);
            svc.put("EnableTagOverride", false);
            svc.put("CreateIndex", service.createIndex);
            svc.put("ModifyIndex", service.modifyIndex);
            ArrayNode checkArray = entry.putArray("Checks");
            entryChecks.forEach(checkArray::add);
        }
        for (External external : externals) {
            JsonNode serviceName = external.service.get("Service");
            if (serviceName == null || !name.equals(serviceName.asText())
                    || !hasTags(strings(external.service.get("Tags")), tags)) {
                continue;
            }
            ObjectNode entry = array.addObject();
            entry.set("Node", nodeJson("00000000-0000-0000-0000-" + String.format("%012d", external.createIndex),
                    external.node, external.nodeAddress));
            entry.set("Service", external.service);
            entry.putArray("Checks").add(serfHealth(external.node, "passing"));
        }
        return array;
    }

    private static boolean allPassing(List<ObjectNode> checks) {
        return checks.stream().allMatch(c -> c.get("Status").asText().equals("passing"));
    }

    private static boolean hasTags(List<String> have, List<String> wanted) {
        return wanted.stream().allMatch(w -> have.stream().anyMatch(h -> h.equalsIgnoreCase(w)));
    }

    private static ObjectNode nodeJson(String id, String node, String address) {
        ObjectNode json = JSON.createObjectNode();
        json.put("ID", id);
        json.put("Node", node);
        json.put("Address", address);
        json.put("Datacenter", DATACENTER);
        json.putObject("TaggedAddresses").put("lan", address).put("wan", address);
        json.putObject("Meta").put("consul-network-segment", "");
        json.put("CreateIndex", 4);
        json.put("ModifyIndex", 4);
        return json;
    }

    private ObjectNode serfHealth(String node, String status) {
        return checkJson(node, "serfHealth", "Serf Health Status", status,
                status.equals("passing") ? "Agent alive and reachable" : "Agent not live or unreachable", "", "",
                List.of(), "", 4, 4);
    }

    private static ObjectNode checkJson(String node, String id, String name, String status, String output,
                                        String serviceId, String serviceName, List<String> serviceTags, String type,
                                        long createIndex, long modifyIndex) {
        ObjectNode json = JSON.createObjectNode();
        json.put("Node", node);
        json.put("CheckID", id);
        json.put("Name", name);
        json.put("Status", status);
        json.put("Notes", "");
        json.put("Output", output);
        json.put("ServiceID", serviceId);
        json.put("ServiceName", serviceName);
        ArrayNode tags = json.putArray("ServiceTags");
        serviceTags.forEach(tags::add);
        json.put("Type", type);
        json.put("CreateIndex", createIndex);
        json.put("ModifyIndex", modifyIndex);
        return json;
    }

    // ---- time: TTLs, HTTP probes, the reaper ------------------------------------------------------------------

    private void tick() {
        long nextReap = System.nanoTime() + reapInterval.toNanos();
        while (!closed) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            List<Chk> probes = new ArrayList<>();
            lock.lock();
            try {
                for (Chk check : checks.values()) {
                    if (check.type.equals("ttl") && !check.status.equals("critical") && now - check.ttlDeadlineNanos > 0) {
                        setStatus(check, "critical", "TTL expired");
                    } else if (check.type.equals("http") && !check.probing && now - check.nextProbeNanos > 0) {
                        check.probing = true;
                        check.nextProbeNanos = now + check.interval.toNanos();
                        probes.add(check);
                    }
                }
                if (now - nextReap > 0) {
                    nextReap = now + reapInterval.toNanos();
                    reap(now);
                }
            } finally {
                lock.unlock();
            }
            probes.forEach(check -> executor.execute(() -> probe(check)));
        }
    }

    /** Caller holds the lock. */
    private void reap(long now) {
        List<String> doomed = new ArrayList<>();
        for (Chk check : checks.values()) {
            if (check.deregisterAfter == null || !check.status.equals("critical")) {
                continue;
            }
            Duration timeout = check.deregisterAfter.compareTo(deregisterIntervalMin) < 0
                    ? deregisterIntervalMin : check.deregisterAfter;
            if (now - check.criticalSinceNanos > timeout.toNanos()) {
                doomed.add(check.serviceId);
            }
        }
        doomed.stream().distinct().forEach(this::removeService);
    }

    private void probe(Chk check) {
        String status;
        String output;
        try {
            HttpResponse<Void> response = prober.send(HttpRequest.newBuilder(check.http).timeout(check.timeout).GET()
                    .header("User-Agent", "Consul Health Check").build(), HttpResponse.BodyHandlers.discarding());
            int code = response.statusCode();
            status = code >= 200 && code <= 299 ? "passing" : code == 429 ? "warning" : "critical";
            output = "HTTP GET " + check.http + ": " + code;
        } catch (IOException e) {
            status = "critical";
            output = "Get \"" + check.http + "\": " + e;
        } catch (InterruptedException e) {
            return;
        }
        lock.lock();
        try {
            check.probing = false;
            if (checks.get(check.id) == check) {
                setStatus(check, status, output);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- state ------------------------------------------------------------------------------------------------

    private static final class Svc {
        final String id;
        final String name;
        final String address;
        final int port;
        final List<String> tags;
        long createIndex;
        long modifyIndex;

        Svc(String id, String name, String address, int port, List<String> tags) {
            this.id = id;
            this.name = name;
            this.address = address;
            this.port = port;
            this.tags = tags;
        }

        boolean sameAs(Svc other) {
            return id.equals(other.id) && name.equals(other.name) && address.equals(other.address)
                    && port == other.port && tags.equals(other.tags);
        }
    }

    private static final class Chk {
        String id;
        String name;
        String serviceId;
        String serviceName;
        List<String> serviceTags = List.of();
        String type;
        String status;
        String output;
        Duration ttl;
        URI http;
        Duration interval;
        Duration timeout;
        Duration deregisterAfter;
        long ttlDeadlineNanos;
        long criticalSinceNanos;
        long nextProbeNanos;
        boolean probing;
        long createIndex;
        long modifyIndex;

        /** Whether re-registering {@code other} changes nothing Consul would sync. */
        boolean sameAs(Chk other) {
            return id.equals(other.id) && type.equals(other.type) && Objects.equals(ttl, other.ttl)
                    && Objects.equals(http, other.http) && Objects.equals(interval, other.interval)
                    && status.equals(other.status);
        }
    }

    private record External(String node, String nodeAddress, ObjectNode service, long createIndex) {}

    // ---- parsing helpers ----------------------------------------------------------------------------------------

    /** Go's encoding/json matches keys case-insensitively, and Consul also accepts snake_case. */
    private static JsonNode field(JsonNode object, String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            if (e.getKey().replace("_", "").toLowerCase(Locale.ROOT).equals(wanted)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String string(JsonNode object, String name) {
        JsonNode value = field(object, name);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String firstNonEmpty(String a, String b) {
        return a != null && !a.isEmpty() ? a : (b != null && !b.isEmpty() ? b : null);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(t -> out.add(t.asText()));
        }
        return List.copyOf(out);
    }

    private static Duration goDurationField(JsonNode def, String name) {
        JsonNode value = field(def, name);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty())) {
            return null;
        }
        Duration duration = value.isNumber() ? Duration.ofNanos(value.longValue()) : parseGoDuration(value.asText());
        return duration.isZero() || duration.isNegative() ? null : duration;
    }

    private static final Pattern GO_DURATION_PART = Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");

    /** Go's {@code time.ParseDuration}: {@code 300ms}, {@code 1.5h}, {@code 2h45m}; a bare {@code 0} too. */
    static Duration parseGoDuration(String text) {
        String s = text;
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.startsWith("-");
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
        }
        Matcher m = GO_DURATION_PART.matcher(s);
        double nanos = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at || m.group(1).isEmpty() || m.group(1).equals(".")) {
                throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
            }
            double unit = switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            nanos += Double.parseDouble(m.group(1)) * unit;
            at = m.end();
        }
        return Duration.ofNanos((long) (negative ? -nanos : nanos));
    }

    /** Go's {@code strconv.ParseBool}; {@code null} for anything else. */
    private static Boolean parseGoBool(String text) {
        return switch (text) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> null;
        };
    }

    private static String token(HttpExchange exchange, Map<String, List<String>> query) {
        String header = exchange.getRequestHeaders().getFirst("X-Consul-Token");
        if (header != null && !header.isEmpty()) {
            return header;
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.startsWith("Bearer ")) {
            return authorization.substring("Bearer ".length()).strip();
        }
        String param = first(query, "token");
        return param == null || param.isEmpty() ? null : param;
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
            query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return query;
    }

    private static String first(Map<String, List<String>> query, String key) {
        List<String> values = query.get(key);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** A path keeps {@code +} literal; a query reads it as a space, as Go's {@code url.ParseQuery} does. */
    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String decodeQuery(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
