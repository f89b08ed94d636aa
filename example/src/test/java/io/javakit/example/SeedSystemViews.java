package io.javakit.example;

import io.javakit.sd.Instance;
import io.javakit.upstream.UpstreamView;
import java.util.List;

/** What a gateway's upstreams know, for tests that wait on discovery. */
final class SeedSystemViews {
    private SeedSystemViews() {}

    /** The instances the gateway knows for {@code service}, ejected ones included. */
    static List<Instance> instances(Gateway gateway, String service) {
        return gateway.upstreams().stream().filter(u -> u.service().equals(service)).findFirst().orElseThrow().view().instances().stream()
                .map(UpstreamView.InstanceState::instance).toList();
    }
}
