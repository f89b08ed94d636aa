package io.javakit.bench.engines;

import static io.javakit.bench.engines.Main.HELLO;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty 4.2 (NIO transport), fully async: each server event loop owns a small keep-alive pool of client
 * connections to the backends, registered on the same loop, so a hop never changes threads and needs no locks.
 * (No HTTP pipelining support: one request in flight per downstream connection, as wrk and browsers do.)
 */
final class NettyEngine {
    static final int[] PORTS = {8083, 8084, 8085};
    static final AtomicInteger NEXT = new AtomicInteger();
    static final Map<EventLoop, Upstreams> POOLS = new ConcurrentHashMap<>();

    static void main(String[] args) throws InterruptedException {
        var group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory()); // 2 x cores event loops
        new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Upstreams upstreams = POOLS.computeIfAbsent(ch.eventLoop(), Upstreams::new);
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
                                new GatewayHandler(upstreams));
                    }
                })
                .bind("127.0.0.1", 8000).sync();
    }

    static final class GatewayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        final Upstreams upstreams;

        GatewayHandler(Upstreams upstreams) {
            this.upstreams = upstreams;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (req.uri().equals("/hello")) {
                reply(ctx, HttpResponseStatus.OK, Unpooled.wrappedBuffer(HELLO), keepAlive);
            } else if (req.uri().startsWith("/products/")) {
                upstreams.forward(req.uri().substring("/products".length()), ctx, keepAlive);
            } else {
                reply(ctx, HttpResponseStatus.NOT_FOUND, Unpooled.EMPTY_BUFFER, keepAlive);
            }
        }
    }

    static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, ByteBuf body, boolean keepAlive) {
        reply(ctx, status, body, keepAlive, null);
    }

    static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, ByteBuf body, boolean keepAlive,
            String backend) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        if (backend != null) {
            res.headers().set("X-Backend", backend);
        }
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        HttpUtil.setKeepAlive(res, keepAlive);
        ChannelFuture written = ctx.writeAndFlush(res);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Keep-alive connections of one event loop to each backend; only ever touched from that loop's thread. */
    static final class Upstreams {
        final Bootstrap bootstrap;
        @SuppressWarnings("unchecked")
        final ArrayDeque<Channel>[] idle = new ArrayDeque[] {new ArrayDeque<>(), new ArrayDeque<>(), new ArrayDeque<>()};

        Upstreams(EventLoop loop) {
            bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                    new UpstreamHandler(Upstreams.this));
                        }
                    });
        }

        void forward(String path, ChannelHandlerContext client, boolean keepAlive) {
            int backend = Math.floorMod(NEXT.getAndIncrement(), PORTS.length);
            Channel ch;
            while ((ch = idle[backend].pollFirst()) != null && !ch.isActive()) {
                // drop connections the backend closed while idle
            }
            if (ch != null) {
                send(ch, backend, path, client, keepAlive);
            } else {
                bootstrap.connect("127.0.0.1", PORTS[backend]).addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        send(f.channel(), backend, path, client, keepAlive);
                    } else {
                        reply(client, HttpResponseStatus.BAD_GATEWAY, Unpooled.EMPTY_BUFFER, false);
                    }
                });
            }
        }

        void send(Channel ch, int backend, String path, ChannelHandlerContext client, boolean keepAlive) {
            UpstreamHandler handler = ch.pipeline().get(UpstreamHandler.class);
            handler.backend = backend;
            handler.client = client;
            handler.clientKeepAlive = keepAlive;
            var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
            req.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + PORTS[backend]);
            ch.writeAndFlush(req);
        }
    }

    static final class UpstreamHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        final Upstreams upstreams;
        int backend;
        ChannelHandlerContext client; // the downstream request waiting for this connection's response, if any
        boolean clientKeepAlive;

        UpstreamHandler(Upstreams upstreams) {
            this.upstreams = upstreams;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            ChannelHandlerContext waiting = client;
            client = null;
            if (HttpUtil.isKeepAlive(res)) {
                upstreams.idle[backend].offerFirst(ctx.channel());
            } else {
                ctx.close();
            }
            if (waiting != null) {
                reply(waiting, res.status(), res.content().retain(), clientKeepAlive, res.headers().get("X-Backend"));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failPending();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failPending();
            ctx.close();
        }

        private void failPending() {
            if (client != null) {
                reply(client, HttpResponseStatus.BAD_GATEWAY, Unpooled.EMPTY_BUFFER, false);
                client = null;
            }
        }
    }
}
