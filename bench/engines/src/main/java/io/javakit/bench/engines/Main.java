package io.javakit.bench.engines;

import java.nio.charset.StandardCharsets;

/** {@code java -jar target/engines.jar jdk|helidon|jetty|netty} - one gateway hop on 127.0.0.1:8000. */
public final class Main {
    /** Round robin targets of {@code GET /products/{name}} (the peer harness backends). */
    static final String[] BACKENDS = {"http://127.0.0.1:8083/", "http://127.0.0.1:8084/", "http://127.0.0.1:8085/"};
    /** Reference handler {@code GET /hello}: a 40-byte JSON body. */
    static final byte[] HELLO = "{\"message\":\"Hello, World!\",\"status\":200}".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "jdk" -> JdkEngine.main(args);
            case "helidon" -> HelidonEngine.main(args);
            case "jetty" -> JettyEngine.main(args);
            case "netty" -> NettyEngine.main(args);
            default -> {
                System.err.println("usage: java -jar engines.jar jdk|helidon|jetty|netty");
                System.exit(2);
            }
        }
        System.out.println(args[0] + " engine listening on 127.0.0.1:8000 (pid " + ProcessHandle.current().pid() + ")");
    }
}
