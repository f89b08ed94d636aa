package io.javakit.example.badinput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * Sends bytes exactly as given on a fresh connection, then half-closes it, and reads everything the server sends
 * until it closes. Writing runs beside reading, so that a server answering (and closing) before it has read the
 * whole request is still heard, and a half-close tells a correct server that no second request is coming.
 */
final class RawClient {
    /** Far above any answer we expect; guards the test against a server that streams forever. */
    private static final int MOST_BYTES_READ = 8 * 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 2_000;
    /** How long the client waits for the next bytes; a correct server closes a half-closed connection long before. */
    static final int READ_TIMEOUT_MS = 5_000;
    private static final int WRITE_CHUNK = 64 * 1024;

    private RawClient() {}

    static RawExchange exchange(int port, String method, byte[] request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            Thread writer = Thread.ofVirtual().name("raw-writer").start(() -> write(socket, request));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            RawExchange.Ending ending = read(socket.getInputStream(), received);
            writer.join();
            return RawExchange.parse(received.toByteArray(), method, ending);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot talk to 127.0.0.1:" + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes the request and half-closes; a server that stops reading early makes the rest of it moot. */
    private static void write(Socket socket, byte[] request) {
        try {
            OutputStream out = socket.getOutputStream();
            for (int at = 0; at < request.length; at += WRITE_CHUNK) {
                out.write(request, at, Math.min(WRITE_CHUNK, request.length - at));
            }
            out.flush();
            socket.shutdownOutput();
        } catch (IOException serverStoppedReading) {
            // the server answered or closed before reading all of it: what it sent is read on the other side
        }
    }

    private static RawExchange.Ending read(InputStream in, ByteArrayOutputStream received) {
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
                if (received.size() > MOST_BYTES_READ) {
                    throw new IllegalStateException("the server sent more than " + MOST_BYTES_READ + " bytes");
                }
            }
            return RawExchange.Ending.CLOSED;
        } catch (SocketTimeoutException e) {
            return RawExchange.Ending.TIMED_OUT;
        } catch (SocketException e) {
            return RawExchange.Ending.RESET;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
