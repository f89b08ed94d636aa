package io.javakit.example.badinput;

import static io.javakit.example.badinput.Acceptable.ANY_ERROR;
import static io.javakit.example.badinput.Acceptable.SERVE;
import static io.javakit.example.badinput.Acceptable.errorOf;
import static io.javakit.example.badinput.Acceptable.serveOr;

import io.javakit.example.ByName;
import io.javakit.example.badinput.RawRequest.Layout;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import io.javakit.example.ByName;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of hostile HTTP requests: paths, encodings, methods, versions, headers, bodies and framings, each
 * labelled with what a correct server may answer (see {@link Acceptable}; the RFC sections are cited where the
 * answer is not obvious). Text becomes bytes as {@link RawRequest} says: {@code "\u00c3\u00a9"} is é in UTF-8,
 * {@code "\u00e9"} the lone byte 0xE9.
 */
final class HostileRequests {
    private HostileRequests() {}

    /** A token of the request line (method or version) and what it allows. */
    record Token(String text, Acceptable acceptable) {}

    /** Header lines and what they allow. */
    record Part(List<String> lines, Acceptable acceptable) {
        static Part of(Acceptable acceptable, String... lines) {
            return new Part(List.of(lines), acceptable);
        }
    }

    /** A body and the header lines that frame it. */
    record Body(List<String> headers, byte[] bytes, Acceptable acceptable) {
        static final Body NONE = new Body(List.of(), new byte[0], SERVE);

        static Body of(Acceptable acceptable, String bytes, String... headers) {
            return new Body(List.of(headers), latin1(bytes), acceptable);
        }
    }

    static final Token GET = new Token("GET", SERVE);
    static final Token HTTP_1_1 = new Token("HTTP/1.1", SERVE);
    static final Part HOST = Part.of(SERVE, "Host: localhost");
    /** What every hop-by-hop header below carries, so that it can be looked for at the backends. */
    static final String HOP_CANARY = "hopcanary";

    /**
     * Anything: mostly requests with one hostile part in an otherwise well-formed request (so that what a correct
     * server answers is precise), some with hostile parts anywhere, some well-formed, and noise.
     */
    static Arbitrary<RawRequest> attacks(Route... routes) {
        Arbitrary<Token> get = Arbitraries.just(GET);
        Arbitrary<Token> http11 = Arbitraries.just(HTTP_1_1);
        Arbitrary<Part> host = Arbitraries.just(HOST);
        Arbitrary<Layout> crlf = Arbitraries.just(Layout.CRLF);
        Arbitrary<List<Part>> headers = wellFormedHeaders().list().ofMaxSize(2);
        Arbitrary<List<Part>> hostileHeaders = Combinators.combine(hostileHeaders(), wellFormedHeaders().list().ofMaxSize(2))
                .as((hostile, others) -> Stream.concat(Stream.of(hostile), others.stream()).toList());
        return Arbitraries.of(routes).flatMap(route -> {
            Arbitrary<Target> targets = wellFormedTargets(route);
            Arbitrary<Body> bodies = wellFormedBodies();
            return Arbitraries.frequencyOf(
                    Tuple.of(2, noise()),
                    Tuple.of(2, compose(get, targets, http11, host, headers, bodies, crlf)),
                    Tuple.of(6, compose(get, hostileTargets(route), http11, host, headers, bodies, crlf)),
                    Tuple.of(2, compose(hostileMethods(), targets, http11, host, headers, bodies, crlf)),
                    Tuple.of(2, compose(get, targets, hostileVersions(), host, headers, bodies, crlf)),
                    Tuple.of(2, compose(get, targets, http11, hostileHosts(), headers, bodies, crlf)),
                    Tuple.of(5, compose(get, targets, http11, host, hostileHeaders, bodies, crlf)),
                    Tuple.of(6, compose(get, targets, http11, host, headers, hostileBodies(route), crlf)),
                    Tuple.of(2, compose(get, targets, http11, host, headers, bodies, hostileLayouts())),
                    Tuple.of(3, compose(mostly(get, hostileMethods()), mostly(targets, hostileTargets(route)),
                            mostly(http11, hostileVersions()), mostly(host, hostileHosts()), mostly(headers, hostileHeaders),
                            mostly(bodies, hostileBodies(route)), mostly(crlf, hostileLayouts()))));
        });
    }

