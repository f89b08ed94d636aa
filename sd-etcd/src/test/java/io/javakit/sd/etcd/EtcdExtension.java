package io.javakit.sd.etcd;

import io.etcd.jetcd.Client;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd and a client of it for one test class: {@code @RegisterExtension static final EtcdExtension etcd =
 * new EtcdExtension();}.
 */
final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
    private EtcdServer server;
    private Client client;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = EtcdServer.launch();
        client = Client.builder().endpoints(server.endpoint()).build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    Client client() {
        return client;
    }

    String endpoint() {
        return server.endpoint();
    }
}
