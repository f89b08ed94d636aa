package io.javakit.sd.lb;

/** The budget of {@link RetryBudget#unlimited()}. */
enum UnlimitedRetryBudget implements RetryBudget {
    INSTANCE;

    @Override
    public void deposit() {}

    @Override
    public boolean tryWithdraw() {
        return true;
    }

    @Override
    public long balance() {
        return Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        return "unlimited";
    }
}
