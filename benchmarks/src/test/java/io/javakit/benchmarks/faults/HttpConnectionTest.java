package io.javakit.benchmarks.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpConnectionTest {
    /** Answers each request on one connection with the next canned response; records the request lines. */
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<String> requestLines = new CopyOnWriteArrayList<>();

    HttpConnectionTest() throws IOException {}

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private InetSocketAddress serve(String... responses) {
        Thread.ofVirtual().start(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                for (String response : responses) {
                    requestLines.add(readRequest(in));
                    socket.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
                }
                in.readAllBytes(); // holds the connection open until the client closes it
            } catch (IOException closed) {
                // the test is over
            }
        });
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    private static String readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed");
            }
            head.append((char) c);
        }
        return head.substring(0, head.indexOf("\r\n"));
    }

    @Test
    void sendsRequestsOneAfterAnotherOnOneKeptAliveConnection() throws IOException {
        InetSocketAddress address = serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 404 Not Found\r\ncontent-length: 7\r\n\r\nmissing");
        try (HttpConnection connection = HttpConnection.open(address, Duration.ofSeconds(5))) {
            HttpConnection.Response first = connection.get("/users/user1");
            HttpConnection.Response second = connection.get("/users/nobody");

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.bodyText()).isEqualTo("ok");
            assertThat(first.keepAlive()).isTrue();
            assertThat(second.status()).isEqualTo(404);
            assertThat(second.bodyText()).isEqualTo("missing");
        }
        assertThat(requestLines).containsExactly("GET /users/user1 HTTP/1.1", "GET /users/nobody HTTP/1.1");
    }

    @Test
    void readsAChunkedBody() throws IOException {
        InetSocketAddress address = serve("HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n{\"err\r\n4;ext=1\r\nor\"}\r\n0\r\n\r\n");
        try (HttpConnection connection = HttpConnection.open(address, Duration.ofSeconds(5))) {
            HttpConnection.Response response = connection.get("/users/user1");

            assertThat(response.status()).isEqualTo(503);
            assertThat(response.bodyText()).isEqualTo("{\"error\"}");
            assertThat(response.keepAlive()).isTrue();
        }
    }

    @Test
    void aServerThatSaysCloseEndsTheConnection() throws IOException {
        InetSocketAddress address = serve("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        try (HttpConnection connection = HttpConnection.open(address, Duration.ofSeconds(5))) {
            assertThat(connection.get("/users/user1").keepAlive()).isFalse();
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersTimesOut() throws IOException {
        InetSocketAddress address = serve(); // reads nothing, answers nothing
        try (HttpConnection connection = HttpConnection.open(address, Duration.ofMillis(200))) {
            assertThatThrownBy(() -> connection.get("/users/user1")).isInstanceOf(SocketTimeoutException.class);
        }
    }
}
