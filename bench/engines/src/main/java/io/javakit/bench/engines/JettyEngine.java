package io.javakit.bench.engines;

import static io.javakit.bench.engines.Main.BACKENDS;
import static io.javakit.bench.engines.Main.HELLO;

import java.nio.ByteBuffer;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Jetty 12 core: Server whose blocking handlers run on virtual threads + blocking jetty-client (pooled). */
final class JettyEngine {
    static final AtomicInteger NEXT = new AtomicInteger();

    static void main(String[] args) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        HttpClient client = new HttpClient(); // pool: 64 connections per destination (host:port)
        client.start();

        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(8000);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() { // Handler.Abstract is InvocationType.BLOCKING: runs on a virtual thread
            @Override
            public boolean handle(Request req, Response res, Callback callback) throws Exception {
                String path = Request.getPathInContext(req);
                if (path.equals("/hello")) {
                    return respond(res, 200, HELLO, callback);
                }
                if (!path.startsWith("/products/")) {
                    return false; // 404
                }
                String backend = BACKENDS[Math.floorMod(NEXT.getAndIncrement(), BACKENDS.length)];
                ContentResponse upstream = client.GET(backend + path.substring("/products/".length()));
                res.getHeaders().put("X-Backend", upstream.getHeaders().get("X-Backend"));
                return respond(res, upstream.getStatus(), upstream.getContent(), callback);
            }
        });
        server.start();
    }

    static boolean respond(Response res, int status, byte[] body, Callback callback) {
        res.setStatus(status);
        res.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        res.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        res.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
