package io.javakit.sd;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.RequestContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps one endpoint per instance across updates: survivors are reused, newcomers created, leavers closed. */
final class CachingEndpointer<Req, Res> implements Endpointer<Req, Res> {
    private static final Logger LOG = LoggerFactory.getLogger(CachingEndpointer.class);

    private final Factory<Req, Res> factory;
    private final AutoCloseable subscription;
    private final Map<Instance, InstanceEndpoint<Req, Res>> byInstance = new HashMap<>();
    private volatile List<InstanceEndpoint<Req, Res>> snapshot = List.of();
    private boolean closed;

    CachingEndpointer(Instancer instancer, Factory<Req, Res> factory) {
        this.factory = factory;
        this.subscription = instancer.subscribe(this::onEvent);
    }

    @Override
    public List<InstanceEndpoint<Req, Res>> endpoints() {
        return snapshot;
    }

    private synchronized void onEvent(InstanceEvent event) {
        if (closed) {
            return;
        }
        if (event.error() != null) {
            LOG.atWarn().addKeyValue("err", event.error().getMessage())
                    .addKeyValue("serving", snapshot.size()).log("instancer failed; keeping the last known instances");
            return;
        }
        Map<Instance, InstanceEndpoint<Req, Res>> next = new HashMap<>();
        for (Instance instance : event.instances()) {
            InstanceEndpoint<Req, Res> existing = byInstance.get(instance);
            if (existing != null) {
                next.put(instance, existing);
                continue;
            }
            try {
                next.put(instance, new InstanceEndpoint<>(instance, recordingInstance(instance, factory.create(instance))));
            } catch (Exception e) {
                LOG.atWarn().addKeyValue("instance", instance).addKeyValue("err", e.toString())
                        .log("cannot create an endpoint; skipping the instance");
            }
        }
        byInstance.forEach((instance, old) -> {
            if (!next.containsKey(instance)) {
                closeQuietly(old);
            }
        });
        byInstance.clear();
        byInstance.putAll(next);
        snapshot = next.values().stream().sorted((a, b) -> a.instance().compareTo(b.instance())).toList();
    }

    private static <Req, Res> Endpoint<Req, Res> recordingInstance(Instance instance, Endpoint<Req, Res> endpoint) {
        String address = instance.address();
        return new RecordingEndpoint<>(address, endpoint);
    }

    /** Records which instance served, and stays closeable if the factory's endpoint is. */
    private record RecordingEndpoint<Req, Res>(String address, Endpoint<Req, Res> delegate)
            implements Endpoint<Req, Res>, AutoCloseable {
        @Override
        public Res call(RequestContext ctx, Req request) throws Exception {
            ctx.log().put(CallLog.INSTANCE, address);
            return delegate.call(ctx, request);
        }

        @Override
        public void close() throws Exception {
            if (delegate instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }

        @Override
        public String toString() {
            return address + " -> " + delegate;
        }
    }

    private static void closeQuietly(InstanceEndpoint<?, ?> endpoint) {
        if (endpoint.endpoint() instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.atWarn().addKeyValue("instance", endpoint.instance()).addKeyValue("err", e.toString())
                        .log("closing the endpoint of a departed instance failed");
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.atWarn().addKeyValue("err", e.toString()).log("unsubscribing from the instancer failed");
        }
        byInstance.values().forEach(CachingEndpointer::closeQuietly);
        byInstance.clear();
        snapshot = List.of();
    }
}
