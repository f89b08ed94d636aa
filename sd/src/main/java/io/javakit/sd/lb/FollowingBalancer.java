package io.javakit.sd.lb;

import io.javakit.sd.Endpointer;
import io.javakit.sd.Endpointer.InstanceEndpoint;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A balancer with state derived from the endpointer's current set, such as per-instance load or a weighted
 * schedule. The state is rebuilt when the set changes and swapped in with a compare-and-set, so picks never take a
 * lock and never see a half-built state; state for instances that left goes away with the old snapshot.
 *
 * @param <S> the derived state
 */
abstract class FollowingBalancer<Req, Res, S extends FollowingBalancer.Snapshot<Req, Res>> implements Balancer<Req, Res> {

    /** State derived from one endpoint list. */
    interface Snapshot<Req, Res> {
        /** The list this state was derived from, compared by identity on every pick. */
        List<InstanceEndpoint<Req, Res>> source();
    }

    private final Endpointer<Req, Res> endpointer;
    private final AtomicReference<S> state;

    FollowingBalancer(Endpointer<Req, Res> endpointer, S initial) {
        this.endpointer = endpointer;
        this.state = new AtomicReference<>(initial);
    }

    /** The state for the endpointer's current set: one volatile read while the set is unchanged. */
    final S current() {
        List<InstanceEndpoint<Req, Res>> endpoints = endpointer.endpoints();
        S snapshot = state.get();
        while (snapshot.source() != endpoints) {
            // An endpointer may hand out a new list with the same members (a registry re-sent its set): keep the
            // state, only remember the new list so that the next pick is back to an identity check.
            S next = sameMembers(snapshot.source(), endpoints) ? retarget(snapshot, endpoints) : rebuild(snapshot, endpoints);
            if (state.compareAndSet(snapshot, next)) {
                return next;
            }
            snapshot = state.get();
        }
        return snapshot;
    }

    /** State for {@code endpoints}, carrying over what {@code previous} knew about instances still present. */
    abstract S rebuild(S previous, List<InstanceEndpoint<Req, Res>> endpoints);

    /** {@code previous} unchanged, but derived from {@code endpoints}, which has the same members. */
    abstract S retarget(S previous, List<InstanceEndpoint<Req, Res>> endpoints);

    private static boolean sameMembers(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
