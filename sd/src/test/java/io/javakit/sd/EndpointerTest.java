package io.javakit.sd;

import static org.assertj.core.api.Assertions.assertThat;

import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class EndpointerTest {

    /** An instancer the test moves by hand. */
    static final class ManualInstancer implements Instancer {
        final InstanceCache cache = new InstanceCache();

        void set(String... addresses) {
            cache.update(InstanceEvent.of(java.util.Arrays.stream(addresses).map(Instance::parse).toList()));
        }

        @Override
        public AutoCloseable subscribe(Consumer<InstanceEvent> subscriber) {
            return cache.subscribe(subscriber);
        }

        @Override
        public void close() {}
    }

    /** An endpoint that answers with its instance and remembers being closed. */
    record Tracked(Instance instance, List<Instance> closed) implements Endpoint<String, String>, AutoCloseable {
        @Override
        public String call(RequestContext ctx, String request) {
            return instance.address();
        }

        @Override
        public void close() {
            closed.add(instance);
        }
    }

    @Test
    void keepsOneEndpointPerInstanceAndClosesThoseThatDisappear() {
        ManualInstancer instancer = new ManualInstancer();
        List<Instance> created = new ArrayList<>();
        List<Instance> closed = new ArrayList<>();
        instancer.set("b:2", "a:1");

        Endpointer<String, String> endpointer = Endpointer.of(instancer, instance -> {
            created.add(instance);
            return new Tracked(instance, closed);
        });
        assertThat(endpointer.endpoints()).extracting(e -> e.instance().address()).containsExactly("a:1", "b:2");

        instancer.set("b:2", "c:3");

        assertThat(endpointer.endpoints()).extracting(e -> e.instance().address()).containsExactly("b:2", "c:3");
        assertThat(created).extracting(Instance::address).containsExactly("a:1", "b:2", "c:3");
        assertThat(closed).extracting(Instance::address).containsExactly("a:1");

        endpointer.close();
        assertThat(closed).extracting(Instance::address).containsExactlyInAnyOrder("a:1", "b:2", "c:3");
        assertThat(endpointer.endpoints()).isEmpty();
    }

    @Test
    void keepsTheLastGoodSetWhenTheInstancerFails() {
        ManualInstancer instancer = new ManualInstancer();
        instancer.set("a:1");
        Endpointer<String, String> endpointer = Endpointer.of(instancer, i -> (ctx, r) -> r);

        instancer.cache.update(InstanceEvent.failed(new IllegalStateException("registry down")));

        assertThat(endpointer.endpoints()).extracting(e -> e.instance().address()).containsExactly("a:1");
    }

    @Test
    void skipsInstancesWhoseEndpointCannotBeCreated() {
        ManualInstancer instancer = new ManualInstancer();
        instancer.set("good:1", "bad:2");
        Endpointer<String, String> endpointer = Endpointer.of(instancer, instance -> {
            if (instance.host().equals("bad")) {
                throw new IllegalArgumentException("cannot connect");
            }
            return (ctx, r) -> r;
        });

        assertThat(endpointer.endpoints()).extracting(e -> e.instance().address()).containsExactly("good:1");
    }

    @Test
    void recordsTheServingInstanceInTheCallLog() throws Exception {
        Endpointer<String, String> endpointer = Endpointer.of(FixedInstancer.of("a:1"), i -> (ctx, r) -> r);
        RequestContext ctx = RequestContext.background();

        endpointer.endpoints().getFirst().endpoint().call(ctx, "x");

        assertThat(ctx.log().get(CallLog.INSTANCE)).contains("a:1");
    }
}
