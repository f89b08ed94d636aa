package io.javakit.upstream;

import io.javakit.sd.Endpointer;
import io.javakit.sd.Instance;
import io.javakit.upstream.UpstreamView.Breaker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The endpoints a balancer may pick: those of {@code delegate} whose breaker is not open, or all of them when every
 * breaker is. An open breaker refuses every call without sending it, so picking its instance only wastes the pick
 * (and, before, an attempt); with it out, the balancer spreads the calls over those that can answer.
 *
 * <p>The list is recomputed only when the delegate's list or some breaker's state changed, and otherwise handed out
 * as the same object, so balancers keep their per-instance state and a read is two volatile loads.
 */
final class PickableEndpointer<Req, Res> implements Endpointer<Req, Res> {
    private final Endpointer<Req, Res> delegate;
    private final Function<Instance, Upstream.Member> members;
    private final AtomicLong breakerChanges;
    private volatile Cached<Req, Res> cached = new Cached<>(List.of(), -1, List.of());

    private record Cached<Req, Res>(List<InstanceEndpoint<Req, Res>> source, long version, List<InstanceEndpoint<Req, Res>> pickable) {}

    PickableEndpointer(Endpointer<Req, Res> delegate, Function<Instance, Upstream.Member> members, AtomicLong breakerChanges) {
        this.delegate = delegate;
        this.members = members;
        this.breakerChanges = breakerChanges;
    }

    @Override
    public List<InstanceEndpoint<Req, Res>> endpoints() {
        List<InstanceEndpoint<Req, Res>> source = delegate.endpoints();
        long version = breakerChanges.get();
        Cached<Req, Res> current = cached;
        if (current.source() == source && current.version() == version) {
            return current.pickable();
        }
        List<InstanceEndpoint<Req, Res>> pickable = new ArrayList<>(source.size());
        for (InstanceEndpoint<Req, Res> endpoint : source) {
            Upstream.Member member = members.apply(endpoint.instance());
            if (member == null || member.breaker() != Breaker.OPEN) {
                pickable.add(endpoint);
            }
        }
        List<InstanceEndpoint<Req, Res>> result = pickable.isEmpty() ? source : List.copyOf(pickable);
        if (result.size() == current.pickable().size() && result.equals(current.pickable())) {
            result = current.pickable(); // same members: keep the list the balancers know
        }
        cached = new Cached<>(source, version, result);
        return result;
    }

    @Override
    public void close() {
        delegate.close();
    }
}
