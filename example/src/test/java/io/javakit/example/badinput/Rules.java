package io.javakit.example.badinput;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javakit.example.badinput.HostileSystem.Received;
import io.javakit.example.badinput.RawExchange.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** What a correct answer, and a correct forwarding to the backends, look like; each rule says what broke it. */
final class Rules {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Text that only a stack trace or an engine's own error page would put in a body. */
    private static final List<String> INTERNAL_DETAIL = List.of("Exception", "at io.", "at java.", "\tat ", "Caused by", "helidon");
    /**
     * Headers for one connection only, which a gateway must drop (RFC 9110 section 7.6.1), with those a
     * {@code Connection} header of the attacks names; end-to-end headers may be forwarded.
     */
    private static final Set<String> HOP_BY_HOP = Set.of("x-secret", "proxy-authorization", "te", "upgrade", "transfer-encoding",
            "http2-settings", "keep-alive");

    private Rules() {}

    /**
     * What is wrong with the server's answer to {@code request}: it must send exactly one complete HTTP/1.1 response
     * (unless the request is not complete HTTP, when it may also close without one), with a status that fits, a
     * JSON body (the right one for a 200, an {@code {"error", "message"}} object otherwise) and no internal detail.
     */
    static List<String> answerProblems(RawRequest request, RawExchange exchange, List<String> backendAddresses) {
        List<String> problems = new ArrayList<>();
        // A request line the engine cannot parse (too long, bare LF line ends) has no method it could read: its 400
        // or 414 has a body, and closes the connection, so nothing can be misread after it.
        boolean unreadableHead = exchange.finals().size() == 1
                && List.of(400, 414).contains(exchange.finals().getFirst().status())
                && exchange.finals().getFirst().headers().getOrDefault("connection", List.of()).contains("close");
        if (exchange.unparsed().length > 0 && !(request.method().equals("HEAD") && unreadableHead)) {
            problems.add(request.method().equals("HEAD") && exchange.finals().size() == 1
                    ? "the response to HEAD carries a body (RFC 9110 section 9.3.2)"
                    : "the server sent bytes that are not an HTTP response");
        }
        List<Response> finals = exchange.finals();
        if (finals.size() > 1) {
            problems.add(finals.size() + " responses to one request: the server read another request out of its bytes");
        }
        if (exchange.ending() == RawExchange.Ending.TIMED_OUT) {
            problems.add("the server kept the half-closed connection open for " + RawClient.READ_TIMEOUT_MS + " ms");
        }
        if (finals.isEmpty()) {
            if (request.acceptable().answerRequired()) {
                problems.add("no response: the connection ended (" + exchange.ending() + ") without one");
            }
            return problems;
        }
        Response answer = finals.getFirst();
        if (!answer.complete()) {
            problems.add("the response is cut short");
        }
        if (!answer.statusLine().startsWith("HTTP/1.1 ")) {
            problems.add("not an HTTP/1.1 status line");
        }
        problems.addAll(statusProblems(request, answer));
        if (!answer.header("content-type").orElse("").toLowerCase(Locale.ROOT).startsWith("application/json")) {
            problems.add("content-type is " + answer.header("content-type").orElse("missing") + ", not application/json");
        }
        if (!request.method().equals("HEAD") && answer.status() != 200) {
            problems.addAll(errorBodyProblems(answer));
        }
        for (String detail : INTERNAL_DETAIL) {
            if (answer.bodyText().toLowerCase(Locale.ROOT).contains(detail.toLowerCase(Locale.ROOT))) {
                problems.add("the body shows internal detail: '" + detail.strip() + "'");
            }
        }
        for (String address : backendAddresses) {
            if (answer.bodyText().contains(address) || answer.headers().toString().contains(address)) {
                problems.add("the answer names a backend: " + address);
            }
        }
        return problems;
    }

