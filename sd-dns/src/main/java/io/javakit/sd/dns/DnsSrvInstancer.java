package io.javakit.sd.dns;

import io.javakit.sd.Backoff;
import io.javakit.sd.Instance;
import io.javakit.sd.InstanceCache;
import io.javakit.sd.InstanceEvent;
import io.javakit.sd.Instancer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The instances named by the SRV records of one DNS name, such as {@code _users._tcp.example.internal} (a
 * Kubernetes headless service's named port, a Consul DNS service, a zone file). DNS cannot be watched, so this
 * instancer polls: it re-resolves when the smallest TTL of the records it used expires, clamped between a
 * minimum and a maximum interval, so that short TTLs cannot make it spin and long ones cannot hide changes for
 * hours.
 *
 * <p>Each SRV record gives a port and a target; the target's A and AAAA records (taken from the answer's
 * additional section when the server sends them, looked up otherwise) give the addresses, one instance per
 * address. A target that is an IP literal is used as is. Priority and weight are ignored: the balancer spreads the
 * load. Records with port 0, the target {@code .} ("not available here", RFC 2782), or a target without addresses
 * are skipped and logged once. NXDOMAIN or an answer without SRV records publishes an empty set.
 *
 * <p>When the resolver cannot be reached or answers with an error (SERVFAIL, REFUSED, a timeout), the instancer
 * publishes {@link InstanceEvent#failed} so that endpointers keep the last good set, retries with a
 * {@link Backoff}, and logs the outage once and the recovery once.
 *
 * <pre>{@code
 * Instancer users = DnsSrvInstancer.create("_users._tcp.example.internal");               // system resolver
 * Instancer products = DnsSrvInstancer.builder("_products._tcp.example.internal")
 *         .resolver("10.96.0.10:53").maxInterval(Duration.ofSeconds(30)).build();
 * }</pre>
 */
public final class DnsSrvInstancer implements Instancer {
    private static final Logger LOG = LoggerFactory.getLogger(DnsSrvInstancer.class);

    /** Shortest wait between two resolutions, whatever the TTL: 1 second, so TTL-0 records cannot make us spin. */
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofSeconds(1);
    /** Longest wait between two resolutions: 60 seconds, so a long TTL still shows a change within a minute. */
    public static final Duration DEFAULT_MAX_INTERVAL = Duration.ofSeconds(60);
    /** How long one query may take before the round counts as failed: 5 seconds, as in resolv.conf. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final int DEFAULT_DNS_PORT = 53;

    private final Name name;
    private final String label; // the name without the root's dot, as users write it
    private final Resolver resolver;
    private final String resolverText;
    private final Duration minInterval;
    private final Duration maxInterval;
    private final Duration timeout;
    private final InstanceCache cache = new InstanceCache();
    private final Thread loop;
    private volatile boolean closed;

    // Owned by the loop thread.
    private final Backoff backoff = Backoff.ofDefaults();
    private boolean failing;
    private boolean missing;
    private Set<Notice> reported = Set.of();
    private List<Instance> published = List.of();

    private DnsSrvInstancer(Builder builder) {
        this.name = builder.name;
        this.label = name.toString(true);
        this.resolverText = builder.resolverAddress == null ? "system resolver" : builder.resolverAddress;
        this.resolver = builder.resolverAddress == null
                ? new ExtendedResolver()
                : new SimpleResolver(socketAddress(builder.resolverAddress));
        this.resolver.setTimeout(builder.timeout);
        this.minInterval = builder.minInterval;
        this.maxInterval = builder.maxInterval;
        this.timeout = builder.timeout;
        this.loop = Thread.ofVirtual().name("dns-srv " + label).unstarted(this::run);
    }

    /** Resolves {@code name} with the system resolver and the default intervals. */
    public static DnsSrvInstancer create(String name) {
        return builder(name).build();
    }

    /**
     * Resolves {@code name} with the DNS server at {@code resolver} ({@code host:port}, or {@code host} for port
     * 53; IPv6 in brackets) and the default intervals.
     */
    public static DnsSrvInstancer create(String name, String resolver) {
        return builder(name).resolver(resolver).build();
    }

    /** A builder for an instancer of {@code name}, e.g. {@code _users._tcp.example.internal}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    @Override
    public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
        return cache.subscribe(subscriber);
    }

    /** Stops resolving; no event is published once this returns (unless called from a subscriber). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.interrupt();
        if (Thread.currentThread() != loop) {
            try {
                loop.join(timeout.plusSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "DnsSrvInstancer[" + label + " via " + resolverText + "]";
    }

    private void run() {
        while (!closed) {
            Duration wait;
            try {
                Round round = resolve();
                wait = clamp(round.ttlSeconds());
                onSuccess(round);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                wait = backoff.nextDelay();
                onFailure(e, wait);
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return; // close()
            }
        }
    }

    private void onSuccess(Round round) {
        backoff.reset();
        if (failing) {
            failing = false;
            LOG.atInfo().addKeyValue("name", label).addKeyValue("resolver", resolverText).log("DNS resolution recovered");
        }
        if (round.missingReason() != null && !missing) {
            LOG.atWarn().addKeyValue("name", label).addKeyValue("reason", round.missingReason())
                    .log("no SRV records; publishing an empty set");
        } else if (round.missingReason() == null && missing) {
            LOG.atInfo().addKeyValue("name", label).log("SRV records are back");
        }
        missing = round.missingReason() != null;
        for (Notice notice : round.notices()) {
            if (!reported.contains(notice)) {
                (notice.skipped() ? LOG.atWarn() : LOG.atInfo()).addKeyValue("name", label)
                        .addKeyValue("record", notice.record()).addKeyValue("reason", notice.reason())
                        .log(notice.skipped() ? "skipping an SRV record" : "using an SRV record as is");
            }
        }
        reported = round.notices();
        InstanceEvent event = InstanceEvent.of(round.instances());
        if (!event.instances().equals(published)) {
            published = event.instances();
            LOG.atInfo().addKeyValue("name", label).addKeyValue("instances", published.size()).log("instances changed");
        }
        publish(event);
    }

    private void onFailure(IOException e, Duration wait) {
        if (!failing) {
            failing = true;
            LOG.atWarn().addKeyValue("name", label).addKeyValue("resolver", resolverText)
                    .addKeyValue("err", e.toString()).log("DNS resolution failed; keeping the last known instances and backing off");
        }
        LOG.atDebug().addKeyValue("name", label).addKeyValue("failures", backoff.failures())
                .addKeyValue("retryIn", wait).addKeyValue("err", e.toString()).log("DNS resolution failed; retrying");
        // The message must not vary between attempts (query ids, timings): the cache drops repeated equal failures.
        publish(InstanceEvent.failed(new IOException("cannot resolve SRV " + label + " via " + resolverText + ": " + summary(e), e)));
    }

    private void publish(InstanceEvent event) {
        if (!closed) {
            cache.update(event);
        }
    }

    private Duration clamp(long ttlSeconds) {
        Duration ttl = Duration.ofSeconds(ttlSeconds);
        return ttl.compareTo(minInterval) < 0 ? minInterval : ttl.compareTo(maxInterval) > 0 ? maxInterval : ttl;
    }

    /** One resolution: the SRV query, then the target lookups the additional section did not answer. */
    private Round resolve() throws IOException {
        Message response = await(send(name, Type.SRV));
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return Round.missing("NXDOMAIN", negativeTtl(response));
        }
        if (rcode != Rcode.NOERROR) {
            throw new DnsErrorException(Rcode.string(rcode));
        }
        List<SRVRecord> records = response.getSection(Section.ANSWER).stream()
                .filter(SRVRecord.class::isInstance).map(SRVRecord.class::cast).toList();
        if (records.isEmpty()) {
            return Round.missing("no SRV records in the answer", negativeTtl(response));
        }

        long ttl = Long.MAX_VALUE;
        Map<Name, List<Record>> additional = new HashMap<>();
        for (Record record : response.getSection(Section.ADDITIONAL)) {
            if (record instanceof ARecord || record instanceof AAAARecord) {
                additional.computeIfAbsent(record.getName(), n -> new ArrayList<>()).add(record);
            }
        }
        // Every lookup goes out before the first is awaited: a round costs one round trip, not one per target.
        Map<Name, TargetLookup> lookups = new LinkedHashMap<>();
        for (SRVRecord record : records) {
            Name target = record.getTarget();
            if (record.getPort() != 0 && !target.equals(Name.root) && ipLiteral(target) == null
                    && !additional.containsKey(target) && !lookups.containsKey(target)) {
                lookups.put(target, new TargetLookup(send(target, Type.A), send(target, Type.AAAA)));
            }
        }

        List<Instance> instances = new ArrayList<>();
        Set<Notice> notices = new HashSet<>();
        for (SRVRecord record : records) {
            ttl = Math.min(ttl, record.getTTL());
            Name target = record.getTarget();
            String text = record.rdataToString();
            if (record.getPort() == 0) {
                notices.add(Notice.skipped(text, "port 0"));
                continue;
            }
            if (target.equals(Name.root)) {
                notices.add(Notice.skipped(text, "target '.': the service is not available at this name"));
                continue;
            }
            InetAddress literal = ipLiteral(target);
            if (literal != null) {
                notices.add(new Notice(false, text, "the target is an IP literal, not a host name"));
                instances.add(new Instance(host(literal), record.getPort()));
                continue;
            }
            List<Record> addresses = additional.get(target);
            String failure = null;
            if (addresses == null) {
                TargetLookup lookup = lookups.get(target);
                addresses = new ArrayList<>();
                failure = collect(await(lookup.a()), addresses) + ", " + collect(await(lookup.aaaa()), addresses);
            }
            if (addresses.isEmpty()) {
                notices.add(Notice.skipped(text, "the target has no address (" + failure + ")"));
                continue;
            }
            for (Record address : addresses) {
                ttl = Math.min(ttl, address.getTTL());
                InetAddress ip = address instanceof ARecord a ? a.getAddress() : ((AAAARecord) address).getAddress();
                instances.add(new Instance(host(ip), record.getPort()));
            }
        }
        return new Round(instances, ttl, null, Set.copyOf(notices));
    }

    /** Adds the answer's addresses to {@code into}; returns how the lookup went, for the log. */
    private static String collect(Message response, List<Record> into) {
        String type = Type.string(response.getQuestion().getType());
        if (response.getRcode() != Rcode.NOERROR) {
            return type + ": " + Rcode.string(response.getRcode());
        }
        // A CNAME chain ends in records owned by another name: every address in the answer is the target's.
        int before = into.size();
        for (Record record : response.getSection(Section.ANSWER)) {
            if (record instanceof ARecord || record instanceof AAAARecord) {
                into.add(record);
            }
        }
        return type + ": " + (into.size() - before) + " records";
    }

    /** How long an absent answer may be cached (RFC 2308): the SOA's TTL capped by its minimum; 0 without a SOA. */
    private static long negativeTtl(Message response) {
        return response.getSection(Section.AUTHORITY).stream()
                .filter(SOARecord.class::isInstance).map(SOARecord.class::cast)
                .mapToLong(soa -> Math.min(soa.getTTL(), soa.getMinimum()))
                .min().orElse(0);
    }

    private CompletableFuture<Message> send(Name qname, int type) {
        return resolver.sendAsync(Message.newQuery(Record.newRecord(qname, type, DClass.IN))).toCompletableFuture();
    }

    private Message await(CompletableFuture<Message> response) throws IOException {
        try {
            // The resolver times out by itself; the margin only guards against a resolver that never completes.
            return response.get(timeout.plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("closed");
        } catch (TimeoutException e) {
            response.cancel(true);
            throw new IOException("timed out after " + timeout);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    private static String summary(IOException e) {
        if (e instanceof DnsErrorException) {
            return e.getMessage();
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        return message.startsWith("Timed out") || message.startsWith("timed out")
                ? "timed out" : e.getClass().getSimpleName();
    }

    /** The target as an address if it is written as an IP literal ({@code 10.0.0.5.}), else {@code null}. */
    private static InetAddress ipLiteral(Name target) {
        String text = target.toString(true);
        byte[] bytes = Address.isDottedQuad(text) ? Address.toByteArray(text, Address.IPv4)
                : Address.toByteArray(text, Address.IPv6);
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null; // only thrown for a wrong length, which toByteArray never returns
        }
    }

    /** The address as an {@link Instance} host: dotted IPv4, or IPv6 in the short form of RFC 5952. */
    static String host(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] bytes = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
        }
        int zerosStart = -1;
        int zerosLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > zerosLength) {
                zerosStart = i;
                zerosLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == zerosStart) {
                text.append("::");
                i += zerosLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    private static InetSocketAddress socketAddress(String resolver) {
        Instance parsed = resolver.contains(":") ? Instance.parse(resolver) : new Instance(resolver, DEFAULT_DNS_PORT);
        InetSocketAddress address = new InetSocketAddress(parsed.host(), parsed.port());
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("resolver: '" + resolver + "' (expected: a resolvable host or an IP address)");
        }
        return address;
    }

    private record Round(List<Instance> instances, long ttlSeconds, String missingReason, Set<Notice> notices) {
        static Round missing(String reason, long ttlSeconds) {
            return new Round(List.of(), ttlSeconds, reason, Set.of());
        }
    }

    private record TargetLookup(CompletableFuture<Message> a, CompletableFuture<Message> aaaa) {}

    /** Something worth telling about one record, logged when it first appears rather than on every round. */
    private record Notice(boolean skipped, String record, String reason) {
        static Notice skipped(String record, String reason) {
            return new Notice(true, record, reason);
        }
    }

    /** The resolver answered, with an error code. */
    private static final class DnsErrorException extends IOException {
        DnsErrorException(String rcode) {
            super("the resolver answered " + rcode);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** Options for a {@link DnsSrvInstancer}; every one has a default. */
    public static final class Builder {
        private final Name name;
        private String resolverAddress;
        private Duration minInterval = DEFAULT_MIN_INTERVAL;
        private Duration maxInterval = DEFAULT_MAX_INTERVAL;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            try {
                if (name.isBlank()) {
                    throw new TextParseException("blank");
                }
                this.name = Name.fromString(name, Name.root);
            } catch (TextParseException e) {
                throw new IllegalArgumentException(
                        "name: '" + name + "' (expected: a DNS name such as _users._tcp.example.internal)", e);
            }
        }

        /**
         * The DNS server to ask, as {@code host:port} or {@code host} (port 53); an IPv6 address in brackets.
         * Default: the system's resolvers ({@code /etc/resolv.conf}). The name is used as given: no search domains.
         */
        public Builder resolver(String address) {
            Objects.requireNonNull(address, "resolver");
            socketAddress(address); // fail here, not on the loop thread
            this.resolverAddress = address;
            return this;
        }

        /** Shortest wait between resolutions, however small the TTL. Default {@link #DEFAULT_MIN_INTERVAL} (1 s). */
        public Builder minInterval(Duration minInterval) {
            this.minInterval = positive(minInterval, "minInterval");
            return this;
        }

        /** Longest wait between resolutions, however large the TTL. Default {@link #DEFAULT_MAX_INTERVAL} (60 s). */
        public Builder maxInterval(Duration maxInterval) {
            this.maxInterval = positive(maxInterval, "maxInterval");
            return this;
        }

        /** How long one query may take. Default {@link #DEFAULT_TIMEOUT} (5 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /** Starts resolving at once, on a virtual thread; subscribers see the empty set until the first answer. */
        public DnsSrvInstancer build() {
            if (maxInterval.compareTo(minInterval) < 0) {
                throw new IllegalArgumentException("maxInterval: " + maxInterval + " (expected: >= minInterval " + minInterval + ")");
            }
            DnsSrvInstancer instancer = new DnsSrvInstancer(this);
            instancer.loop.start();
            return instancer;
        }

        private static Duration positive(Duration value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + ": " + value + " (expected: > 0)");
            }
            return value;
        }
    }
}