    /** Well-formed GETs whose targets are hostile, sometimes with hop-by-hop headers. */
    static Arbitrary<RawRequest> pathAttacks(Route... routes) {
        return Arbitraries.of(routes).flatMap(route -> Combinators.combine(mostly(hostileTargets(route), wellFormedTargets(route)),
                        hopByHopHeaders().list().ofMaxSize(2))
                .as((target, parts) -> request(GET, target, HTTP_1_1, HOST, parts, Body.NONE, Layout.CRLF)));
    }

    /** Well-formed GETs of existing names carrying hop-by-hop headers, and sometimes a chunked body. */
    static Arbitrary<RawRequest> hopByHopAttacks(Route... routes) {
        return Arbitraries.of(routes).flatMap(route -> Combinators.combine(Arbitraries.integers().between(1, 3),
                        hopByHopHeaders().list().ofMinSize(1).ofMaxSize(4),
                        Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(Body.NONE)), Tuple.of(1, validChunked())))
                .as((n, parts, body) -> request(GET, Target.named(route, route.existingName(n), route.existingName(n), SERVE),
                        HTTP_1_1, HOST, parts, body, Layout.CRLF)));
    }

    private static Arbitrary<RawRequest> compose(Arbitrary<Token> methods, Arbitrary<Target> targets, Arbitrary<Token> versions,
                                                 Arbitrary<Part> hosts, Arbitrary<List<Part>> headers, Arbitrary<Body> bodies,
                                                 Arbitrary<Layout> layouts) {
        return Combinators.combine(methods, targets, versions, hosts, headers, bodies, layouts).as(HostileRequests::request);
    }

    /** Three in four from {@code usual}. */
    private static <T> Arbitrary<T> mostly(Arbitrary<T> usual, Arbitrary<T> other) {
        return Arbitraries.frequencyOf(Tuple.of(3, usual), Tuple.of(1, other));
    }

    static RawRequest request(Token method, Target target, Token version, Part host, List<Part> headers, Body body, Layout layout) {
        List<String> head = new ArrayList<>();
        head.add(method.text() + " " + target.raw() + (version.text().isEmpty() ? "" : " " + version.text()));
        head.addAll(host.lines());
        headers.forEach(part -> head.addAll(part.lines()));
        head.addAll(body.headers());
        // HTTP/1.0 has no Host requirement (RFC 9112 section 3.2 asks it of HTTP/1.1)
        Acceptable hostAcceptable = host.lines().isEmpty() && version.text().equals("HTTP/1.0") ? SERVE : host.acceptable();
        Acceptable acceptable = headers.stream().map(Part::acceptable).reduce(method.acceptable()
                .and(target.acceptable()).and(version.acceptable()).and(hostAcceptable).and(body.acceptable())
                .and(layout.acceptable()), Acceptable::and);
        return new RawRequest(method.text(), List.copyOf(head), body.bytes(), layout, target, acceptable);
    }

    // ---- the request line ----

    static Arbitrary<Token> hostileMethods() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW", "PRI")
                        .map(m -> new Token(m, ANY_ERROR))),
                // the one method whose answer must have no body
                Tuple.of(2, Arbitraries.just(new Token("HEAD", ANY_ERROR))),
                // method names are case-sensitive (RFC 9110 section 9.1); an engine that folds case serves it as GET
                Tuple.of(1, Arbitraries.just(new Token("get", serveOr(400, 405, 501)))),
                Tuple.of(2, Arbitraries.of("G@T", "GET\u0000", "", "\u00c3\u0084GET", "G ET", "GE\tT", "GET\u00ff", "GET:")
                        .map(m -> new Token(m, ANY_ERROR))),
                Tuple.of(1, Arbitraries.integers().between(10, 10_000).map(n -> new Token("A".repeat(n), ANY_ERROR))));
    }

    static Arbitrary<Token> hostileVersions() {
        return Arbitraries.frequencyOf(
                // a server should serve HTTP/1.0 (RFC 9110 section 2.5); refusing it is a 505
                Tuple.of(2, Arbitraries.just(new Token("HTTP/1.0", serveOr(505)))),
                // a higher minor version may be answered as 1.1 (RFC 9110 section 2.5)
                Tuple.of(1, Arbitraries.of("HTTP/1.2", "HTTP/1.9").map(v -> new Token(v, serveOr(400, 505)))),
                Tuple.of(2, Arbitraries.of("HTTP/2.0", "HTTP/3.0", "HTTP/0.9", "http/1.1", "HTTP/1.1x", "HTTP/11", "HTTP/1",
                        "HTTP/1.1 extra", "HTTP/1.1\t", "HTTP/\u00b9.1", "").map(v -> new Token(v, errorOf(400, 505)))));
    }

    // ---- targets ----

    static Arbitrary<Target> wellFormedTargets(Route route) {
        Arbitrary<Target> base = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(1, 3).map(n -> Target.named(route, route.existingName(n), route.existingName(n), SERVE))),
                Tuple.of(3, names(route)),
                Tuple.of(1, longNames(route)));
        return Combinators.combine(base, wellFormedSuffixes()).as((target, suffix) -> target.withSuffix(suffix.text(), suffix.acceptable()));
    }

    static Arbitrary<Target> hostileTargets(Route route) {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Combinators.combine(wellFormedTargets(route), hostileSuffixes())
                        .as((target, suffix) -> target.withSuffix(suffix.text(), suffix.acceptable()))),
                Tuple.of(1, Arbitraries.integers().between(8_200, 70_000)
                        .map(n -> Target.named(route, "x".repeat(n), "x".repeat(n), errorOf(414)))),
                Tuple.of(6, hostileSegments(route)),
                Tuple.of(1, lenientSegments(route)),
                Tuple.of(3, Arbitraries.of(structural(route))),
                Tuple.of(1, Combinators.combine(names(route), Arbitraries.of("http", "HTTP", "https"),
                        Arbitraries.of("evil.example", "EVIL.EXAMPLE", "127.0.0.1:1", "user@evil.example")).as((t, s, a) -> t.absolute(s, a))),
                Tuple.of(1, Arbitraries.of(
                        Target.refused("*", ANY_ERROR),
                        Target.refused("evil.example:443", ANY_ERROR),
                        Target.refused("http://evil.example", errorOf(400)),
                        Target.refused("http://evil.example/", errorOf(400, 404)),
                        Target.refused(route.prefix.substring(1) + route.existingName(1), errorOf(400)),
                        Target.refused("", ANY_ERROR))));
    }

    /** Names that are fine to serve, percent-encoded in one of the ways RFC 3986 allows. */
    static Arbitrary<Target> names(Route route) {
        Arbitrary<String> plain = Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(16);
        Arbitrary<String> anyChars = Arbitraries.strings().withChars(" !\"#$%&'()*+,-.:;<=>?@[]^_`{|}~").alpha().numeric()
                .withCharRange('\u00a0', '\u017f').withChars("\u0085\u202e\u65e5\u672c\ufffd")
                .ofMinLength(1).ofMaxLength(16)
                .filter(n -> !n.equals(".") && !n.equals(".."));
        // names that look like encodings or traversals, so that sending them encoded is a double encoding
        Arbitrary<String> tricky = Arbitraries.of("a%2Fb", "%2e%2e", "..%2F..", "%00", "%252F", "a\u2215b",
                "\ud83d\ude00", "..a", "a..", "...", "user1 ", " user1", "user1\u200b");
        return Combinators.combine(Arbitraries.oneOf(plain, anyChars, tricky), Arbitraries.of(Encoding.values()))
                .as((name, encoding) -> Target.named(route, name, encoding.encode(name), hasC1Control(name) ? serveOr(400) : SERVE));
    }

    /** C1 controls (U+0080 to U+009F, NEL among them) are valid in a name, but a server may refuse them as controls. */
    private static boolean hasC1Control(String name) {
        return name.chars().anyMatch(c -> c >= 0x80 && c <= 0x9f);
    }

    /**
     * Long names that still fit the request line. A name is at most {@link ByName#MAX_LENGTH} characters (400 beyond),
     * which keeps it within the backend's request line after the gateway re-encodes it (sub-delimiters may stay raw
     * in a segment but the gateway encodes every one, three bytes each).
     */
    static Arbitrary<Target> longNames(Route route) {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(100, 7_500).map(n -> longName(route, "x".repeat(n), "x".repeat(n))),
                Arbitraries.integers().between(10, 1_250).map(n -> "\u00e9".repeat(n))
                        .map(name -> longName(route, name, Encoding.UPPER.encode(name))),
                Arbitraries.integers().between(100, 7_500).map(n -> longName(route, "!".repeat(n), "!".repeat(n))));
    }

    private static Target longName(Route route, String name, String encoded) {
        return name.length() <= ByName.MAX_LENGTH ? Target.named(route, name, encoded, SERVE)
                : Target.refused(route.prefix + encoded, errorOf(400));
    }

    /** Segments a strict server refuses with a 400: dot segments, encoded separators, controls, bad escapes, bad UTF-8. */
    static Arbitrary<Target> hostileSegments(Route route) {
        Arbitrary<String> whole = Arbitraries.of("..", ".", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%2e", "%2E");
        // letters that are not hex digits around the hostile part, so that they never complete an escape
        Arbitrary<String> around = Arbitraries.strings().withCharRange('g', 'z').withCharRange('G', 'Z').ofMaxLength(4);
        Arbitrary<String> embedded = Combinators.combine(
                around,
                Arbitraries.of("%2F", "%2f", "%5C", "%5c", "\\", "%00", "%0A", "%0D", "%09", "%1F", "%7F", "%ZZ", "%", "%4", "%G0",
                        "%%", "%u002F", "%C0%AF", "%C0%80", "%E0%80%AF", "%FF", "%80", "%ED%A0%80", "%F4%90%80%80", "%C3",
                        "\u00c3\u00a9", "\u00e9", "\u00ff", "\u0000", "\u007f", "\t", " ", "\u00e6\u0097\u00a5"),
                around).as((a, hostile, b) -> a + hostile + b);
        Arbitrary<Target> refused = Arbitraries.oneOf(whole, embedded).map(s -> Target.refused(route.prefix + s, errorOf(400)));
        // a raw CR or LF ends the request line early: refused, with whatever status the remains deserve
        Arbitrary<Target> broken = Arbitraries.of("\r", "\n", "\r\n").map(s -> Target.refused(route.prefix + "a" + s + "b", ANY_ERROR));
        return Arbitraries.frequencyOf(Tuple.of(8, refused), Tuple.of(1, broken));
    }

    /** Characters RFC 3986 leaves out of paths, which lenient servers pass on as part of the name. */
    static Arbitrary<Target> lenientSegments(Route route) {
        return Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(3), Arbitraries.of("\"", "<", ">", "{", "}", "|", "^", "`", "[", "]"),
                        Arbitraries.strings().alpha().ofMaxLength(3))
                .as((a, c, b) -> Target.named(route, a + c + b, a + c + b, serveOr(400)));
    }

    /** Paths around the route: more, fewer or empty segments, dot segments, case, matrix parameters. */
    static List<Target> structural(Route route) {
        String p = route.prefix;
        String name = route.existingName(1);
        List<Target> targets = new ArrayList<>(List.of(
                p + name + "/x", p + name + "/", p + "/" + name, p, "/" + p + name, "/x/.." + p + name, p + "./" + name,
                p + "../" + name, p + "%2e%2e/" + name, p + name + "/..", p + name + "/.").stream()
                .map(raw -> Target.refused(raw, errorOf(400, 404))).toList());
        if (p.length() > 1) {
            String bare = p.substring(0, p.length() - 1);
            String other = route == Route.GATEWAY_USERS ? Route.GATEWAY_PRODUCTS.prefix : Route.GATEWAY_USERS.prefix;
            targets.addAll(List.of(bare, other + ".." + p + name, p.toUpperCase() + name, bare + ";x=1/" + name, bare + "%2F" + name,
                    bare + "%2f" + name, bare + "/%2e/" + name).stream().map(raw -> Target.refused(raw, errorOf(400, 404))).toList());
        } else {
            targets.addAll(List.of("/health/../" + name, "/health%2Flive", "/health/live/x").stream()
                    .map(raw -> Target.refused(raw, errorOf(400, 404))).toList());
        }
        return targets;
    }

    record Suffix(String text, Acceptable acceptable) {}

    static Arbitrary<Suffix> wellFormedSuffixes() {
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(new Suffix("", SERVE))),
                Tuple.of(6, Arbitraries.of("?x=1", "?", "??", "?../../admin", "?a=%2F&b=%00", "?a=b&a=c", "?x=1/../y")
                        .map(s -> new Suffix(s, SERVE))),
                Tuple.of(1, Arbitraries.integers().between(1, 100).map(n -> new Suffix("?" + "a=b&".repeat(n), SERVE))));
    }

    static Arbitrary<Suffix> hostileSuffixes() {
        return Arbitraries.frequencyOf(
                // RFC 3986 allows neither, but a server may drop a fragment or leave a bad query escape to whoever reads it
                Tuple.of(2, Arbitraries.of("?x=%ZZ", "?%", "#frag", "#/../admin", "?x=1#frag").map(s -> new Suffix(s, serveOr(400)))),
                Tuple.of(2, Arbitraries.of("?q=\u00c3\u00a9", "?q=\u0000", "?q=a b", "?q=\u007f", "?q=\u00ff")
                        .map(s -> new Suffix(s, errorOf(400)))),
                Tuple.of(1, Arbitraries.integers().between(9_000, 20_000).map(n -> new Suffix("?x=" + "y".repeat(n), errorOf(414)))));
    }

    // ---- headers ----

    static Arbitrary<Part> hostileHosts() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of(Part.of(SERVE, "Host: evil.example:8080"), Part.of(SERVE, "host: LOCALHOST"))),
                // RFC 9112 section 3.2: a missing, repeated or invalid Host in an HTTP/1.1 request MUST get a 400
                Tuple.of(3, Arbitraries.of(
                        Part.of(errorOf(400)),
                        Part.of(errorOf(400), "Host: localhost", "Host: evil.example"),
                        Part.of(errorOf(400), "Host: localhost", "Host: localhost"),
                        Part.of(errorOf(400), "Host: local host"),
                        Part.of(errorOf(400), "Host: [::1"),
                        Part.of(errorOf(400), "Host: a@b"),
                        Part.of(errorOf(400), "Host: a\u0000b"),
                        // an empty Host is allowed for a target without authority (RFC 9110 section 7.2)
                        Part.of(serveOr(400), "Host: "))));
    }

    static Arbitrary<Part> wellFormedHeaders() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(
                        Part.of(SERVE, "Accept: */*"), Part.of(SERVE, "User-Agent: hostile/1.0"), Part.of(SERVE, "X-Canary: e2e"),
                        Part.of(SERVE, "x-lower-case: e2e"), Part.of(SERVE, "X-Empty:"), Part.of(SERVE, "X-Spaces:    e2e   "),
                        Part.of(SERVE, "X-Tab:\te2e\t"), Part.of(SERVE, "Cookie: a=e2e; b=c"), Part.of(SERVE, "Accept-Encoding: gzip, br"),
                        Part.of(SERVE, "Connection: keep-alive"), Part.of(SERVE, "Connection: close"),
                        Part.of(SERVE, "Expect: 100-continue"),
                        Part.of(serveOr(417), "Expect: nonsense"))),
                Tuple.of(1, hopByHopHeaders()));
    }

    static Arbitrary<Part> hostileHeaders() {
        return Arbitraries.frequencyOf(
                // more header fields than a server may want: it may refuse them (431, RFC 6585)
                Tuple.of(1, Arbitraries.integers().between(200, 3_000).map(n -> new Part(
                        IntStream.range(0, n).mapToObj(i -> "X-Many-" + i + ": v").toList(), serveOr(431)))),
                Tuple.of(1, Arbitraries.integers().between(200, 1_000).map(n -> new Part(
                        IntStream.range(0, n).mapToObj(i -> "X-Same: v").toList(), serveOr(431)))),
                // within this server's limits, but a gateway adds headers of its own to what it forwards: served, or
                // refused as too large (431), whichever limit applies
                Tuple.of(1, Arbitraries.integers().between(80, 98).map(n -> new Part(
                        IntStream.range(0, n).mapToObj(i -> "X-Many-" + i + ": v").toList(), serveOr(431)))),
                Tuple.of(1, Arbitraries.integers().between(14_000, 16_250).map(n -> Part.of(serveOr(431), "X-Big: " + "y".repeat(n)))),
                // beyond the 16 KiB header limit: 431, or the engine's 400 far beyond it
                Tuple.of(1, Combinators.combine(Arbitraries.of("X-Huge: ", "Cookie: a="), Arbitraries.integers().between(16_400, 70_000))
                        .as((name, n) -> Part.of(errorOf(400, 431), name + "y".repeat(n)))),
                // invalid field names; whitespace before the colon MUST be a 400 (RFC 9112 section 5.1)
                Tuple.of(2, Arbitraries.of("X Bad: v", "X-Bad : v", ": v", "NoColon", "X-\u00c3\u00a9: v", "X-\u00e9: v", "X-Bad\u0000: v",
                        "X(bad): v", "X-Tab\t: v", "X\"q: v", "X/y: v", " X-Leading: v").map(line -> Part.of(errorOf(400), line))),
                // obs-fold: refuse with a 400 or unfold (RFC 9112 section 5.2)
                Tuple.of(1, Arbitraries.of(Part.of(serveOr(400), "X-Fold: a", " folded"), Part.of(serveOr(400), "X-Fold: a", "\tfolded"))),
                // CR, LF and NUL in a value: refuse, or replace with SP (RFC 9110 section 5.5); DEL and obs-text are
                // not field-vchar either
                Tuple.of(2, Arbitraries.of("X-Inj: a\rb", "X-Inj: a\u0000b", "X-Inj: a\u000bb", "X-Inj: a\u007fb", "X-Inj: a\nX-Injected: b",
                        "X-Inj: a\r", "X-Latin: caf\u00e9", "X-Utf8: caf\u00c3\u00a9", "X-Bytes: \u0080\u00ff").map(line -> Part.of(serveOr(400), line))),
                // the caller's deadline (X-Request-Timeout-Ms): unreadable is a 400, already passed a 504
                Tuple.of(1, Arbitraries.of(
                        Part.of(serveOr(400), "X-Request-Timeout-Ms: abc"), Part.of(serveOr(400), "X-Request-Timeout-Ms: -5"),
                        Part.of(serveOr(400), "X-Request-Timeout-Ms: 99999999999999999999"), Part.of(serveOr(504), "X-Request-Timeout-Ms: 0"),
                        Part.of(serveOr(504), "X-Request-Timeout-Ms: 1"), Part.of(serveOr(400), "X-Request-Timeout-Ms: 1, 1000"))));
    }

    /** Headers for one connection only (RFC 9110 section 7.6.1), which a gateway must never pass on. */
    static Arbitrary<Part> hopByHopHeaders() {
        return Arbitraries.of(
                Part.of(SERVE, "Connection: X-Secret", "X-Secret: " + HOP_CANARY),
                Part.of(SERVE, "Connection: close, X-Secret", "X-Secret: " + HOP_CANARY),
                Part.of(SERVE, "Proxy-Authorization: Basic " + HOP_CANARY),
                Part.of(SERVE, "TE: trailers, " + HOP_CANARY),
                Part.of(SERVE, "Upgrade: " + HOP_CANARY + "/1.0", "Connection: Upgrade"),
                Part.of(SERVE, "Keep-Alive: timeout=5, " + HOP_CANARY),
                Part.of(SERVE, "Proxy-Connection: " + HOP_CANARY),
                Part.of(SERVE, "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA", "Connection: Upgrade, HTTP2-Settings"),
                Part.of(SERVE, "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Version: 13"));
    }

    // ---- bodies ----

    static Arbitrary<Body> wellFormedBodies() {
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(Body.NONE)),
                Tuple.of(1, Arbitraries.just(Body.of(SERVE, "", "Content-Length: 0"))),
                Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(4_096)
                        .map(bytes -> new Body(List.of("Content-Length: " + bytes.length), bytes, SERVE))),
                Tuple.of(2, validChunked()),
                Tuple.of(1, Arbitraries.of(
                        Body.of(SERVE, "3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: CHUNKED"),
                        Body.of(SERVE, "3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding:\tchunked "),
                        Body.of(SERVE, "abc", "Content-Length: 003"),
                        Body.of(SERVE, "abc", "Expect: 100-continue", "Content-Length: 3"))));
    }

    static Arbitrary<Body> hostileBodies(Route route) {
        // a whole second request hidden where the body ends under one reading of the framing and not the other
        String smuggled = "GET " + route.prefix + route.existingName(2) + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.of(
                        // chunk extensions must be ignored (RFC 9112 section 7.1.1); Helidon 4.5's chunk parser refuses
                        // them with a 400, a clear answer to a form no client we know sends
                        Body.of(serveOr(400), "3;ext=1\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked"),
                        // trailer fields are allowed (RFC 9112 section 7.1.2), but a server may refuse them
                        Body.of(serveOr(400), "3\r\nabc\r\n0\r\nX-Trailer: " + HOP_CANARY + "\r\n\r\n", "Transfer-Encoding: chunked"),
                        // repeated equal lengths: accept as one, or refuse (RFC 9112 section 6.3)
                        Body.of(serveOr(400), "abc", "Content-Length: 3, 3"),
                        Body.of(serveOr(400), "abc", "Content-Length: 3", "Content-Length: 3"),
                        // a recipient MAY accept bare LF in chunk lines, as in the rest of the message
                        Body.of(serveOr(400), "3\nabc\n0\n\n", "Transfer-Encoding: chunked"))),
                Tuple.of(1, Arbitraries.integers().between(1, 100_000).map(k -> {
                    byte[] huge = new byte[1024 * 1024 + k];
                    Arrays.fill(huge, (byte) 'z');
                    return new Body(List.of("Content-Length: " + huge.length), huge, errorOf(413));
                })),
                Tuple.of(1, Arbitraries.integers().between(1, 100_000).map(k -> {
                    int size = 1024 * 1024 + k;
                    return Body.of(errorOf(413), Integer.toHexString(size) + "\r\n" + "z".repeat(size) + "\r\n0\r\n\r\n",
                            "Transfer-Encoding: chunked");
                })),
                // the client declares more than it sends, then closes
                Tuple.of(2, Combinators.combine(Arbitraries.integers().between(0, 100), Arbitraries.integers().between(1, 10_000))
                        .as((sent, missing) -> Body.of(errorOf(400, 408).incomplete(), "z".repeat(sent), "Content-Length: " + (sent + missing)))),
                Tuple.of(1, Arbitraries.of(
                        Body.of(errorOf(400, 408, 413).incomplete(), "abc", "Content-Length: 2000000"),
                        Body.of(errorOf(400, 408).incomplete(), "5\r\nab", "Transfer-Encoding: chunked"),
                        Body.of(errorOf(400, 408).incomplete(), "3\r\nabc\r\n", "Transfer-Encoding: chunked"),
                        Body.of(errorOf(400, 408).incomplete(), "3\r\nabc\r\n0\r\n", "Transfer-Encoding: chunked"))),
                // malformed chunked bodies: 400, and the connection closed (RFC 9112 section 7.1)
                Tuple.of(3, Arbitraries.of("zz\r\nabc\r\n0\r\n\r\n", "-1\r\nabc\r\n0\r\n\r\n", "0x3\r\nabc\r\n0\r\n\r\n",
                                " 3\r\nabc\r\n0\r\n\r\n", "3\r\nabcdef\r\n0\r\n\r\n", "3\r\nabc0\r\n\r\n", "3;a=\u0000\r\nabc\r\n0\r\n\r\n",
                                "3;a=b\rc\r\nabc\r\n0\r\n\r\n", "0\r\nBad Trailer\r\n\r\n", "\r\n3\r\nabc\r\n0\r\n\r\n")
                        .map(chunks -> Body.of(errorOf(400), chunks + smuggled, "Transfer-Encoding: chunked"))),
                Tuple.of(1, Arbitraries.just(Body.of(errorOf(400, 413), "fffffffffffffffffff\r\nabc\r\n0\r\n\r\n" + smuggled,
                        "Transfer-Encoding: chunked"))),
                Tuple.of(4, framingConflicts(smuggled)));
    }

    static Arbitrary<Body> validChunked() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(512).list().ofMinSize(1).ofMaxSize(3)
                .map(chunks -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    for (byte[] chunk : chunks) {
                        out.writeBytes((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.writeBytes(chunk);
                        out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    return new Body(List.of("Transfer-Encoding: chunked"), out.toByteArray(), SERVE);
                });
    }

    /**
     * Request smuggling: framings two parsers could read differently, each followed by a whole second request. A
     * correct server refuses them, or (for Content-Length with Transfer-Encoding) reads the chunked body and then
     * closes (RFC 9112 section 6.3); either way it never answers the hidden request.
     */
    static Arbitrary<Body> framingConflicts(String smuggled) {
        String emptyChunked = "0\r\n\r\n";
        String chunked = "3\r\nabc\r\n0\r\n\r\n";
        return Arbitraries.of(
                Body.of(serveOr(400), emptyChunked + smuggled, "Content-Length: 4", "Transfer-Encoding: chunked"),
                Body.of(serveOr(400), emptyChunked + smuggled, "Transfer-Encoding: chunked", "Content-Length: 4"),
                Body.of(serveOr(400), emptyChunked + smuggled, "Transfer-Encoding: chunked",
                        "Content-Length: " + (emptyChunked.length() + smuggled.length())),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: 3", "Content-Length: 30"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: 3, 30"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: abc"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: -1"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: +3"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: 0x3"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: 3 3"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: 3.0"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: "),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length : 3"),
                Body.of(errorOf(400), "abc" + smuggled, "Content-Length: \u000b3"),
                Body.of(errorOf(400, 413), "abc" + smuggled, "Content-Length: 99999999999999999999999"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding: chunked, chunked"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
                Body.of(errorOf(400, 501), "abc" + smuggled, "Transfer-Encoding: gzip"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding: gzip, chunked"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding: xchunked"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding: chunked-false"),
                Body.of(errorOf(400, 501), "abc" + smuggled, "Transfer-Encoding: identity"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding : chunked"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding: \u000bchunked"),
                Body.of(errorOf(400, 501), chunked + smuggled, "Transfer-Encoding: chunked", "Transfer-Encoding: x"));
    }

    // ---- layout and noise ----

    static Arbitrary<Layout> hostileLayouts() {
        return Arbitraries.of(Layout.BARE_LF, Layout.LEADING_EMPTY_LINE, Layout.UNTERMINATED);
    }

    /** Bytes that are not an HTTP request at all. */
    static Arbitrary<RawRequest> noise() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(2_048)
                        .map(bytes -> new String(bytes, StandardCharsets.ISO_8859_1)),
                Arbitraries.of("GARBAGE\r\n\r\n", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003",
                        "SSH-2.0-OpenSSH_9.6\r\n", "\u0000\u0000\u0000\u0000", "\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "",
                        "\u00ff\u00fe", "GET\r\n\r\n", "HELLO WORLD\r\n\r\n"))
                .map(RawRequest::noise);
    }

    private static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Ways to percent-encode a name as one path segment that RFC 3986 allows. */
    enum Encoding {
        /** Everything but unreserved characters, upper-case hex. */
        UPPER,
        /** The same with lower-case hex. */
        LOWER,
        /** Sub-delimiters, ':' and '@' left as they are, which a path segment allows. */
        MINIMAL;

        String encode(String name) {
            StringBuilder out = new StringBuilder();
            for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
                char c = (char) (b & 0xff);
                if (isUnreserved(c) || (this == MINIMAL && "!$&'()*+,;=:@".indexOf(c) >= 0)) {
                    out.append(c);
                } else {
                    String hex = HexFormat.of().withUpperCase().toHexDigits(b);
                    out.append('%').append(this == LOWER ? hex.toLowerCase() : hex);
                }
            }
            return out.toString();
        }

        static boolean isUnreserved(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0;
        }
    }
}
