package io.javakit.benchmarks;

import io.javakit.upstream.Upstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.TearDown;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.javakit.endpoint.Endpoint;
import io.javakit.endpoint.Middleware;
import io.javakit.endpoint.RequestContext;
import io.javakit.logging.LogfmtEncoder;
import io.javakit.logging.Logging;
import io.javakit.resilience.CircuitBreakers;
import io.javakit.resilience.RateLimiters;
import io.javakit.sd.Endpointer;
import io.javakit.sd.FixedInstancer;
import io.javakit.sd.lb.Balancers;
import io.javakit.sd.lb.Retry;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the gateway's middleware costs per call, without any I/O: the bare endpoint against the seed's chain
 * (retry over round robin over three instances, each behind a rate limiter and a circuit breaker), with and without
 * the logging middleware writing logfmt to a discarding stream; and the {@link Upstream} that composes it all (P2C,
 * ejection, open breakers left out, bounds, limiter, breaker, statistics, spans with the no-op tracer, metrics into a
 * {@link SimpleMeterRegistry}), with its defaults and with round robin.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MiddlewareChainBenchmark {
    public record ByName(String name) {}
    public record Product(int id, String name) {}

    private static final Product PRODUCT = new Product(1, "product1");
    private final ByName request = new ByName("product1");
    private Endpoint<ByName, Product> bare;
    private Endpoint<ByName, Product> chain;
    private Endpoint<ByName, Product> loggedChain;
    private Endpoint<ByName, Product> breakerOnly;
    private Endpoint<ByName, Product> limiterOnly;
    private Endpoint<ByName, Product> retryOnly;
    private Upstream<ByName, Product> upstream;
    private Upstream<ByName, Product> upstreamRoundRobin;
    private Upstream<ByName, Product> upstreamWithoutMetrics;

    @Setup
    public void setUp() {
        bare = (ctx, req) -> PRODUCT;
        Endpointer<ByName, Product> instances = Endpointer.of(
                FixedInstancer.of("localhost:8083", "localhost:8084", "localhost:8085"),
                instance -> Middleware.chain(
                        RateLimiters.<ByName, Product>erroring(RateLimiters.perSecond(instance.address(), Integer.MAX_VALUE)),
                        CircuitBreakers.<ByName, Product>middleware(CircuitBreaker.of(instance.address(), CircuitBreakers.seedDefaults())))
                        .wrap(bare));
        chain = Retry.retry(3, Duration.ofSeconds(1), Balancers.roundRobin(instances));
        breakerOnly = CircuitBreakers.<ByName, Product>middleware(CircuitBreaker.of("b", CircuitBreakers.seedDefaults())).wrap(bare);
        limiterOnly = RateLimiters.<ByName, Product>erroring(RateLimiters.perSecond("l", Integer.MAX_VALUE)).wrap(bare);
        retryOnly = Retry.retry(3, Duration.ofSeconds(1), Balancers.roundRobin(
                Endpointer.of(FixedInstancer.of("localhost:8083", "localhost:8084", "localhost:8085"), instance -> bare)));
        upstream = upstream(Upstream.Balancing.P2C);
        upstreamRoundRobin = upstream(Upstream.Balancing.ROUND_ROBIN);
        // Micrometer's global registry, with no registry added to it, records nothing: the chain without metrics
        upstreamWithoutMetrics = Upstream.<ByName, Product>builder("products",
                        FixedInstancer.of("localhost:8083", "localhost:8084", "localhost:8085"), instance -> bare)
                .idempotent(true).rateLimit(Integer.MAX_VALUE, Duration.ZERO).build();
        loggedChain = Logging.<ByName, Product>middleware(discardingLogger(), "localhost:8000", "ProductByName").wrap(chain);
    }

    private Upstream<ByName, Product> upstream(Upstream.Balancing balancing) {
        return Upstream.<ByName, Product>builder("products", FixedInstancer.of("localhost:8083", "localhost:8084", "localhost:8085"),
                        instance -> bare)
                .idempotent(true).rateLimit(Integer.MAX_VALUE, Duration.ZERO).balancing(balancing)
                .meterRegistry(new SimpleMeterRegistry()).build();
    }

    @TearDown
    public void tearDown() {
        upstream.close();
        upstreamRoundRobin.close();
        upstreamWithoutMetrics.close();
    }

    private static Logger discardingLogger() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
        LogfmtEncoder encoder = new LogfmtEncoder();
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(OutputStream.nullOutputStream());
        appender.start();
        Logger logger = context.getLogger("calls");
        logger.addAppender(appender);
        return logger;
    }

    @Benchmark
    public Product bareEndpoint() throws Exception {
        return bare.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product retryBalancerLimiterBreaker() throws Exception {
        return chain.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product breakerOnly() throws Exception {
        return breakerOnly.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product limiterOnly() throws Exception {
        return limiterOnly.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product retryAndRoundRobinOnly() throws Exception {
        return retryOnly.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product upstreamDefaults() throws Exception {
        return upstream.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product upstreamRoundRobin() throws Exception {
        return upstreamRoundRobin.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product upstreamWithoutMetrics() throws Exception {
        return upstreamWithoutMetrics.call(RequestContext.background(), request);
    }

    @Benchmark
    public Product withLogging() throws Exception {
        return loggedChain.call(RequestContext.background(), request);
    }
}
