package io.javakit.transport.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends bytes exactly as given, for requests no well-behaved client would send. */
public final class RawHttp {
    private RawHttp() {}

    /** Sends {@code request} and returns the response head and body as text ("" if the server just closed). */
    public static String exchange(int port, String request) throws IOException {
        try (Socket socket = open(port)) {
            return exchange(socket, request);
        }
    }

    /** A connection to the server on {@code port}, with a 5 s read timeout. */
    public static Socket open(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(5000);
        return socket;
    }

    /**
     * Sends {@code request} on an open connection and returns one response, head and body, as text (what arrived
     * before the server closed or the read timed out, if it did).
     */
    public static String exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            // byte by byte, so that nothing of a next response on the same connection is consumed
            for (int b; !complete(out.toString(StandardCharsets.ISO_8859_1)) && (b = in.read()) >= 0; ) {
                out.write(b);
            }
        } catch (IOException closedOrTimedOut) {
            // what arrived so far is the answer
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status code of the answer, or -1 if the server closed without one. */
    public static int status(int port, String request) throws IOException {
        String response = exchange(port, request);
        return response.startsWith("HTTP/1.1 ") ? Integer.parseInt(response.substring(9, 12)) : -1;
    }

    public static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    }

    private static boolean complete(String response) {
        int headEnd = response.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return false;
        }
        String head = response.substring(0, headEnd).toLowerCase();
        int cl = head.indexOf("content-length:");
        if (cl < 0) {
            return false;
        }
        int end = head.indexOf("\r\n", cl);
        int length = Integer.parseInt(head.substring(cl + 15, end < 0 ? head.length() : end).trim());
        return response.length() - headEnd - 4 >= length;
    }
}
