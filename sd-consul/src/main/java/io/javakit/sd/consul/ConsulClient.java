package io.javakit.sd.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javakit.sd.Instance;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The few calls of Consul's HTTP API that service discovery needs, made with the JDK's HTTP client: register and
 * deregister a service with the local agent, pass its TTL check, and read the healthy instances of a service with
 * a blocking query. Share one client per agent; the {@link ConsulRegistrar} and {@link ConsulInstancer} built on it
 * do not close it.
 *
 * <p>Every call either succeeds or throws a {@link ConsulException} saying whether Consul could not be reached,
 * answered with an error status (with Consul's plain-text error body), or answered with something unreadable.
 *
 * <pre>{@code
 * try (ConsulClient consul = ConsulClient.builder("127.0.0.1:8500").token(System.getenv("CONSUL_HTTP_TOKEN")).build()) {
 *     ConsulClient.HealthResponse users = consul.health("users", null, true, 0, ConsulInstancer.DEFAULT_WAIT);
 * }
 * }</pre>
 */
public final class ConsulClient implements AutoCloseable {
    /** The agent's default HTTP address: {@code 127.0.0.1:8500}. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1:8500";
    /** How long to wait for a TCP connection to the agent: 2 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /**
     * How long a non-blocking call may take: 10 s. A blocking health query may take its {@code wait}, plus the up to
     * {@code wait/16} jitter Consul adds, plus this.
     */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_HEADER = "X-Consul-Token";

    private final URI base;
    private final String token;
    private final String datacenter;
    private final Duration requestTimeout;
    private final ExecutorService executor;
    private final HttpClient http;

    private ConsulClient(Builder builder) {
        this.base = builder.base;
        this.token = builder.token;
        this.datacenter = builder.datacenter;
        this.requestTimeout = builder.requestTimeout;
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // Consul's API is HTTP/1.1; no h2c upgrade dance
                .connectTimeout(builder.connectTimeout)
                .executor(executor)
                .build();
    }

    /** A client for the agent at {@code host:port} with no token and the {@code DEFAULT_*} timeouts. */
    public static ConsulClient create(String address) {
        return builder(address).build();
    }

    /**
     * A client configured the way Consul's own CLI is: the address from {@code CONSUL_HTTP_ADDR} (default
     * {@value #DEFAULT_ADDRESS}) and the token from {@code CONSUL_HTTP_TOKEN}, if set.
     */
    public static ConsulClient fromEnvironment() {
        String address = System.getenv("CONSUL_HTTP_ADDR");
        return builder(address == null || address.isBlank() ? DEFAULT_ADDRESS : address)
                .token(System.getenv("CONSUL_HTTP_TOKEN"))
                .build();
    }

    /**
     * @param address {@code host:port} of the agent's HTTP API, optionally prefixed by {@code http://} or
     *     {@code https://} (as {@code CONSUL_HTTP_ADDR} may be); IPv6 hosts in brackets
     */
    public static Builder builder(String address) {
        return new Builder(address);
    }

    /** The agent's base URI, e.g. {@code http://127.0.0.1:8500}. */
    public URI baseUri() {
        return base;
    }

    /** Whether requests carry an ACL token. */
    public boolean hasToken() {
        return token != null;
    }

    /**
     * Registers {@code service} with the local agent ({@code PUT /v1/agent/service/register}). Registering the same
     * ID again replaces the definition, so this is safe to repeat.
     */
    public void register(Service service) {
        Objects.requireNonNull(service, "service");
        String path = "/v1/agent/service/register";
        byte[] body = service.toJson().toString().getBytes(StandardCharsets.UTF_8);
        expectOk("PUT " + path, send("PUT " + path, request(path, null)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json"), requestTimeout));
    }

    /**
     * Removes the service and its checks from the local agent ({@code PUT /v1/agent/service/deregister/:id}).
     * Consul answers 200 for an unknown ID too.
     */
    public void deregister(String serviceId) {
        String path = "/v1/agent/service/deregister/" + pathSegment(checkText(serviceId, "serviceId"));
        expectOk("PUT " + path, send("PUT " + path, request(path, null).PUT(HttpRequest.BodyPublishers.noBody()),
                requestTimeout));
    }

    /**
     * Sets a TTL check to passing and restarts its TTL ({@code PUT /v1/agent/check/pass/:id}). Consul answers 404
     * ({@link ConsulException.Kind#NOT_FOUND}) when the agent does not know the check, for example after it lost its
     * state or reaped the service.
     *
     * @param note copied into the check's output, or {@code null}; a changed note is a change that wakes every
     *     watcher, so a heartbeat should send none
     */
    public void passTtl(String checkId, String note) {
        String path = "/v1/agent/check/pass/" + pathSegment(checkText(checkId, "checkId"));
        String query = note == null ? null : "note=" + queryValue(note);
        expectOk("PUT " + path, send("PUT " + path, request(path, query).PUT(HttpRequest.BodyPublishers.noBody()),
                requestTimeout));
    }

    /**
     * Reads the instances of {@code service} with their health ({@code GET /v1/health/service/:service}).
     *
     * <p>With {@code index > 0} this is a blocking query: Consul answers once its index moves past {@code index}, or
     * after {@code wait} plus up to {@code wait/16} of jitter, with the index unchanged. An answer is no proof of a
     * change; compare the results. With {@code index == 0} Consul answers at once.
     *
     * @param tag only instances carrying this tag, or {@code null}
     * @param passingOnly drop every instance with any check (node checks included) that is not passing
     * @param index the {@link HealthResponse#index()} of the previous answer, or 0
     * @param wait how long Consul may hold a blocking query; Consul caps it at 10 minutes
     */
    public HealthResponse health(String service, String tag, boolean passingOnly, long index, Duration wait) {
        String path = "/v1/health/service/" + pathSegment(checkText(service, "service"));
        Objects.requireNonNull(wait, "wait");
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        if (wait.isNegative() || wait.isZero()) {
            throw new IllegalArgumentException("wait: " + wait + " (expected: > 0)");
        }
        List<String> query = new ArrayList<>();
        if (passingOnly) {
            query.add("passing=1");
        }
        if (tag != null) {
            query.add("tag=" + queryValue(tag));
        }
        if (datacenter != null) {
            query.add("dc=" + queryValue(datacenter));
        }
        Duration timeout = requestTimeout;
        if (index > 0) {
            query.add("index=" + index);
            query.add("wait=" + wait.toMillis() + "ms");
            timeout = wait.plus(wait.dividedBy(16)).plus(requestTimeout);
        }
        String call = "GET " + path;
        HttpResponse<byte[]> response = send(call, request(path, String.join("&", query)).GET(), timeout);
        expectOk(call, response);
        long consulIndex = response.headers().firstValue("X-Consul-Index").map(ConsulClient::parseIndex).orElse(0L);
        String aclPolicy = response.headers().firstValue("X-Consul-Default-ACL-Policy").orElse("");
        return HealthParser.parse(call, consulIndex, aclPolicy, response.body());
    }

    /** Stops the HTTP client; calls in flight fail with {@link ConsulException.Kind#UNREACHABLE}. */
    @Override
    public void close() {
        http.shutdownNow();
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "ConsulClient[" + base + (datacenter == null ? "" : ", dc=" + datacenter) + "]";
    }

    private HttpRequest.Builder request(String path, String query) {
        String uri = base + path + (query == null || query.isEmpty() ? "" : "?" + query);
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri));
        if (token != null) {
            // The header, not ?token=, which Consul discourages because query strings end up in logs.
            builder.header(TOKEN_HEADER, token);
        }
        return builder;
    }

    private HttpResponse<byte[]> send(String call, HttpRequest.Builder request, Duration timeout) {
        try {
            return http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw ConsulException.unreachable(call, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ConsulException.unreachable(call, e);
        }
    }

    private static void expectOk(String call, HttpResponse<byte[]> response) {
        if (response.statusCode() != 200) {
            throw ConsulException.ofStatus(call, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    /** An index Consul cannot have sent (absent, unparseable) reads as 0, which the caller treats as not sane. */
    private static long parseIndex(String text) {
        try {
            return Long.parseUnsignedLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String checkText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: not blank)");
        }
        return value;
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters and {@code :} (check IDs contain one). */
    static String pathSegment(String value) {
        return percentEncode(value, ":");
    }

    static String queryValue(String value) {
        return percentEncode(value, "");
    }

    private static String percentEncode(String value, String alsoKeep) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0
                    || alsoKeep.indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Formats a duration the way Go's {@code time.ParseDuration} reads it. */
    static String goDuration(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /**
     * A service definition for the local agent.
     *
     * @param id unique on the agent; the registrar uses {@code <service>-<host>-<port>}
     * @param name the logical service name that instancers look up
     * @param instance the advertised address and port
     * @param tags free-form tags; instancers may filter on them
     * @param check what keeps the registration healthy
     */
    public record Service(String id, String name, Instance instance, List<String> tags, Check check) {
        public Service {
            checkText(id, "id");
            checkText(name, "name");
            Objects.requireNonNull(instance, "instance");
            tags = List.copyOf(Objects.requireNonNull(tags, "tags"));
            Objects.requireNonNull(check, "check");
        }

        /** The ID of the service's check, {@code service:<id>}, which is also what Consul would generate. */
        public String checkId() {
            return "service:" + id;
        }

        ObjectNode toJson() {
            ObjectNode json = JSON.createObjectNode();
            json.put("ID", id);
            json.put("Name", name);
            ArrayNode tagArray = json.putArray("Tags");
            tags.forEach(tagArray::add);
            json.put("Address", instance.host());
            json.put("Port", instance.port());
            ObjectNode checkJson = json.putObject("Check");
            checkJson.put("CheckID", checkId());
            checkJson.put("Name", "Service '" + name + "' check");
            if (check.ttl() != null) {
                checkJson.put("TTL", goDuration(check.ttl()));
                // Registering proves the instance is alive, so it need not wait for a first heartbeat to be routed to.
                checkJson.put("Status", "passing");
            } else {
                // An HTTP check starts critical (Consul's default) until its first probe passes.
                checkJson.put("HTTP", check.http().toString());
                checkJson.put("Interval", goDuration(check.interval()));
                checkJson.put("Timeout", goDuration(check.interval()));
            }
            checkJson.put("DeregisterCriticalServiceAfter", goDuration(check.deregisterCriticalServiceAfter()));
            return json;
        }
    }

    /**
     * What keeps a registration healthy: either a TTL that the instance must pass in time, or a URL that the agent
     * probes every {@code interval} (any 2xx is passing). Either way Consul removes the service once the check has
     * been critical for {@code deregisterCriticalServiceAfter} (Consul's minimum is one minute).
     *
     * @param ttl the TTL, or {@code null} for an HTTP check
     * @param http the URL to probe, or {@code null} for a TTL check
     * @param interval how often to probe the URL (also its timeout); {@code null} for a TTL check
     * @param deregisterCriticalServiceAfter how long a critical check may last before Consul removes the service
     */
    public record Check(Duration ttl, URI http, Duration interval, Duration deregisterCriticalServiceAfter) {
        public Check {
            if ((ttl == null) == (http == null)) {
                throw new IllegalArgumentException("ttl: " + ttl + ", http: " + http + " (expected: exactly one)");
            }
            if (ttl != null) {
                requirePositive(ttl, "ttl");
                if (interval != null) {
                    throw new IllegalArgumentException("interval: " + interval + " (expected: none for a TTL check)");
                }
            } else {
                requirePositive(Objects.requireNonNull(interval, "interval"), "interval");
                if (!"http".equals(http.getScheme()) && !"https".equals(http.getScheme())) {
                    throw new IllegalArgumentException("http: " + http + " (expected: an http:// or https:// URL)");
                }
            }
            requirePositive(Objects.requireNonNull(deregisterCriticalServiceAfter, "deregisterCriticalServiceAfter"),
                    "deregisterCriticalServiceAfter");
        }

        public static Check ttl(Duration ttl, Duration deregisterCriticalServiceAfter) {
            return new Check(ttl, null, null, deregisterCriticalServiceAfter);
        }

        public static Check http(URI url, Duration interval, Duration deregisterCriticalServiceAfter) {
            return new Check(null, url, interval, deregisterCriticalServiceAfter);
        }

        private static void requirePositive(Duration value, String name) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
        }
    }

    /**
     * One answer to {@link #health}.
     *
     * @param index Consul's {@code X-Consul-Index}, to send back for the next blocking query; 0 when the header was
     *     missing or unreadable, which Consul never sends and a watcher must not block on
     * @param entries the readable entries, in Consul's order
     * @param unreadable why each unreadable entry was skipped ({@code an entry that is not an object: 42})
     * @param defaultAclPolicy Consul's {@code X-Consul-Default-ACL-Policy} ({@code allow} or {@code deny}), or
     *     {@code ""}; with {@code deny} and no token, Consul hides the services silently rather than refusing
     */
    public record HealthResponse(long index, List<HealthEntry> entries, List<String> unreadable, String defaultAclPolicy) {
        public HealthResponse {
            entries = List.copyOf(entries);
            unreadable = List.copyOf(unreadable);
            Objects.requireNonNull(defaultAclPolicy, "defaultAclPolicy");
        }
    }

    /**
     * One instance of a service with its health, as {@code /v1/health/service} reports it. Missing strings read as
     * {@code ""}, a missing port as 0 (both Consul's own defaults).
     *
     * @param node the node's name
     * @param nodeAddress the node's address
     * @param serviceId the service instance's ID
     * @param serviceName the logical service name
     * @param serviceAddress the service's own address, often {@code ""} (then the node's address applies)
     * @param port the service port
     * @param tags the service's tags
     * @param checks the service's and the node's checks
     */
    public record HealthEntry(String node, String nodeAddress, String serviceId, String serviceName,
                              String serviceAddress, int port, List<String> tags, List<HealthCheck> checks) {
        public HealthEntry {
            tags = List.copyOf(tags);
            checks = List.copyOf(checks);
        }

        /**
         * The address to call: the service's own address, or the node's when the service has none (as Consul's docs
         * prescribe). A bracketed IPv6 literal is unbracketed.
         */
        public String address() {
            String address = serviceAddress.isBlank() ? nodeAddress : serviceAddress;
            address = address.strip();
            return address.length() > 2 && address.startsWith("[") && address.endsWith("]")
                    ? address.substring(1, address.length() - 1) : address;
        }

        /**
         * The instance to call.
         *
         * @throws IllegalArgumentException if the entry has no address or no valid port, saying which
         */
        public Instance instance() {
            String address = address();
            if (address.isEmpty()) {
                throw new IllegalArgumentException("address: '' (expected: a Service.Address or Node.Address)");
            }
            return new Instance(address, port);
        }

        /** Whether every check (service and node) is passing. */
        public boolean passing() {
            return checks.stream().allMatch(c -> "passing".equals(c.status()));
        }

        public Optional<HealthCheck> check(String checkId) {
            return checks.stream().filter(c -> c.checkId().equals(checkId)).findFirst();
        }
    }

    /**
     * One check of a {@link HealthEntry}.
     *
     * @param checkId the check's ID, e.g. {@code service:users-10.0.0.5-8080} or {@code serfHealth}
     * @param name the check's name
     * @param status {@code passing}, {@code warning} or {@code critical}
     * @param serviceId the service the check belongs to, {@code ""} for a node check
     */
    public record HealthCheck(String checkId, String name, String status, String serviceId) {}

    /** Settings of a {@link ConsulClient}; every one but the address is optional. */
    public static final class Builder {
        private final URI base;
        private String token;
        private String datacenter;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

        private Builder(String address) {
            this.base = parseAddress(address);
        }

        /** The ACL token, sent as {@code X-Consul-Token}; {@code null} or blank for none (the agent's default). */
        public Builder token(String token) {
            this.token = token == null || token.isBlank() ? null : token.strip();
            return this;
        }

        /** The datacenter to query, sent as {@code dc}; {@code null} for the agent's own (the default). */
        public Builder datacenter(String datacenter) {
            this.datacenter = datacenter == null || datacenter.isBlank() ? null : datacenter.strip();
            return this;
        }

        /** How long to wait for a TCP connection; default {@link #DEFAULT_CONNECT_TIMEOUT} (2 s). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * How long a non-blocking call may take, and the margin a blocking one gets beyond its wait; default
         * {@link #DEFAULT_REQUEST_TIMEOUT} (10 s).
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "requestTimeout");
            return this;
        }

        public ConsulClient build() {
            return new ConsulClient(this);
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
            return value;
        }

        private static URI parseAddress(String address) {
            Objects.requireNonNull(address, "address");
            String text = address.strip();
            String scheme = "http";
            if (text.startsWith("http://")) {
                text = text.substring("http://".length());
            } else if (text.startsWith("https://")) {
                scheme = "https";
                text = text.substring("https://".length());
            }
            if (text.endsWith("/")) {
                text = text.substring(0, text.length() - 1);
            }
            Instance hostPort;
            try {
                hostPort = Instance.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("address: '" + address
                        + "' (expected: host:port, optionally after http:// or https://; IPv6 in brackets)", e);
            }
            return URI.create(scheme + "://" + hostPort.address());
        }
    }

    /** Reads health answers leniently: an unreadable entry is reported, not fatal to the others. */
    static final class HealthParser {
        private HealthParser() {}

        static HealthResponse parse(String call, long index, String aclPolicy, byte[] body) {
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (IOException e) {
                throw ConsulException.unexpected(call, "the body is not JSON (" + e.getClass().getSimpleName() + ")");
            }
            if (root == null || !root.isArray()) {
                throw ConsulException.unexpected(call, "the body is not a JSON array");
            }
            List<HealthEntry> entries = new ArrayList<>(root.size());
            List<String> unreadable = new ArrayList<>();
            for (int i = 0; i < root.size(); i++) {
                JsonNode element = root.get(i);
                JsonNode service = element.path("Service");
                // Described by content, not position, so the same bad entry reads the same in the next answer.
                if (!element.isObject()) {
                    unreadable.add("an entry that is not an object: " + excerpt(element));
                } else if (!service.isObject()) {
                    unreadable.add("an entry without a Service object: " + excerpt(element));
                } else if (!service.path("Port").isMissingNode() && !service.path("Port").isIntegralNumber()) {
                    unreadable.add("entry " + text(service, "ID") + " on node " + text(element.path("Node"), "Node")
                            + ": Port is not an integer: " + excerpt(service.path("Port")));
                } else {
                    entries.add(entry(element, service));
                }
            }
            return new HealthResponse(index, entries, unreadable, aclPolicy);
        }

        private static HealthEntry entry(JsonNode element, JsonNode service) {
            JsonNode node = element.path("Node");
            JsonNode port = service.path("Port");
            List<String> tags = new ArrayList<>();
            for (JsonNode tag : service.path("Tags")) {
                if (tag.isTextual()) {
                    tags.add(tag.asText());
                }
            }
            List<HealthCheck> checks = new ArrayList<>();
            for (JsonNode check : element.path("Checks")) {
                checks.add(new HealthCheck(text(check, "CheckID"), text(check, "Name"), text(check, "Status"),
                        text(check, "ServiceID")));
            }
            int portValue = port.canConvertToInt() ? port.intValue() : -1;
            return new HealthEntry(text(node, "Node"), text(node, "Address"), text(service, "ID"),
                    text(service, "Service"), text(service, "Address"), port.isMissingNode() ? 0 : portValue, tags,
                    checks);
        }

        private static String excerpt(JsonNode node) {
            String text = node.toString();
            return text.length() <= 100 ? text : text.substring(0, 100) + "...";
        }

        private static String text(JsonNode object, String field) {
            JsonNode value = object.path(field);
            return value.isTextual() ? value.asText() : "";
        }
    }
}
