package io.javakit.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Playwright scripts in {@code console/src/test/browser} with node and Debian's Chromium, for this module's
 * browser test and the example's (which drives a running gateway). Fails, rather than skips, when node or Chromium
 * is missing, so that a machine without them cannot pass for a green run; runs {@code npm ci} first when
 * {@code node_modules} is missing, which needs the npm registry once.
 */
public final class BrowserScripts {
    private static final long NPM_TIMEOUT_SECONDS = 120;
    private static final long SCRIPT_TIMEOUT_SECONDS = 60;

    private BrowserScripts() {}

    /** What a script printed, stdout and stderr merged, and how it exited. */
    public record Result(int exitCode, String output) {}

    /**
     * Runs {@code node <script> <args>} in {@code browserTests} (the folder with package.json) after checking that
     * Chromium and node are there.
     */
    public static Result run(Path browserTests, String script, String... args) throws InterruptedException {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        if (!Files.isExecutable(Path.of(chromium))) {
            fail("no Chromium at " + chromium + ": install Debian's chromium (apt-get install chromium) or set CHROMIUM");
        }
        Result version = exec(List.of("node", "--version"), browserTests, 10);
        assertThat(version.exitCode()).as("node --version: %s", version.output()).isZero();
        if (!Files.isDirectory(browserTests.resolve("node_modules/playwright-core"))) {
            Result npm = exec(List.of("npm", "ci", "--no-audit", "--no-fund"), browserTests, NPM_TIMEOUT_SECONDS);
            assertThat(npm.exitCode()).as("npm ci in %s (needs the npm registry once):%n%s", browserTests, npm.output()).isZero();
        }
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        return exec(command, browserTests, SCRIPT_TIMEOUT_SECONDS);
    }

    /** Runs a command to completion, stdout and stderr merged; a command that overruns is killed with its children. */
    private static Result exec(List<String> command, Path directory, long timeoutSeconds) throws InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("cannot run " + command.get(0) + " (is it installed and on the PATH?): " + e.getMessage(), e);
        }
        // read on another thread, so that a chatty process cannot block on a full pipe while we wait for it
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append("(output unreadable: ").append(e.getMessage()).append(')');
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            reader.join(TimeUnit.SECONDS.toMillis(5));
            return fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s; output:\n" + output);
        }
        reader.join();
        return new Result(process.exitValue(), output.toString());
    }
}
