package io.javakit.example;

import io.javakit.console.ConsoleModel.ErrorEntry;
import io.javakit.endpoint.CallLog;
import io.javakit.endpoint.EndpointException;
import io.javakit.endpoint.Middleware;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/** The last few failures of instances (each failed attempt, even when a retry hid it), newest first, for the console. */
final class RecentErrors {
    private static final int KEPT = 20;
    private final ArrayDeque<ErrorEntry> entries = new ArrayDeque<>(KEPT);

    <Req, Res> Middleware<Req, Res> recorder(String service) {
        return next -> (ctx, request) -> {
            try {
                return next.call(ctx, request);
            } catch (Exception e) {
                if (!EndpointException.isInstanceFailure(e)) {
                    throw e; // a not-found is an answer, not an error of the instance
                }
                add(new ErrorEntry(Instant.now(), service, ctx.log().get(CallLog.INSTANCE).orElse("none"),
                        EndpointException.kindOf(e).name().toLowerCase(Locale.ROOT), String.valueOf(e.getMessage())));
                throw e;
            }
        };
    }

    private synchronized void add(ErrorEntry entry) {
        if (entries.size() == KEPT) {
            entries.removeLast();
        }
        entries.addFirst(entry);
    }

    synchronized List<ErrorEntry> newestFirst() {
        return List.copyOf(entries);
    }
}
