package io.javakit.benchmarks.faults;

/** One fault, or one change, against a fresh cluster under load, measured from the clients' side. */
interface Scenario {
    /** The name the command line selects it by. */
    String name();

    ScenarioResult run(SuiteSettings settings) throws Exception;
}
