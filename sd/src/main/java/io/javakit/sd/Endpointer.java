package io.javakit.sd;

import io.javakit.endpoint.Endpoint;
import java.util.List;

/**
 * The current endpoints of one service, one per instance, sorted by instance. Reading them is cheap (no locking),
 * so a balancer asks on every call and sees changes at once.
 */
public interface Endpointer<Req, Res> extends AutoCloseable {

    /** The current endpoints; an empty list when no instance is known. */
    List<InstanceEndpoint<Req, Res>> endpoints();

    /** Stops following the instancer and closes every endpoint. */
    @Override
    void close();

    /**
     * An endpointer that follows {@code instancer}, creating endpoints with {@code factory}. Each endpoint records
     * its instance in the request's {@link io.javakit.endpoint.CallLog} so outer layers can report who served.
     * When the instancer reports an error, the last good set keeps serving.
     */
    static <Req, Res> Endpointer<Req, Res> of(Instancer instancer, Factory<Req, Res> factory) {
        return new CachingEndpointer<>(instancer, factory);
    }

    /** An endpoint together with the instance it calls. */
    record InstanceEndpoint<Req, Res>(Instance instance, Endpoint<Req, Res> endpoint) {}
}
