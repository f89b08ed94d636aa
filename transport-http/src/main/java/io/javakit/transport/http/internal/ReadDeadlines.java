package io.javakit.transport.http.internal;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.javakit.transport.http.ErrorEncoder;
import io.javakit.transport.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how long a client may take to send a request, which the engine does not: it reads a trickling client
 * forever, a byte at a time (slowloris), and ignores its own read timeout on server sockets. From the moment a
 * request line has arrived, the headers must follow within the head timeout and the whole request, body included,
 * within the read timeout; otherwise the client gets a 408 and the connection is closed. (The wait for a request
 * line is the engine's idle timeout, which does interrupt a connection that is still reading one.)
 *
 * <p>The engine reports the request line and the end of the headers to a connection listener, on the connection's
 * own thread, which then also runs the routing handler that reads the body: that thread keeps its current watch in a
 * thread local. A single sweeper thread expires overdue watches, so a request costs a set entry, not a timer task.
 * Whichever comes first, the reader finishing or the sweeper expiring, claims the watch; the loser backs off.
 */
public final class ReadDeadlines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReadDeadlines.class);
    private static final Duration MIN_SWEEP = Duration.ofMillis(10);
    private static final Duration MAX_SWEEP = Duration.ofSeconds(1);
    /** How long the 408 may take to go out before the connection is closed regardless. */
    private static final Duration ANSWER_GRACE = Duration.ofSeconds(1);
    private static final byte[] REQUEST_TIMEOUT = timeoutResponse();

    private final long headNanos;
    private final long readNanos;
    private final ThreadLocal<Watch> current = new ThreadLocal<>();
    private final Set<Watch> pending = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sweeper;

    /**
     * @param headTimeout how long after the request line the headers may take
     * @param readTimeout how long after the request line the whole request may take
     */
    public ReadDeadlines(Duration headTimeout, Duration readTimeout) {
        this.readNanos = readTimeout.toNanos();
        this.headNanos = Math.min(headTimeout.toNanos(), readNanos);
        // a tenth of the shorter timeout, within bounds: how late a deadline may be enforced
        long sweepNanos = Math.clamp(headNanos / 10, MIN_SWEEP.toNanos(), MAX_SWEEP.toNanos());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("javakit-http-read-deadlines").factory());
        sweeper.scheduleAtFixedRate(this::expireOverdue, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
    }

    /** Tells this guard when a request line and when its headers have arrived; add it as a receive listener. */
    public Http1ConnectionListener requestListener() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                long now = System.nanoTime();
                Watch watch = new Watch(ctx, now + headNanos, now + readNanos);
                current.set(watch);
                pending.add(watch);
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Watch watch = current.get();
                if (watch != null) {
                    if (watch.claimed.get()) {
                        throw new CloseConnectionException("request head arrived after its deadline");
                    }
                    watch.headDone = true;
                }
            }
        };
    }

    /**
     * Tells this guard when a response starts; add it as a send listener. A request the engine rejects itself
     * (say, a 413 before any handler ran) is answered without {@link #requestRead()}: its answer ends the watch.
     */
    public Http1ConnectionListener responseListener() {
        return new Http1ConnectionListener() {
            @Override
            public void status(ConnectionContext ctx, Status status) {
                Watch watch = current.get();
                if (watch != null) {
                    current.remove();
                    pending.remove(watch);
                }
            }
        };
    }

    /**
     * The request has been read in full, on the thread that read it. Call before writing any response.
     *
     * @throws CloseConnectionException if the deadline passed first: the client has had its 408 and the
     *     connection is closing, so nothing more may be written to it
     */
    public void requestRead() {
        Watch watch = current.get();
        if (watch == null) {
            return;
        }
        current.remove();
        pending.remove(watch);
        if (!watch.claimed.compareAndSet(false, true)) {
            throw new CloseConnectionException("request read after its deadline");
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        for (Watch watch : pending) {
            if (watch.overdue(now) && watch.claimed.compareAndSet(false, true)) {
                pending.remove(watch);
                try {
                    expire(watch);
                } catch (RuntimeException e) {
                    // a failure escaping here would cancel the sweeps for good
                    LOG.atWarn().setCause(e).log("cannot close a connection past its read deadline");
                }
            }
        }
    }

    private void expire(Watch watch) {
        String phase = watch.headDone ? "body" : "headers";
        LOG.atInfo().addKeyValue("peer", watch.ctx.remotePeer().address()).addKeyValue("phase", phase)
                .log("request not received in time; answered 408 and closed the connection");
        // A client that reads nothing could block the write: the answer goes out on a virtual thread, and the
        // connection is closed after a grace period in any case, which also ends such a write. Once it is closed,
        // the connection's own thread, blocked reading, fails and ends the connection.
        Thread.ofVirtual().name("javakit-http-408").start(() -> {
            try {
                watch.ctx.dataWriter().writeNow(BufferData.create(REQUEST_TIMEOUT));
            } catch (RuntimeException peerGone) {
                // nobody to answer; closing is all that is left to do
            }
            close(watch);
        });
        sweeper.schedule(() -> close(watch), ANSWER_GRACE.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static void close(Watch watch) {
        try {
            watch.ctx.serverSocket().close();
        } catch (RuntimeException alreadyClosed) {
            // closed by the other of the two paths, or by the client
        }
    }

    private static byte[] timeoutResponse() {
        HttpResponse body = ErrorEncoder.body(408, "request_timeout", "request not received in time");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("HTTP/1.1 408 Request Timeout\r\nContent-Type: " + HttpResponse.JSON + "\r\nContent-Length: "
                + body.body().length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body.body());
        return out.toByteArray();
    }

    /** One request being read; it is claimed once, by the reader finishing or by the sweeper. */
    private static final class Watch {
        final ConnectionContext ctx;
        final long headDeadline;
        final long readDeadline;
        final AtomicBoolean claimed = new AtomicBoolean();
        volatile boolean headDone;

        Watch(ConnectionContext ctx, long headDeadline, long readDeadline) {
            this.ctx = ctx;
            this.headDeadline = headDeadline;
            this.readDeadline = readDeadline;
        }

        boolean overdue(long now) {
            return now - (headDone ? readDeadline : headDeadline) >= 0;
        }
    }
}