    private static List<String> statusProblems(RawRequest request, Response answer) {
        Acceptable acceptable = request.acceptable();
        Target target = request.target();
        boolean served = acceptable.mayServe() && target.name().isPresent();
        int status = answer.status();
        if (served && target.okBody().isPresent() && status == 200) {
            return answer.bodyText().equals(target.okBody().get()) ? List.of()
                    : List.of("a 200 with the wrong body, expected " + target.okBody().get());
        }
        if (served && target.okBody().isEmpty() && status == 404) {
            return List.of();
        }
        if (acceptable.errorStatuses().contains(status)) {
            return List.of();
        }
        String expected = served ? (target.okBody().isPresent() ? "200" : "404") : "no success";
        return List.of("status " + status + ", expected " + (acceptable.errorStatuses().isEmpty() ? expected
                : expected + " or one of " + new TreeSet<>(acceptable.errorStatuses())));
    }

    private static List<String> errorBodyProblems(Response answer) {
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (IOException e) {
            return List.of("the error body is not JSON");
        }
        if (body == null || !body.isObject()) {
            return List.of("the error body is not a JSON object");
        }
        List<String> problems = new ArrayList<>();
        if (!body.path("error").isTextual() || !body.path("error").asText().matches("[a-z_]+")) {
            problems.add("the error body has no snake_case string 'error'");
        }
        if (!body.path("message").isTextual() || body.path("message").asText().isBlank()) {
            problems.add("the error body has no string 'message'");
        }
        return problems;
    }

    /**
     * What is wrong with what the backends received for one request through the gateway: a request that must be
     * refused reaches no backend; one that is served reaches them only as {@code GET /{name}}, with its name as the
     * only, properly encoded segment.
     */
    static List<String> forwardingProblems(RawRequest request, Optional<Response> answer, List<Received> received) {
        List<String> problems = new ArrayList<>();
        boolean served = request.acceptable().mayServe() && request.target().name().isPresent();
        if (!served && !received.isEmpty()) {
            problems.add("a request that must be refused reached a backend: " + received);
        }
        if (answer.map(Response::status).orElse(0) == 200 && received.isEmpty()) {
            problems.add("a 200 that no backend answered");
        }
        for (Received r : received) {
            problems.addAll(receivedProblems(r));
            request.target().name().filter(name -> !decodesTo(r.path(), name))
                    .ifPresent(name -> problems.add("the backend was asked for " + r.path() + ", not for the name " + Printable.of(name)));
        }
        return problems;
    }

    /** What no backend may ever receive, whatever the request: anything but a GET of one encoded segment, hop-by-hop headers. */
    static List<String> receivedProblems(Received r) {
        List<String> problems = new ArrayList<>();
        if (!r.method().equals("GET")) {
            problems.add("a backend received " + r.method());
        }
        if (!isOneEncodedSegment(r.path())) {
            problems.add("a backend received the path " + Printable.of(r.path()) + ", not / and one encoded segment");
        }
        if (!r.query().isEmpty()) {
            problems.add("a backend received the query " + Printable.of(r.query()));
        }
        r.headers().forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || value.contains(HostileRequests.HOP_CANARY)
                    || (lower.equals("connection") && value.toLowerCase(Locale.ROOT).matches(".*(x-secret|upgrade).*"))) {
                problems.add("a backend received the hop-by-hop header " + name + ": " + Printable.of(value));
            }
        });
        return problems;
    }

    /** {@code /} then one segment of unreserved characters and %XX escapes of valid UTF-8. */
    static boolean isOneEncodedSegment(String path) {
        return path.length() > 1 && path.charAt(0) == '/' && percentDecode(path.substring(1)).isPresent();
    }

    private static boolean decodesTo(String path, String name) {
        return path.startsWith("/") && percentDecode(path.substring(1)).filter(name::equals).isPresent();
    }

    private static Optional<String> percentDecode(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length()
                    && Character.digit(segment.charAt(i + 1), 16) >= 0 && Character.digit(segment.charAt(i + 2), 16) >= 0) {
                bytes.write(Integer.parseInt(segment.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (HostileRequests.Encoding.isUnreserved(c)) {
                bytes.write(c);
            } else {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
